import CirrusEngine
import Foundation
import HTTPTypes
import Hummingbird

/// Serves the files of `extractTemplate` / `extractIso` URLs: `GET /client/extract/<token>/<file>`.
/// The token is signed and expires (see ``TemplateService/extractedFile(token:now:)``), so the
/// route needs no login, as CloudStack's secondary-storage download URLs need none.
public enum ExtractRoutes {
    public static func register<Context: RequestContext>(on router: Router<Context>, templates: TemplateService) {
        let fileIO = FileIO()
        router.get("/client/extract/{token}/{file}") { _, context -> Response in
            guard let token = context.parameters.get("token"), let name = context.parameters.get("file"),
                  let file = try await templates.extractedFile(token: token), file.lastPathComponent == name else {
                throw HTTPError(.notFound, message: "No such extracted file, or its URL has expired")
            }
            let body = try await fileIO.loadFile(path: file.path, context: context)
            var headers = HTTPFields()
            headers[.contentType] = "application/octet-stream"
            headers[.contentDisposition] = "attachment; filename=\"\(name)\""
            return Response(status: .ok, headers: headers, body: body)
        }
    }
}
