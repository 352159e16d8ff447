import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// A physical network with its zone and domain, for responses.
public struct PhysicalNetworkView: Sendable {
    public var network: PhysicalNetwork
    public var zone: Zone?
    public var domain: Domain?
}

/// A traffic type with its physical network, for responses.
public struct TrafficTypeView: Sendable {
    public var trafficType: PhysicalNetworkTrafficType
    public var physicalNetwork: PhysicalNetwork
}

/// A network service provider with its physical networks, for responses.
public struct ProviderView: Sendable {
    public var provider: NetworkServiceProvider
    public var physicalNetwork: PhysicalNetwork?
    public var destination: PhysicalNetwork?
}

/// A virtual-router element with its provider, for responses.
public struct RouterElementView: Sendable {
    public var element: VirtualRouterElement
    public var provider: NetworkServiceProvider?
}

/// Guest VLAN/VNI ranges as written in `vlan` parameters: `100-199,300-400` or `500`.
public enum VnetRanges {
    /// The most VNIs one physical network may hold (each is a row in `guest_vnets`).
    public static let maximumVnets: Int64 = 100_000

    /// Parses and merges ranges; the result is sorted and non-overlapping.
    public static func parse(_ text: String, method: IsolationMethod) throws -> [ClosedRange<Int64>] {
        let minimum: Int64 = method == .vxlan ? 0 : 1
        let maximum = method.maximumTag
        var ranges: [ClosedRange<Int64>] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let piece = part.trimmingCharacters(in: .whitespaces)
            let bounds = piece.split(separator: "-", omittingEmptySubsequences: false).map { Int64($0.trimmingCharacters(in: .whitespaces)) }
            guard (bounds.count == 1 || bounds.count == 2), let first = bounds[0], let last = bounds.last ?? nil else {
                throw CloudError.invalidParameter("Invalid format for parameter value vlan \(text): it should be a list of ranges such as 100-199,300-400")
            }
            guard first <= last else {
                throw CloudError.invalidParameter("Invalid vnet range \(piece): the start \(first) is greater than the end \(last)")
            }
            guard first >= minimum, last <= maximum else {
                throw CloudError.invalidParameter("Invalid vnet range \(piece): \(method.rawValue) ids must be between \(minimum) and \(maximum)")
            }
            ranges.append(first...last)
        }
        let merged = merge(ranges)
        let total = merged.reduce(Int64(0)) { $0 + $1.upperBound - $1.lowerBound + 1 }
        guard total <= maximumVnets else {
            throw CloudError.invalidParameter("The guest VLAN/VNI ranges \(text) hold \(total) ids; a physical network may have at most \(maximumVnets)")
        }
        return merged
    }

    static func merge(_ ranges: [ClosedRange<Int64>]) -> [ClosedRange<Int64>] {
        var out: [ClosedRange<Int64>] = []
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = out.last, r.lowerBound <= last.upperBound + 1 {
                out[out.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        return out
    }

    /// Prints ranges as the API shows them.
    public static func format(_ ranges: [ClosedRange<Int64>]) -> String {
        ranges.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",")
    }

    /// The parts of `a` not covered by `b`.
    public static func subtract(_ a: [ClosedRange<Int64>], _ b: [ClosedRange<Int64>]) -> [ClosedRange<Int64>] {
        var result = a
        for cut in b {
            result = result.flatMap { r -> [ClosedRange<Int64>] in
                guard r.overlaps(cut) else { return [r] }
                var pieces: [ClosedRange<Int64>] = []
                if r.lowerBound < cut.lowerBound { pieces.append(r.lowerBound...(cut.lowerBound - 1)) }
                if r.upperBound > cut.upperBound { pieces.append((cut.upperBound + 1)...r.upperBound) }
                return pieces
            }
        }
        return result
    }
}

