import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation

extension Schemas {
    /// `findHostsForMigration`: the host fields plus what a migration there needs.
    static let migrationHost = ResponseSchema<MigrationHostView>(objectName: "host", fields:
        host.fields.filter { $0.info.name != "hasenoughcapacity" }.map { field in
            ResponseField<MigrationHostView>(field.info.name, field.info.description, type: field.info.type, children: field.info.children) { field.extract($0.item) }
        } + [
            .string("cpuallocated", "the CPU allocated on the host, as a percentage") { percent($0.cpuAllocated, $0.cpuTotal) },
            .string("cpuallocatedpercentage", "the CPU allocated on the host, as a percentage") { percent($0.cpuAllocated, $0.cpuTotal) },
            .long("cpuallocatedwithoverprovisioning", "the CPU allocated on the host in MHz") { $0.cpuAllocated },
            .string("cpuwithoverprovisioning", "the CPU of the host in MHz after overprovisioning") { String($0.cpuTotal) },
            .long("memorywithoverprovisioning", "the memory of the host in bytes after overprovisioning") { $0.memoryTotal },
            .long("memoryallocated", "the memory allocated on the host in bytes") { $0.memoryAllocated },
            .long("memoryallocatedbytes", "the memory allocated on the host in bytes") { $0.memoryAllocated },
            .string("memoryallocatedpercentage", "the memory allocated on the host, as a percentage") { percent($0.memoryAllocated, $0.memoryTotal) },
            .bool("hasenoughcapacity", "whether the host has the CPU and memory for the instance") { $0.hasEnoughCapacity },
            .bool("suitableformigration", "whether the instance can migrate to the host") { $0.suitable },
            .bool("requiresStorageMotion", "whether the instance's volumes would have to move to other pools") { $0.requiresStorageMotion },
        ])

    static func percent(_ part: Int64, _ whole: Int64) -> String {
        whole > 0 ? String(format: "%.2f%%", Double(part) * 100 / Double(whole)) : "0.00%"
    }

    /// `findStoragePoolsForMigration`: the pool fields plus whether the volume may go there.
    static let migrationPool = ResponseSchema<MigrationPoolView>(objectName: "storagepool", fields:
        storagePool.fields.map { field in
            ResponseField<MigrationPoolView>(field.info.name, field.info.description, type: field.info.type, children: field.info.children) { field.extract($0.view) }
        } + [
            .bool("suitableformigration", "whether the volume can migrate to the pool") { $0.suitable },
        ])
}
