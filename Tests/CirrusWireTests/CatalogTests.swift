@testable import CirrusAPI
import Foundation
import Testing

/// Checks every declared command against what clients need from `listApis`, and against the
/// names of CloudStack 4.19 (`shared/reference/api-catalog.json`) when that file is present.
@Suite("Command catalog")
struct CatalogTests {
    let registry = CommandCatalog.registry()

    @Test("every command's listApis entry has the fields CloudMonkey and Marvin read")
    func listApisShape() throws {
        for spec in registry.commands {
            let entry = APIDocumentation.describe(spec, among: registry.commands)
            guard case .bool = entry["isasync"] else { Issue.record("\(spec.name): isasync is not a boolean"); continue }
            guard case .array(let params) = entry["params"], case .array = entry["response"] else { Issue.record("\(spec.name): params/response missing"); continue }
            for p in params {
                guard case .int(let length) = p["length"], length > 0, case .bool = p["required"], case .string = p["type"] else {
                    Issue.record("\(spec.name): parameter without integer length, boolean required or type: \(p.json())")
                    continue
                }
            }
        }
    }

    @Test("command and parameter names exist in CloudStack 4.19 with the same async flag")
    func matchesCloudStack() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/reference/api-catalog.json").standardized
        let data = try Data(contentsOf: url)
        let catalog = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let apis = try #require(catalog["api"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: apis.compactMap { api in (api["name"] as? String).map { ($0, api) } })
        for spec in registry.commands {
            let api = try #require(byName[spec.name], "\(spec.name) is not a CloudStack 4.19 command")
            #expect(api["isasync"] as? Bool == spec.isAsync, "\(spec.name): async flag differs from CloudStack")
            let known = Set((api["params"] as? [[String: Any]] ?? []).compactMap { ($0["name"] as? String)?.lowercased() })
            for p in spec.parameters where !known.contains(p.key) {
                Issue.record("\(spec.name): parameter \(p.name) is not in CloudStack 4.19")
            }
            let required = Set((api["params"] as? [[String: Any]] ?? []).filter { $0["required"] as? Bool == true }.compactMap { ($0["name"] as? String)?.lowercased() })
            for name in required where spec.parameter(named: name) == nil {
                Issue.record("\(spec.name): required CloudStack parameter \(name) is not declared")
            }
        }
    }

    @Test("the OpenAPI document is valid JSON with a path per command")
    func openAPI() throws {
        let text = OpenAPIDocument.json(for: registry)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(doc["openapi"] as? String == "3.1.0")
        let paths = try #require(doc["paths"] as? [String: Any])
        #expect(paths.count == registry.commands.count)
        #expect(paths["/client/api/listUsers"] != nil)
    }
}