/// The providers `createPhysicalNetwork` seeds, Disabled, with the services each offers.
enum DefaultProviders {
    static let all: [(name: String, services: [String], element: String?)] = [
        ("VirtualRouter", ["Vpn", "Dhcp", "Dns", "Gateway", "Firewall", "Lb", "SourceNat", "StaticNat", "PortForwarding", "UserData"], "VirtualRouter"),
        ("VpcVirtualRouter", ["Vpn", "Dhcp", "Dns", "Gateway", "Lb", "SourceNat", "StaticNat", "PortForwarding", "NetworkACL", "UserData"], "VPCVirtualRouter"),
        ("InternalLbVm", ["Lb"], nil),
        ("SecurityGroupProvider", ["SecurityGroup"], nil),
        ("ConfigDrive", ["UserData"], nil),
    ]
}

extension InfrastructureService {
    /// Checks `createPhysicalNetwork`'s parameters that need no database.
    public static func checkPhysicalNetworkInput(isolationMethods: [String]?, tags: [String]?, vlan: String?, broadcastDomainRange: String?) throws -> (IsolationMethod, [ClosedRange<Int64>]) {
        let methods = (isolationMethods ?? []).filter { !$0.isEmpty }
        if methods.count > 1 { throw CloudError.invalidParameter("Only one isolationMethod can be specified for a physical network at this time") }
        var method = IsolationMethod.vlan
        if let raw = methods.first {
            guard let m = IsolationMethod(caseInsensitive: raw) else {
                throw CloudError.invalidParameter("Unable to resolve isolation method '\(raw)' to a supported value: use VLAN, VXLAN or L3")
            }
            method = m
        }
        if (tags ?? []).filter({ !$0.isEmpty }).count > 1 { throw CloudError.invalidParameter("Only one tag can be specified for a physical network at this time") }
        if let range = broadcastDomainRange, !["ZONE", "POD"].contains(range.uppercased()) {
            throw CloudError.invalidParameter("Unable to resolve broadcastDomainRange '\(range)' to a supported value {Pod or Zone}")
        }
        let vnets = try vlan.flatMap { $0.isEmpty ? nil : try VnetRanges.parse($0, method: method) } ?? []
        return (method, vnets)
    }

    /// `createPhysicalNetwork`: creates the network Disabled, with the default providers and
    /// their virtual-router elements, and its guest VNIs. Runs in the command's create phase.
    public func createPhysicalNetwork(caller: Caller, zoneID: UUID, name: String, vlan: String?, networkSpeed: String?, domainID: UUID?,
                                      broadcastDomainRange: String?, tags: [String]?, isolationMethods: [String]?) async throws -> PhysicalNetworkView {
        let name = try Self.requireName(name, "physical network")
        let (method, vnets) = try Self.checkPhysicalNetworkInput(isolationMethods: isolationMethods, tags: tags, vlan: vlan, broadcastDomainRange: broadcastDomainRange)
        return try await db.transaction { sql in
            let zone = try await Lookup.zone(sql, zoneID)
            let existing = try await PhysicalNetworkRepository.list(sql, zoneID: zone.id)
            if zone.networkType == .basic && !existing.isEmpty {
                throw CloudError.invalidParameter("Cannot add the physical network to basic zone id: \(zone.uuid.uuidString.lowercased()), there is a physical network already existing in this basic Zone")
            }
            try await checkVnetOverlap(sql, zoneID: zone.id, skipping: nil, method: method, vnets)
            let domain = try await domainID.mapAsync { try await Lookup.domain(sql, $0) }
            let range = broadcastDomainRange?.uppercased() ?? (zone.networkType == .basic ? "POD" : "ZONE")
            let network = try await PhysicalNetworkRepository.insert(sql, PhysicalNetwork(
                id: 0, uuid: UUID(), zoneID: zone.id, name: name, vlan: vnets.isEmpty ? nil : VnetRanges.format(vnets), isolationMethods: [method],
                broadcastDomainRange: range, networkSpeed: networkSpeed.presentValue, tags: (tags ?? []).filter { !$0.isEmpty }, domainID: domain?.id,
                state: .disabled, created: Date()))
            for p in DefaultProviders.all {
                let provider = try await PhysicalNetworkRepository.insertProvider(sql, NetworkServiceProvider(
                    id: 0, uuid: UUID(), physicalNetworkID: network.id, name: p.name, state: .disabled, services: p.services))
                if let element = p.element {
                    _ = try await PhysicalNetworkRepository.insertElement(sql, VirtualRouterElement(id: 0, uuid: UUID(), providerID: provider.id, elementType: element, enabled: false))
                }
            }
            for r in vnets { try await GuestVnetRepository.insert(sql, zoneID: zone.id, physicalNetworkID: network.id, vnets: Array(r)) }
            return PhysicalNetworkView(network: network, zone: zone, domain: domain)
        }
    }

