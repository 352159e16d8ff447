import CirrusModel
import Foundation
import Testing

@Suite("Instance shape from an offering and details")
struct InstanceShapeTests {
    let fixed = ServiceOffering(name: "small", displayText: "small", cpuNumber: 2, cpuSpeed: 1000, memory: 2048)
    let custom = ServiceOffering(name: "custom", displayText: "custom", cpuNumber: nil, cpuSpeed: 1500, memory: nil, isCustomized: true,
                                 minCPUNumber: 1, maxCPUNumber: 4, minMemory: 512, maxMemory: 4096)

    @Test("a fixed offering gives its own figures and ignores details")
    func fixedOffering() throws {
        let shape = try InstanceShape.resolve(offering: fixed, details: ["cpuNumber": "8", "memory": "1"])
        #expect(shape == InstanceShape(cpu: 2, cpuSpeed: 1000, memory: 2048))
    }

    @Test("a custom offering takes the open figures from details, keys in any case, and keeps its fixed speed")
    func customOffering() throws {
        let shape = try InstanceShape.resolve(offering: custom, details: ["CPUNUMBER": "3", "Memory": "1024", "cpuSpeed": "9999"])
        #expect(shape == InstanceShape(cpu: 3, cpuSpeed: 1500, memory: 1024))
    }

    @Test("missing, non-numeric, non-positive and out-of-bounds figures are refused with CloudStack's texts")
    func refusals() {
        func message(_ details: [String: String]) -> String? {
            do { _ = try InstanceShape.resolve(offering: custom, details: details); return nil } catch { return error.message }
        }
        #expect(message(["memory": "1024"]) == InstanceShape.customMissing.message)
        #expect(message(["cpuNumber": "two", "memory": "1024"]) == "Invalid cpuNumber value two for the custom offering")
        #expect(message(["cpuNumber": "0", "memory": "1024"]) == "Invalid cpuNumber value 0 for the custom offering")
        #expect(message(["cpuNumber": "5", "memory": "1024"]) == "The number of CPUs must be between 1 and 4")
        #expect(message(["cpuNumber": "2", "memory": "256"]) == "The memory must be between 512 and 4096 MB")
        #expect(message(["cpuNumber": "2", "memory": "8192"]) == "The memory must be between 512 and 4096 MB")
        #expect(message(["cpuNumber": "4", "memory": "4096"]) == nil)
    }

    @Test("an unbounded custom offering needs speed too when the offering leaves it open")
    func unboundedCustom() throws {
        let open = ServiceOffering(name: "open", displayText: "open", cpuNumber: nil, cpuSpeed: nil, memory: nil, isCustomized: true)
        #expect(throws: CloudError.self) { try InstanceShape.resolve(offering: open, details: ["cpuNumber": "2", "memory": "512"]) }
        let shape = try InstanceShape.resolve(offering: open, details: ["cpuNumber": "16", "memory": "65536", "cpuSpeed": "2000"])
        #expect(shape == InstanceShape(cpu: 16, cpuSpeed: 2000, memory: 65536))
    }
}
