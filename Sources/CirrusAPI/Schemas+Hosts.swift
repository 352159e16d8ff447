import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation

extension Schemas {
    /// The events a host's status machine accepts next, as CloudStack's `events` field lists them.
    static func hostEvents(_ status: HostStatus) -> String {
        HostStatusMachine.Event.allCases.filter { $0 != .linkLost && HostStatusMachine.next(status, on: $0) != nil }.map(\.rawValue).joined(separator: "; ")
    }

    static let host = ResponseSchema<HostListItem>(objectName: "host", fields: [
        .string("id", "the ID of the host") { id($0.host.uuid) },
        .string("name", "the name of the host") { $0.host.name },
        .string("state", "the agent connection state: Up, Connecting, Disconnected, Alert, Down...") { $0.host.status.rawValue },
        .date("disconnected", "when the host's agent last disconnected") { $0.host.disconnected },
        .string("type", "the host type") { $0.host.type.rawValue },
        .string("ipaddress", "the management IP address of the host") { $0.host.privateIP },
        .string("zoneid", "the ID of the zone") { $0.zoneUUID.map(id) },
        .string("zonename", "the name of the zone") { $0.zoneName },
        .string("podid", "the ID of the pod") { $0.podUUID.map(id) },
        .string("podname", "the name of the pod") { $0.podName },
        .string("version", "the version of the host's agent") { $0.host.agentVersion },
        .string("hypervisor", "the hypervisor of the host") { $0.host.hypervisorType.rawValue },
        .integer("cpusockets", "the number of CPU sockets") { $0.host.cpuSockets },
        .integer("cpunumber", "the number of CPU cores") { $0.host.cpus },
        .long("cpuspeed", "the speed of each core in MHz") { $0.host.cpuSpeed },
        .long("memorytotal", "the memory of the host in bytes") { $0.host.totalMemory },
        .string("capabilities", "the host's capabilities") { $0.host.capabilities ?? "hvm" },
        .date("lastpinged", "when the host's agent last pinged") { $0.host.lastPing },
        .string("managementserverid", "the management server holding the agent's link") { $0.host.ownerServer },
        .string("clusterid", "the ID of the cluster") { $0.clusterUUID.map(id) },
        .string("clustername", "the name of the cluster") { $0.clusterName },
        .string("clustertype", "the type of the cluster") { $0.clusterType },
        .bool("islocalstorageactive", "whether local storage is active on the host") { _ in false },
        .date("created", "when the host was added") { $0.host.created },
        .string("events", "the events the host's state machine accepts next") { hostEvents($0.host.status) },
        .string("hosttags", "the host's tags, comma-separated") { $0.host.tags.isEmpty ? nil : $0.host.tags.joined(separator: ",") },
        .bool("istagarule", "whether the host tag is a rule") { _ in false },
        .bool("hasenoughcapacity", "whether the host has capacity for a migration (only in migration listings)") { _ in nil },
        .string("resourcestate", "the administrative state: Enabled, Disabled, PrepareForMaintenance, Maintenance...") { $0.host.resourceState.rawValue },
        .string("hypervisorversion", "the version of the hypervisor") { $0.host.hypervisorVersion },
        .bool("hahost", "whether the host is reserved for HA") { _ in false },
        .map("details", "details of the host") { item in
            item.host.details.isEmpty ? nil : item.host.details.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        },
        .string("ueficapability", "whether the host supports UEFI") { _ in "false" },
        .bool("encryptionsupported", "whether the host supports volume encryption") { _ in false },
    ])

    static let simulatorMock = ResponseSchema<SimulatorMockView>(objectName: "simulatormock", fields: [
        .long("id", "the ID of the mock") { $0.mock.id },
        .string("zoneid", "the zone the mock applies to") { $0.zoneUUID.map(id) },
        .string("podid", "the pod the mock applies to") { $0.podUUID.map(id) },
        .string("clusterid", "the cluster the mock applies to") { $0.clusterUUID.map(id) },
        .string("hostid", "the host the mock applies to") { $0.hostUUID.map(id) },
        .string("name", "the command the mock applies to") { $0.mock.name },
        .integer("count", "the number of times the mock still applies; absent for forever") { $0.mock.remaining },
    ])
}