    /// Refuses guest VNI ranges that overlap those of another physical network of the zone.
    func checkVnetOverlap(_ sql: any SQLDatabase, zoneID: Int64, skipping: Int64?, method ours: IsolationMethod, _ vnets: [ClosedRange<Int64>]) async throws {
        guard !vnets.isEmpty else { return }
        for other in try await PhysicalNetworkRepository.list(sql, zoneID: zoneID) where other.id != skipping {
            guard let text = other.vlan, let method = other.isolationMethods.first, method == ours,
                  let theirs = try? VnetRanges.parse(text, method: method) else { continue }
            for a in vnets { for b in theirs where a.overlaps(b) {
                throw CloudError.invalidParameter("The VLAN range \(VnetRanges.format([a])) overlaps with the range \(VnetRanges.format([b])) of physical network \(other.name) in this zone")
            } }
        }
    }

    /// The view of one physical network.
    public func physicalNetworkView(id: UUID) async throws -> PhysicalNetworkView {
        try await db.read { sql in
            let n = try await Lookup.physicalNetwork(sql, id)
            return PhysicalNetworkView(network: n, zone: try await ZoneRepository.find(sql, id: n.zoneID),
                                       domain: try await n.domainID.mapAsync { try await DomainRepository.find(sql, id: $0) } ?? nil)
        }
    }

    /// Checks `updatePhysicalNetwork`'s parameters before the job is queued.
    public func checkPhysicalNetworkUpdate(id: UUID, state: String?, vlan: String?) async throws -> PhysicalNetwork {
        let network = try await db.read { try await Lookup.physicalNetwork($0, id) }
        if let state, PhysicalNetworkState(caseInsensitive: state) == nil || state.lowercased() == "shutdown" {
            throw CloudError.invalidParameter("Unable to resolve state '\(state)' to a supported value {Enabled or Disabled}")
        }
        if let vlan, !vlan.isEmpty { _ = try VnetRanges.parse(vlan, method: network.isolationMethods.first ?? .vlan) }
        return network
    }

