import CirrusEngine
import CirrusModel
import Foundation

/// The Simulator's fault injection commands.
enum SimulatorCommands {
    static let all: [CommandSpec] = [
        CommandSpec("configureSimulator", description: "Injects latency or faults into the commands simulated hosts receive", parameters: [
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "apply to the hosts of this zone"),
            ParameterSpec("podid", .uuid, related: ["listPods"], description: "apply to the hosts of this pod"),
            ParameterSpec("clusterid", .uuid, related: ["listClusters"], description: "apply to the hosts of this cluster"),
            ParameterSpec("hostid", .uuid, related: ["listHosts"], description: "apply to this host"),
            ParameterSpec("name", .string, required: true, description: "the command's class name, such as CheckHealthCommand"),
            ParameterSpec("value", .string, required: true, description: "wait:<ms>, result:fail or result:fault, several separated by | or ;"),
            ParameterSpec("count", .integer, description: "how many commands the mock applies to; forever when omitted"),
            ParameterSpec("jsonresponse", .string, length: 65_535, description: "the answer to return, as JSON"),
        ], response: Schemas.simulatorMock.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            let view = try await ctx.engine.simulator.configure(zoneID: p.uuid("zoneid"), podID: p.uuid("podid"), clusterID: p.uuid("clusterid"), hostID: p.uuid("hostid"),
                                                                name: try p.requiredString("name"), value: try p.requiredString("value"), count: p.int("count"),
                                                                jsonResponse: p.string("jsonresponse"))
            return .object(name: "simulatormock", Schemas.simulatorMock.render(view))
        }),
        CommandSpec("querySimulatorMock", description: "Shows a simulator mock", parameters: [
            ParameterSpec("id", .long, description: "the mock's ID"),
        ], response: Schemas.simulatorMock.description, access: .rootAdmin, handler: .sync { ctx in
            guard let id = ctx.parameters.long("id") else { throw CloudError.missingParameter(command: "querySimulatorMock", parameter: "id") }
            return .object(name: "simulatormock", Schemas.simulatorMock.render(try await ctx.engine.simulator.query(id: id)))
        }),
        CommandSpec("cleanupSimulatorMock", description: "Removes a simulator mock", parameters: [
            ParameterSpec("id", .long, description: "the mock's ID"),
        ], response: .success, access: .rootAdmin, handler: .sync { ctx in
            guard let id = ctx.parameters.long("id") else { throw CloudError.missingParameter(command: "cleanupSimulatorMock", parameter: "id") }
            try await ctx.engine.simulator.cleanup(id: id)
            return .success(displayText: nil)
        }),
    ]
}
