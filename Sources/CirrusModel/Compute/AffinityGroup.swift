import Foundation

/// The affinity group types Cirrus offers, named exactly as CloudStack 4.19 names them (the
/// API matches them case-sensitively, as CloudStack does).
public enum AffinityGroupType: String, Sendable, Codable, CaseIterable {
    /// Members run on different hosts; a host with a member is never chosen.
    case hostAntiAffinity = "host anti-affinity"
    /// Members run on one host; once one runs, the others may only go there.
    case hostAffinity = "host affinity"
    /// Members prefer different hosts, but may share one when nothing else fits.
    case nonStrictHostAntiAffinity = "non-strict host anti-affinity"
    /// Members prefer one host, but may go elsewhere when it is full.
    case nonStrictHostAffinity = "non-strict host affinity"

    /// The types in the order `listAffinityGroupTypes` shows them.
    public static let listed: [AffinityGroupType] = [.hostAntiAffinity, .hostAffinity, .nonStrictHostAntiAffinity, .nonStrictHostAffinity]
}

/// An affinity group owned by an account.
public struct AffinityGroup: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    /// Unique within the owning account.
    public var name: String
    public var description: String?
    public var type: AffinityGroupType
    public var accountID: Int64
    public var domainID: Int64
    public var created: Date

    public init(id: Int64 = 0, uuid: UUID = UUID(), name: String, description: String?, type: AffinityGroupType, accountID: Int64, domainID: Int64,
                created: Date = Date()) {
        self.id = id; self.uuid = uuid; self.name = name; self.description = description; self.type = type
        self.accountID = accountID; self.domainID = domainID; self.created = created
    }
}

/// Where another member of an instance's affinity group is, for the placement rules.
public struct AffinityMember: Sendable, Equatable {
    public var instanceID: Int64
    public var state: VirtualMachineState
    public var hostID: Int64?

    public init(instanceID: Int64, state: VirtualMachineState, hostID: Int64?) {
        self.instanceID = instanceID
        self.state = state
        self.hostID = hostID
    }

    /// The host the member occupies: set only while it holds a host (Starting, Running,
    /// Stopping, Migrating).
    public var occupiedHost: Int64? { state.holdsHostCapacity ? hostID : nil }
}

/// What an instance's affinity groups demand of its placement. Strict kinds exclude hosts;
/// non-strict kinds only reorder them.
public struct AffinityRules: Sendable, Equatable {
    /// Hosts that must not be chosen (strict anti-affinity, and every other host under strict affinity).
    public var avoidHosts: Set<Int64>
    /// Under strict host affinity with a member running: the one host allowed.
    public var requiredHost: Int64?
    /// Set when the strict rules cannot all hold (affinity members on several hosts, or the
    /// required host also avoided): no host is acceptable.
    public var conflict: Bool
    /// Per-host preference from the non-strict kinds: positive for each non-strict affinity
    /// member on the host, negative for each non-strict anti-affinity member.
    public var hostPriority: [Int64: Int]

    public init(avoidHosts: Set<Int64> = [], requiredHost: Int64? = nil, conflict: Bool = false, hostPriority: [Int64: Int] = [:]) {
        self.avoidHosts = avoidHosts
        self.requiredHost = requiredHost
        self.conflict = conflict
        self.hostPriority = hostPriority
    }

    /// No rule at all.
    public static let none = AffinityRules()

    public var isEmpty: Bool { avoidHosts.isEmpty && requiredHost == nil && !conflict && hostPriority.isEmpty }

    /// Hosts the non-strict kinds prefer (priority above zero).
    public var preferredHosts: Set<Int64> { Set(hostPriority.filter { $0.value > 0 }.keys) }
    /// Hosts the non-strict kinds discourage (priority below zero).
    public var discouragedHosts: Set<Int64> { Set(hostPriority.filter { $0.value < 0 }.keys) }

    /// Whether the strict rules allow `host`.
    public func admits(_ host: Int64) -> Bool {
        if conflict || avoidHosts.contains(host) { return false }
        if let requiredHost { return host == requiredHost }
        return true
    }

    /// The hosts the strict rules allow, best first by the non-strict priorities; ties keep
    /// the given order.
    public func order(_ hosts: [Int64]) -> [Int64] {
        let allowed = hosts.filter(admits)
        guard !hostPriority.isEmpty else { return allowed }
        return allowed.enumerated().sorted { a, b in
            let pa = hostPriority[a.element] ?? 0, pb = hostPriority[b.element] ?? 0
            return pa != pb ? pa > pb : a.offset < b.offset
        }.map(\.element)
    }

    /// Computes the rules for one instance from its groups and where their other members are.
    /// `groups` pairs each group's type with its members (the instance itself is skipped).
    public static func compute(instanceID: Int64, groups: [(type: AffinityGroupType, members: [AffinityMember])]) -> AffinityRules {
        var rules = AffinityRules()
        var affinityHosts: Set<Int64> = []
        for (type, members) in groups {
            let hosts = members.filter { $0.instanceID != instanceID }.compactMap(\.occupiedHost)
            switch type {
            case .hostAntiAffinity:
                rules.avoidHosts.formUnion(hosts)
            case .hostAffinity:
                affinityHosts.formUnion(hosts)
            case .nonStrictHostAntiAffinity:
                for h in hosts { rules.hostPriority[h, default: 0] -= 1 }
            case .nonStrictHostAffinity:
                for h in hosts { rules.hostPriority[h, default: 0] += 1 }
            }
        }
        if affinityHosts.count > 1 {
            rules.conflict = true
        } else if let only = affinityHosts.first {
            rules.requiredHost = only
            if rules.avoidHosts.contains(only) { rules.conflict = true }
        }
        rules.hostPriority = rules.hostPriority.filter { $0.value != 0 }
        return rules
    }
}