    /// `updatePhysicalNetwork`: state, speed, tags and the guest VNI ranges. Shrinking the
    /// ranges is refused while a removed VNI is taken.
    public func updatePhysicalNetwork(caller: Caller, id: UUID, state: String?, vlan: String?, networkSpeed: String?, tags: [String]?) async throws -> PhysicalNetworkView {
        _ = try await checkPhysicalNetworkUpdate(id: id, state: state, vlan: vlan)
        if let tags, tags.filter({ !$0.isEmpty }).count > 1 { throw CloudError.invalidParameter("Only one tag can be specified for a physical network at this time") }
        return try await db.transaction { sql in
            var network = try await Lookup.physicalNetwork(sql, id)
            if let state { network.state = PhysicalNetworkState(caseInsensitive: state)! }
            if let networkSpeed { network.networkSpeed = networkSpeed.isEmpty ? nil : networkSpeed }
            if let tags { network.tags = tags.filter { !$0.isEmpty } }
            if let vlan {
                let method = network.isolationMethods.first ?? .vlan
                let new = vlan.isEmpty ? [] : try VnetRanges.parse(vlan, method: method)
                let old = try network.vlan.map { try VnetRanges.parse($0, method: method) } ?? []
                try await checkVnetOverlap(sql, zoneID: network.zoneID, skipping: network.id, method: method, new)
                let removed = VnetRanges.subtract(old, new)
                for r in removed where try await GuestVnetRepository.takenCount(sql, physicalNetworkID: network.id, range: r) > 0 {
                    throw CloudError.resourceInUse("Some of the vnets from the range \(VnetRanges.format([r])) are allocated; only a range without allocated vnets can be removed")
                }
                for r in removed { try await GuestVnetRepository.delete(sql, physicalNetworkID: network.id, range: r) }
                for r in VnetRanges.subtract(new, old) {
                    try await GuestVnetRepository.insert(sql, zoneID: network.zoneID, physicalNetworkID: network.id, vnets: Array(r))
                }
                network.vlan = new.isEmpty ? nil : VnetRanges.format(new)
            }
            try await PhysicalNetworkRepository.update(sql, network)
            return PhysicalNetworkView(network: network, zone: try await ZoneRepository.find(sql, id: network.zoneID),
                                       domain: try await network.domainID.mapAsync { try await DomainRepository.find(sql, id: $0) } ?? nil)
        }
    }

    /// `deletePhysicalNetwork`: refused while guest VNIs are taken or public IP ranges use it.
    public func deletePhysicalNetwork(caller: Caller, id: UUID) async throws {
        try await db.transaction { sql in
            let network = try await Lookup.physicalNetwork(sql, id)
            if try await GuestVnetRepository.count(sql, physicalNetworkID: network.id, takenOnly: true) > 0 {
                throw CloudError.resourceInUse("Unable to remove the physical network id=\(id.uuidString.lowercased()) as it has allocated guest vnets")
            }
            let ranges = try await VlanIPRangeRepository.list(sql, VlanIPRangeRepository.Filter(physicalNetworkID: network.id), offset: 0, limit: 1)
            if ranges.total > 0 {
                throw CloudError.resourceInUse("Unable to remove the physical network id=\(id.uuidString.lowercased()) as it has public IP ranges; delete them first")
            }
            try await PhysicalNetworkRepository.markRemoved(sql, id: network.id, at: Date())
        }
    }

    /// `listPhysicalNetworks`.
    public func listPhysicalNetworks(id: UUID?, zoneID: UUID?, name: String?, keyword: String?, page: (offset: Int, limit: Int?)) async throws -> InfrastructurePage<PhysicalNetworkView> {
        try await db.read { sql in
            var filter = PhysicalNetworkRepository.Filter(name: name, keyword: keyword)
            if let id {
                guard let n = try await PhysicalNetworkRepository.find(sql, uuid: id) else { return InfrastructurePage(items: [], total: 0, names: InfrastructureNames()) }
                filter.id = n.id
            }
            if let zoneID { filter.zoneID = try await Lookup.zone(sql, zoneID).id }
            let listing = try await PhysicalNetworkRepository.list(sql, filter, offset: page.offset, limit: page.limit)
            let names = try await InfrastructureNames.load(sql, zoneIDs: Set(listing.items.map(\.zoneID)), domainIDs: Set(listing.items.compactMap(\.domainID)))
            return InfrastructurePage(items: listing.items.map { PhysicalNetworkView(network: $0, zone: names.zones[$0.zoneID], domain: $0.domainID.flatMap { names.domains[$0] }) },
                                      total: listing.total, names: names)
        }
    }

    // MARK: traffic types

