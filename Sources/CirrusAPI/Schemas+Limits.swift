import CirrusEngine
import CirrusModel
import Foundation

extension Schemas {
    static let resourceLimit = ResponseSchema<ResourceLimitView>(objectName: "resourcelimit", fields: [
        .string("account", "the account of the limit (absent for a domain's limit)") { $0.account?.name },
        .string("domainid", "the ID of the domain of the limit") { id($0.domain.uuid) },
        .string("domain", "the name of the domain of the limit") { $0.domain.name },
        .string("resourcetype", "the resource type's number: 0 instance, 1 IP, 2 volume, 3 snapshot, 4 template, 5 project, 6 network, 7 VPC, 8 CPU, 9 memory, 10 primary storage, 11 secondary storage") {
            String($0.entry.type.rawValue)
        },
        .string("resourcetypename", "the resource type's name, such as user_vm") { $0.entry.type.name },
        .long("max", "the maximum; -1 for no limit (GiB for storage)") { ResourceLimits.apiValue($0.entry.max, for: $0.entry.type) },
    ])

    static let resourceCount = ResponseSchema<ResourceCountView>(objectName: "resourcecount", fields: [
        .string("account", "the account of the count (absent for a domain's count)") { $0.account?.name },
        .string("domainid", "the ID of the domain of the count") { id($0.domain.uuid) },
        .string("domain", "the name of the domain of the count") { $0.domain.name },
        .string("resourcetype", "the resource type's number") { String($0.entry.type.rawValue) },
        .string("resourcetypename", "the resource type's name, such as user_vm") { $0.entry.type.name },
        .long("resourcecount", "the amount in use (bytes for storage, MiB for memory)") { $0.entry.count },
    ])
}
