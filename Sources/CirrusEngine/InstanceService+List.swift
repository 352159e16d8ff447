import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation

/// An instance as the API shows it: the joined row and its ROOT volume.
public struct InstanceView: Sendable {
    public var item: VirtualMachineListItem
    public var rootVolume: Volume?
    public var tags: [ResourceTag] = []
    public var affinityGroups: [AffinityGroup] = []
    public var securityGroups: [SecurityGroup] = []
    /// Shown once, in the answers of deploy and password reset.
    public var password: String?
    /// What its host last reported it using, while it runs.
    public var stats: InstanceStats?
    /// Its NICs, in device order.
    public var nics: [NicView] = []

    public var vm: VirtualMachine { item.vm }
}

/// What `listVirtualMachines` filters on, by UUID as the API gives them.
public struct InstanceQuery: Sendable {
    public var ids: [UUID]?
    public var name: String?
    public var state: VirtualMachineState?
    public var zoneID: UUID?
    public var hostID: UUID?
    public var podID: UUID?
    public var clusterID: UUID?
    public var templateID: UUID?
    public var isoID: UUID?
    public var serviceOfferingID: UUID?
    public var userID: UUID?
    public var group: String?
    public var keyword: String?
    public var haEnabled: Bool?
    public var displayVM: Bool?
    public var hypervisor: HypervisorType?
    public var tags: [TagPair] = []

    public init() {}
}

extension InstanceService {
    /// One page of instances the caller may see.
    public func list(caller: Caller, scope: ListScope, _ q: InstanceQuery, page: (offset: Int, limit: Int?)) async throws -> Listing<InstanceView> {
        try await db.read { sql in
            var f = VirtualMachineRepository.Filter()
            f.scope = scope
            func resolve<T>(_ uuid: UUID?, _ find: (UUID) async throws -> T?, _ id: (T) -> Int64) async throws -> Int64?? {
                guard let uuid else { return .some(nil) }
                guard let found = try await find(uuid) else { return nil }
                return .some(id(found))
            }
            // An unknown id in a filter matches nothing, as in CloudStack.
            guard let zone = try await resolve(q.zoneID, { try await ZoneRepository.find(sql, uuid: $0) }, \.id),
                  let host = try await resolve(q.hostID, { try await HostRepository.find(sql, uuid: $0) }, \.id),
                  let pod = try await resolve(q.podID, { try await PodRepository.find(sql, uuid: $0) }, \.id),
                  let cluster = try await resolve(q.clusterID, { try await ClusterRepository.find(sql, uuid: $0) }, \.id),
                  let template = try await resolve(q.templateID, { try await TemplateRepository.find(sql, uuid: $0) }, \.id),
                  let iso = try await resolve(q.isoID, { try await TemplateRepository.find(sql, uuid: $0) }, \.id),
                  let offering = try await resolve(q.serviceOfferingID, { try await ServiceOfferingRepository.find(sql, uuid: $0) }, \.id),
                  let user = try await resolve(q.userID, { try await UserRepository.find(sql, uuid: $0) }, \.id) else {
                return Listing(items: [], total: 0)
            }
            f.zoneID = zone; f.hostID = host; f.podID = pod; f.clusterID = cluster; f.templateID = template; f.isoID = iso
            f.serviceOfferingID = offering; f.userID = user
            if let ids = q.ids {
                var found: [Int64] = []
                for id in ids { if let vm = try await VirtualMachineRepository.find(sql, uuid: id) { found.append(vm.id) } }
                f.ids = found
            }
            f.name = q.name; f.state = q.state; f.group = q.group; f.keyword = q.keyword; f.haEnabled = q.haEnabled; f.displayVM = q.displayVM
            f.hypervisorType = q.hypervisor
            f.tags = q.tags
            let listing = try await VirtualMachineRepository.list(sql, f, offset: page.offset, limit: page.limit)
            let ids = listing.items.map(\.vm.id)
            let volumes = try await VolumeRepository.of(sql, instanceIDs: ids)
            let tags = try await TagRepository.tags(sql, type: .userVm, resourceIDs: ids)
            let groups = try await AffinityGroupService.groups(sql, instanceIDs: ids)
            let securityGroups = try await SecurityGroupService.groups(sql, instanceIDs: ids)
            let stats = self.latestStats.withLock { $0 }
            let nics = try await GuestNetworkService.nicViews(sql, instanceIDs: ids,
                                                             instanceUUIDs: Dictionary(listing.items.map { ($0.vm.id, $0.vm.uuid) }, uniquingKeysWith: { a, _ in a }))
            return Listing(items: listing.items.map { item in
                InstanceView(item: item, rootVolume: volumes[item.vm.id]?.first { $0.type == .root }, tags: tags[item.vm.id] ?? [],
                             affinityGroups: groups[item.vm.id] ?? [], securityGroups: securityGroups[item.vm.id] ?? [], stats: item.vm.state == .running ? stats[item.vm.instanceName] : nil,
                             nics: nics[item.vm.id] ?? [])
            }, total: listing.total)
        }
    }

    /// The view of one instance (after an operation).
    public func view(_ vm: VirtualMachine, password: String? = nil) async throws -> InstanceView {
        try await db.read { sql in
            var f = VirtualMachineRepository.Filter()
            f.ids = [vm.id]
            f.type = nil
            guard let item = try await VirtualMachineRepository.list(sql, f, offset: 0, limit: 1).items.first else {
                // Expunged meanwhile: show what is known.
                throw CloudError.invalidParameter("Unable to find virtual machine by id \(vm.uuid.uuidString.lowercased())")
            }
            let root = try await VolumeRepository.of(sql, instanceID: vm.id).first { $0.type == .root }
            let tags = try await TagRepository.tags(sql, type: .userVm, resourceIDs: [vm.id])[vm.id] ?? []
            let groups = try await AffinityGroupService.groups(sql, instanceID: vm.id)
            let securityGroups = try await SecurityGroupService.groups(sql, instanceIDs: [vm.id])[vm.id] ?? []
            let stats = vm.state == .running ? self.latestStats.withLock { $0[vm.instanceName] } : nil
            let nics = try await GuestNetworkService.nicViews(sql, instanceIDs: [vm.id], instanceUUIDs: [vm.id: vm.uuid])[vm.id] ?? []
            return InstanceView(item: item, rootVolume: root, tags: tags, affinityGroups: groups, securityGroups: securityGroups, password: password, stats: stats, nics: nics)
        }
    }
}