    /// `addTrafficType` (create phase): one traffic type per physical network.
    public func addTrafficType(caller: Caller, physicalNetworkID: UUID, trafficType raw: String, kvmLabel: String?, vlan: String?, isolationMethod: String?) async throws -> TrafficTypeView {
        guard let type = TrafficType(caseInsensitive: raw) else {
            throw CloudError.invalidParameter("Unable to resolve trafficType '\(raw)' to a supported value: use Guest, Public, Management, Storage or Control")
        }
        return try await db.transaction { sql in
            let network = try await Lookup.physicalNetwork(sql, physicalNetworkID)
            let existing = try await PhysicalNetworkRepository.trafficTypes(sql, physicalNetworkID: network.id)
            if existing.contains(where: { $0.trafficType == type }) {
                throw CloudError.invalidParameter("This physical network already supports the traffic type: \(type.rawValue)")
            }
            if type != .guest, let other = try await PhysicalNetworkRepository.find(sql, zoneID: network.zoneID, carrying: type), other.id != network.id {
                throw CloudError.invalidParameter("The \(type.rawValue) traffic type is already carried by physical network \(other.name) of this zone")
            }
            let label = kvmLabel.presentValue
            let t = try await PhysicalNetworkRepository.insertTrafficType(sql, PhysicalNetworkTrafficType(
                id: 0, uuid: UUID(), physicalNetworkID: network.id, trafficType: type, kvmLabel: label, simulatorLabel: label,
                vlan: vlan.presentValue, isolationMethod: isolationMethod.presentValue))
            return TrafficTypeView(trafficType: t, physicalNetwork: network)
        }
    }

    func trafficType(_ sql: any SQLDatabase, _ id: UUID) async throws -> (PhysicalNetworkTrafficType, PhysicalNetwork) {
        guard let t = try await PhysicalNetworkRepository.trafficType(sql, uuid: id),
              let n = try await PhysicalNetworkRepository.find(sql, id: t.physicalNetworkID) else {
            throw CloudError.invalidParameter("Traffic Type with id=\(id.uuidString.lowercased()) doesn't exist in the system")
        }
        return (t, n)
    }

    /// The view of one traffic type.
    public func trafficTypeView(id: UUID) async throws -> TrafficTypeView {
        try await db.read { sql in
            let (t, n) = try await self.trafficType(sql, id)
            return TrafficTypeView(trafficType: t, physicalNetwork: n)
        }
    }

    /// `updateTrafficType`: the KVM label (the Simulator follows it).
    public func updateTrafficType(caller: Caller, id: UUID, kvmLabel: String?) async throws -> TrafficTypeView {
        try await db.transaction { sql in
            var (t, n) = try await self.trafficType(sql, id)
            if let kvmLabel { t.kvmLabel = kvmLabel.isEmpty ? nil : kvmLabel; t.simulatorLabel = t.kvmLabel }
            try await PhysicalNetworkRepository.updateTrafficType(sql, t)
            return TrafficTypeView(trafficType: t, physicalNetwork: n)
        }
    }

    /// `deleteTrafficType`.
    public func deleteTrafficType(caller: Caller, id: UUID) async throws {
        try await db.transaction { sql in
            let (t, n) = try await self.trafficType(sql, id)
            if t.trafficType == .public {
                let ranges = try await VlanIPRangeRepository.list(sql, VlanIPRangeRepository.Filter(physicalNetworkID: n.id), offset: 0, limit: 1)
                if ranges.total > 0 { throw CloudError.resourceInUse("Unable to delete the Public traffic type while public IP ranges use physical network \(n.name)") }
            }
            try await PhysicalNetworkRepository.deleteTrafficType(sql, id: t.id)
        }
    }

    /// `listTrafficTypes` of one physical network.
    public func listTrafficTypes(physicalNetworkID: UUID) async throws -> [TrafficTypeView] {
        try await db.read { sql in
            let n = try await Lookup.physicalNetwork(sql, physicalNetworkID)
            return try await PhysicalNetworkRepository.trafficTypes(sql, physicalNetworkID: n.id).map { TrafficTypeView(trafficType: $0, physicalNetwork: n) }
        }
    }

    // MARK: providers and virtual-router elements

