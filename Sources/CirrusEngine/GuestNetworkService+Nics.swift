import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// A NIC with what a response shows beside it.
public struct NicView: Sendable {
    public var nic: Nic
    public var network: Network?
    public var instanceUUID: UUID?
    public var secondaryIPs: [NicSecondaryIP]
}

extension GuestNetworkService {
    /// The NICs of instances with their networks and secondary addresses.
    static func nicViews(_ sql: any SQLDatabase, instanceIDs: [Int64], instanceUUIDs: [Int64: UUID] = [:]) async throws -> [Int64: [NicView]] {
        let nics = try await NicRepository.of(sql, instanceIDs: instanceIDs)
        let all = nics.values.flatMap { $0 }
        guard !all.isEmpty else { return [:] }
        let networks = try await NetworkRepository.find(sql, ids: Set(all.map(\.networkID)))
        let secondary = try await NicRepository.secondaryIPs(sql, nicIDs: all.map(\.id))
        return nics.mapValues { list in
            list.map { NicView(nic: $0, network: networks[$0.networkID], instanceUUID: instanceUUIDs[$0.instanceID], secondaryIPs: secondary[$0.id] ?? []) }
        }
    }

    /// `listNics`: the NICs of an instance the caller may see, optionally only one NIC or
    /// those on one network.
    public func listNics(caller: Caller, instanceID: UUID, nicID: UUID?, networkID: UUID?, page: (offset: Int, limit: Int?)) async throws -> Listing<NicView> {
        try await db.read { sql in
            guard let vm = try await VirtualMachineRepository.find(sql, uuid: instanceID) else {
                throw CloudError.invalidParameter("Unable to find virtual machine by id \(instanceID.uuidString.lowercased())")
            }
            try await Ownership.checkAccess(sql, caller: caller, accountID: vm.accountID, domainID: vm.domainID, resource: "instance \(vm.instanceName)")
            var views = try await Self.nicViews(sql, instanceIDs: [vm.id], instanceUUIDs: [vm.id: vm.uuid])[vm.id] ?? []
            if let nicID { views = views.filter { $0.nic.uuid == nicID } }
            if let networkID { views = views.filter { $0.network?.uuid == networkID } }
            return Listing(items: Array(views.dropFirst(page.offset).prefix(page.limit ?? Int.max)), total: views.count)
        }
    }
}
