import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation

/// Async job queries.
enum JobCommands {
    static func views(_ jobs: [AsyncJob], engine: Engine) async throws -> [JobView] {
        let owners = try await engine.jobs.owners(of: jobs)
        return jobs.map { JobView(job: $0, account: owners.accounts[$0.accountID], domain: owners.domains[$0.domainID], user: owners.users[$0.userID]) }
    }

    static let all: [CommandSpec] = [
        CommandSpec("queryAsyncJobResult", description: "Reports the status and result of an async job", parameters: [
            ParameterSpec("jobid", .uuid, required: true, related: ["listAsyncJobs"], description: "the job"),
        ], response: ResponseDescription(objectName: nil, fields: Schemas.job.fieldInfo), access: .all, handler: .sync { ctx in
            let id = try ctx.parameters.requiredUUID("jobid")
            guard let job = try await ctx.engine.jobs.find(caller: ctx.caller, uuid: id) else {
                throw CloudError.invalidParameter("Unable to find job by id \(id.uuidString.lowercased())")
            }
            return .flat(Schemas.job.render(try await views([job], engine: ctx.engine)[0]))
        }),
        CommandSpec("listAsyncJobs", description: "Lists async jobs", parameters: [
            ParameterSpec("startdate", .date, description: "list jobs submitted at or after this date"),
            ParameterSpec("managementserverid", .uuid, since: "4.19", description: "accepted for compatibility; jobs of every server are listed"),
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.job.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let listing = try await ctx.engine.jobs.list(scope: try await ctx.scope(fallback: .ownAccount), since: p.date("startdate"), keyword: p.string("keyword"), page: try await ctx.page())
            return .list(itemName: "asyncjobs", count: listing.total, items: try await views(listing.items, engine: ctx.engine).map(Schemas.job.render))
        }),
    ]
}