    func provider(_ sql: any SQLDatabase, _ id: UUID) async throws -> NetworkServiceProvider {
        guard let p = try await PhysicalNetworkRepository.provider(sql, uuid: id) else {
            throw CloudError.invalidParameter("Network Service Provider id=\(id.uuidString.lowercased()) doesn't exist in the system")
        }
        return p
    }

    func providerView(_ sql: any SQLDatabase, _ p: NetworkServiceProvider) async throws -> ProviderView {
        ProviderView(provider: p, physicalNetwork: try await PhysicalNetworkRepository.find(sql, id: p.physicalNetworkID),
                     destination: try await p.destinationPhysicalNetworkID.mapAsync { try await PhysicalNetworkRepository.find(sql, id: $0) } ?? nil)
    }

    /// The view of one provider.
    public func providerView(id: UUID) async throws -> ProviderView {
        try await db.read { sql in try await self.providerView(sql, try await self.provider(sql, id)) }
    }

    /// `listNetworkServiceProviders`.
    public func listProviders(physicalNetworkID: UUID?, name: String?, state: String?, page: (offset: Int, limit: Int?)) async throws -> InfrastructurePage<ProviderView> {
        try await db.read { sql in
            let networkID = try await physicalNetworkID.mapAsync { try await Lookup.physicalNetwork(sql, $0).id }
            var parsedState: PhysicalNetworkState?
            if let state {
                guard let s = PhysicalNetworkState(caseInsensitive: state) else { throw CloudError.invalidParameter("Unable to resolve state '\(state)' to a supported value") }
                parsedState = s
            }
            let listing = try await PhysicalNetworkRepository.providers(sql, physicalNetworkID: networkID, name: name, state: parsedState, offset: page.offset, limit: page.limit)
            let nets = try await PhysicalNetworkRepository.find(sql, ids: Set(listing.items.flatMap { [$0.physicalNetworkID] + ($0.destinationPhysicalNetworkID.map { [$0] } ?? []) }))
            return InfrastructurePage(items: listing.items.map { ProviderView(provider: $0, physicalNetwork: nets[$0.physicalNetworkID], destination: $0.destinationPhysicalNetworkID.flatMap { nets[$0] }) },
                                      total: listing.total, names: InfrastructureNames())
        }
    }

    /// `updateNetworkServiceProvider`: state (Enabled, Disabled, Shutdown) and services. A
    /// virtual-router provider is enabled only once its element is configured (enabled).
    public func updateProvider(caller: Caller, id: UUID, state: String?, services: [String]?) async throws -> ProviderView {
        var newState: PhysicalNetworkState?
        if let state {
            guard let s = PhysicalNetworkState(caseInsensitive: state) else {
                throw CloudError.invalidParameter("Unable to resolve state '\(state)' to a supported value {Enabled or Disabled or Shutdown}")
            }
            newState = s
        }
        let requested = newState
        return try await db.transaction { sql in
            var p = try await self.provider(sql, id)
            if let newState = requested {
                if newState == .enabled && p.state != .enabled {
                    let elements = try await PhysicalNetworkRepository.elements(sql, providerID: p.id).items
                    if DefaultProviders.all.contains(where: { $0.name == p.name && $0.element != nil }) && !elements.contains(where: \.enabled) {
                        throw CloudError.invalidParameter("Provider is not ready, cannot Enable the provider, please configure the provider first")
                    }
                }
                p.state = newState
            }
            if let services {
                guard p.state != .enabled || requested != nil else {
                    throw CloudError.invalidParameter("The services of an enabled provider cannot be changed; disable it first")
                }
                p.services = services.filter { !$0.isEmpty }
            }
            try await PhysicalNetworkRepository.updateProvider(sql, p)
            return try await self.providerView(sql, p)
        }
    }

