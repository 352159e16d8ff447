import Hummingbird
import NIOCore

/// The baseline for the API throughput benchmark: the same HTTP stack (Hummingbird 2,
/// same router, same query decoding) answering `/client/api` with a fixed body, without
/// authentication, database or rendering. `bench/run_benchmarks.py` runs it beside
/// `cirrus serve` and reports Cirrus's throughput as a share of this one.
let port = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 8090
let body = #"{"listusersresponse":{"count":1,"user":[{"id":"00000000-0000-0000-0000-000000000000","username":"admin","account":"admin","state":"enabled"}]}}"#
let router = Router()
router.get("/client/api") { request, _ -> Response in
    // Touch the query the way the real endpoint does, so that the baseline is not free.
    _ = request.uri.query?.split(separator: "&").count
    var headers = HTTPFields()
    headers[.contentType] = "application/json; charset=UTF-8"
    return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