    /// `addNetworkServiceProvider` (create phase): one of the providers Cirrus knows, once per network.
    public func addProvider(caller: Caller, physicalNetworkID: UUID, name: String, destinationPhysicalNetworkID: UUID?, services: [String]?) async throws -> ProviderView {
        guard let known = DefaultProviders.all.first(where: { $0.name.lowercased() == name.lowercased() }) else {
            throw CloudError.invalidParameter("Unable to find Network Service Provider with name \(name)")
        }
        return try await db.transaction { sql in
            let network = try await Lookup.physicalNetwork(sql, physicalNetworkID)
            if try await PhysicalNetworkRepository.provider(sql, physicalNetworkID: network.id, name: known.name) != nil {
                throw CloudError.invalidParameter("The '\(known.name)' provider already exists on physical network : \(physicalNetworkID.uuidString.lowercased())")
            }
            let destination = try await destinationPhysicalNetworkID.mapAsync { try await Lookup.physicalNetwork(sql, $0) }
            let p = try await PhysicalNetworkRepository.insertProvider(sql, NetworkServiceProvider(
                id: 0, uuid: UUID(), physicalNetworkID: network.id, name: known.name, state: .disabled,
                services: services?.filter { !$0.isEmpty } ?? known.services, destinationPhysicalNetworkID: destination?.id))
            if let element = known.element {
                _ = try await PhysicalNetworkRepository.insertElement(sql, VirtualRouterElement(id: 0, uuid: UUID(), providerID: p.id, elementType: element, enabled: false))
            }
            return ProviderView(provider: p, physicalNetwork: network, destination: destination)
        }
    }

    /// `deleteNetworkServiceProvider`: refused while the provider is Enabled.
    public func deleteProvider(caller: Caller, id: UUID) async throws {
        try await db.transaction { sql in
            let p = try await self.provider(sql, id)
            if p.state == .enabled { throw CloudError.resourceInUse("The provider \(p.name) is Enabled; disable or shut it down before deleting it") }
            try await PhysicalNetworkRepository.markProviderRemoved(sql, id: p.id, at: Date())
        }
    }

    func element(_ sql: any SQLDatabase, _ id: UUID) async throws -> VirtualRouterElement {
        guard let e = try await PhysicalNetworkRepository.element(sql, uuid: id) else {
            throw CloudError.invalidParameter("Can't find virtual router element with network service provider id \(id.uuidString.lowercased()) to be configured")
        }
        return e
    }

    /// Checks that a virtual-router element exists (before `configureVirtualRouterElement` is queued).
    public func checkElement(id: UUID) async throws -> VirtualRouterElement {
        try await db.read { try await self.element($0, id) }
    }

    /// `configureVirtualRouterElement`.
    public func configureElement(caller: Caller, id: UUID, enabled: Bool) async throws -> RouterElementView {
        try await db.transaction { sql in
            var e = try await self.element(sql, id)
            e.enabled = enabled
            try await PhysicalNetworkRepository.setElementEnabled(sql, id: e.id, enabled)
            return RouterElementView(element: e, provider: try await PhysicalNetworkRepository.provider(sql, id: e.providerID))
        }
    }

    /// `listVirtualRouterElements`.
    public func listElements(id: UUID?, providerID: UUID?, enabled: Bool?, page: (offset: Int, limit: Int?)) async throws -> InfrastructurePage<RouterElementView> {
        try await db.read { sql in
            var elementID: Int64?
            if let id {
                guard let e = try await PhysicalNetworkRepository.element(sql, uuid: id) else { return InfrastructurePage(items: [], total: 0, names: InfrastructureNames()) }
                elementID = e.id
            }
            let nsp = try await providerID.mapAsync { try await self.provider(sql, $0) }
            let listing = try await PhysicalNetworkRepository.elements(sql, id: elementID, providerID: nsp?.id, enabled: enabled, offset: page.offset, limit: page.limit)
            var views: [RouterElementView] = []
            for e in listing.items { views.append(RouterElementView(element: e, provider: try await PhysicalNetworkRepository.provider(sql, id: e.providerID))) }
            return InfrastructurePage(items: views, total: listing.total, names: InfrastructureNames())
        }
    }
}
