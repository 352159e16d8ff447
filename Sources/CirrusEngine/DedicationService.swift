import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// A dedication with the names the API shows.
public struct DedicationView: Sendable {
    public var dedication: Dedication
    public var resourceUUID: UUID
    public var resourceName: String
    public var domainUUID: UUID
    public var accountUUID: UUID?
}

/// Zones, pods, clusters and hosts dedicated to a domain or an account
/// (`dedicateZone` … `releaseDedicatedHost`). Placement keeps every other owner's instances
/// off a dedicated resource and everything inside it.
public final class DedicationService: Sendable {
    let db: any Database
    let events: EventService
    let placement: PlacementService

    public init(db: any Database, events: EventService, placement: PlacementService) {
        self.db = db
        self.events = events
        self.placement = placement
    }

    /// The resource a command names, as (internal id, uuid, name, zone, pod, cluster).
    struct Target {
        var id: Int64
        var uuid: UUID
        var name: String
        var zoneID: Int64
        var podID: Int64?
        var clusterID: Int64?
    }

    func target(_ sql: any SQLDatabase, _ kind: DedicatedResourceKind, _ uuid: UUID) async throws -> Target {
        switch kind {
        case .zone:
            let z = try await Lookup.zone(sql, uuid)
            return Target(id: z.id, uuid: z.uuid, name: z.name, zoneID: z.id)
        case .pod:
            let p = try await Lookup.pod(sql, uuid)
            return Target(id: p.id, uuid: p.uuid, name: p.name, zoneID: p.zoneID, podID: p.id)
        case .cluster:
            let c = try await Lookup.cluster(sql, uuid)
            return Target(id: c.id, uuid: c.uuid, name: c.name, zoneID: c.zoneID, podID: c.podID, clusterID: c.id)
        case .host:
            let h = try await Lookup.host(sql, uuid)
            guard h.type == .routing else { throw CloudError.invalidParameter("Only routing hosts can be dedicated; \(h.name) is \(h.type.rawValue)") }
            return Target(id: h.id, uuid: h.uuid, name: h.name, zoneID: h.zoneID, podID: h.podID, clusterID: h.clusterID)
        }
    }

    /// The dedications that contain `t` (its zone, pod, cluster) other than its own.
    func enclosing(_ sql: any SQLDatabase, _ kind: DedicatedResourceKind, _ t: Target) async throws -> [Dedication] {
        var out: [Dedication] = []
        if kind != .zone, let d = try await DedicationRepository.find(sql, kind: .zone, resourceID: t.zoneID) { out.append(d) }
        if kind == .cluster || kind == .host, let pod = t.podID, let d = try await DedicationRepository.find(sql, kind: .pod, resourceID: pod) { out.append(d) }
        if kind == .host, let cluster = t.clusterID, let d = try await DedicationRepository.find(sql, kind: .cluster, resourceID: cluster) { out.append(d) }
        return out
    }

    /// Checks a dedication before its job is queued (and again when it runs, in its transaction).
    public func checkDedicate(caller: Caller, kind: DedicatedResourceKind, resource: UUID, domainID: UUID, accountName: String?) async throws {
        _ = try await db.read { sql in try await self.validate(sql, caller: caller, kind: kind, resource: resource, domainID: domainID, accountName: accountName) }
    }

    func validate(_ sql: any SQLDatabase, caller: Caller, kind: DedicatedResourceKind, resource: UUID, domainID: UUID,
                  accountName: String?) async throws -> (Target, Domain, Account?) {
        guard caller.isRootAdmin else { throw CloudError.permissionDenied("Only root admins may dedicate resources") }
        let t = try await target(sql, kind, resource)
        let domain = try await Lookup.domain(sql, domainID)
        var account: Account?
        if let accountName {
            guard let a = try await AccountRepository.find(sql, name: accountName, domainID: domain.id) else {
                throw CloudError.invalidParameter("Unable to find account \(accountName) in domain \(domainID.uuidString.lowercased())")
            }
            account = a
        }
        if try await DedicationRepository.find(sql, kind: kind, resourceID: t.id) != nil {
            throw CloudError.invalidParameter("\(kind.rawValue) \(t.name) is already dedicated")
        }
        // Inside a dedicated zone, pod or cluster only the same owner (or a narrower one of it) may be given a part.
        for outer in try await enclosing(sql, kind, t) {
            guard let outerDomain = try await DomainRepository.find(sql, id: outer.domainID) else { continue }
            let admitted = if let a = account { outer.admits(accountID: a.id, domainPath: domain.path, dedicatedDomainPath: outerDomain.path) }
                else { outer.accountID == nil && domain.path.hasPrefix(outerDomain.path) }
            guard admitted else {
                throw CloudError.invalidParameter("Cannot dedicate \(kind.rawValue.lowercased()) \(t.name): its \(outer.kind.rawValue.lowercased()) is dedicated to another domain or account")
            }
        }
        // Parts of it already dedicated must belong to the new owner (the same account, or a
        // domain at or below the new domain).
        if kind != .host {
            for inner in try await DedicationRepository.all(sql) where inner.kind != kind {
                guard let part = try? await target(sql, inner.kind, try await describe(sql, inner).0) else { continue }
                let inside = switch kind {
                case .zone: part.zoneID == t.id
                case .pod: part.podID == t.id && inner.kind != .zone
                case .cluster: part.clusterID == t.id && inner.kind == .host
                case .host: false
                }
                guard inside, let innerDomain = try await DomainRepository.find(sql, id: inner.domainID) else { continue }
                let fits = if let a = account { inner.accountID == a.id } else { innerDomain.path.hasPrefix(domain.path) }
                guard fits else {
                    throw CloudError.invalidParameter("Cannot dedicate \(kind.rawValue.lowercased()) \(t.name): \(inner.kind.rawValue.lowercased()) \(part.name) in it is dedicated to another domain or account")
                }
            }
        }
        // Instances of other owners already there would be left on a resource they may not use.
        let foreign = try await foreignInstances(sql, kind, t, domain: domain, account: account)
        if foreign > 0 {
            throw CloudError.invalidParameter("Cannot dedicate \(kind.rawValue.lowercased()) \(t.name): \(foreign) instance(s) of other accounts run there")
        }
        return (t, domain, account)
    }

    /// Instances holding a host inside `t` whose owner the dedication would not admit.
    func foreignInstances(_ sql: any SQLDatabase, _ kind: DedicatedResourceKind, _ t: Target, domain: Domain, account: Account?) async throws -> Int {
        let column = switch kind { case .zone: "zone_id"; case .pod: "pod_id"; case .cluster: "cluster_id"; case .host: "host_id" }
        let rows = try await sql.raw("""
            SELECT v.account_id AS account_id, d.path AS path FROM vm_instances v JOIN domains d ON d.id = v.domain_id
            WHERE v.removed IS NULL AND v.host_id IS NOT NULL AND v.\(unsafeRaw: column) = \(bind: t.id)
              AND v.state IN ('Starting', 'Running', 'Stopping', 'Migrating')
            """).all()
        return try rows.filter { row in
            let owner = try row.decode(column: "account_id", as: Int64.self)
            if let account { return owner != account.id }
            return !(try row.decode(column: "path", as: String.self)).hasPrefix(domain.path)
        }.count
    }

    /// `dedicateZone`, `dedicatePod`, `dedicateCluster`, `dedicateHost`.
    public func dedicate(caller: Caller, kind: DedicatedResourceKind, resource: UUID, domainID: UUID, accountName: String?) async throws -> DedicationView {
        let view = try await db.transaction { sql in
            let (t, domain, account) = try await self.validate(sql, caller: caller, kind: kind, resource: resource, domainID: domainID, accountName: accountName)
            let d = try await DedicationRepository.insert(sql, Dedication(kind: kind, resourceID: t.id, domainID: domain.id, accountID: account?.id))
            try await self.events.record(sql, type: "DEDICATE.RESOURCE", state: .completed,
                                         description: "Dedicated \(kind.rawValue.lowercased()) \(t.name) to \(account.map { "account \($0.name)" } ?? "domain \(domain.path)")",
                                         userID: caller.user.id, accountID: caller.account.id, domainID: caller.account.domainID,
                                         resource: EventResource(type: kind.rawValue, uuid: t.uuid.uuidString.lowercased(), name: t.name))
            return DedicationView(dedication: d, resourceUUID: t.uuid, resourceName: t.name, domainUUID: domain.uuid, accountUUID: account?.uuid)
        }
        placement.invalidate()
        return view
    }

    /// `releaseDedicatedZone` … `releaseDedicatedHost`.
    public func release(caller: Caller, kind: DedicatedResourceKind, resource: UUID) async throws {
        guard caller.isRootAdmin else { throw CloudError.permissionDenied("Only root admins may release dedicated resources") }
        try await db.transaction { sql in
            let t = try await self.target(sql, kind, resource)
            guard let d = try await DedicationRepository.find(sql, kind: kind, resourceID: t.id) else {
                throw CloudError.invalidParameter("No dedicated resource found for \(kind.rawValue.lowercased()) \(t.name)")
            }
            try await DedicationRepository.delete(sql, id: d.id)
            try await self.events.record(sql, type: "DEDICATE.RESOURCE.RELEASE", state: .completed,
                                         description: "Released the dedication of \(kind.rawValue.lowercased()) \(t.name)",
                                         userID: caller.user.id, accountID: caller.account.id, domainID: caller.account.domainID,
                                         resource: EventResource(type: kind.rawValue, uuid: t.uuid.uuidString.lowercased(), name: t.name))
        }
        placement.invalidate()
    }

    /// Checks a release before its job is queued.
    public func checkRelease(caller: Caller, kind: DedicatedResourceKind, resource: UUID) async throws {
        guard caller.isRootAdmin else { throw CloudError.permissionDenied("Only root admins may release dedicated resources") }
        try await db.read { sql in
            let t = try await self.target(sql, kind, resource)
            guard try await DedicationRepository.find(sql, kind: kind, resourceID: t.id) != nil else {
                throw CloudError.invalidParameter("No dedicated resource found for \(kind.rawValue.lowercased()) \(t.name)")
            }
        }
    }

    /// `listDedicatedZones` … `listDedicatedHosts`.
    public func list(kind: DedicatedResourceKind, resource: UUID?, domainID: UUID?, accountName: String?) async throws -> [DedicationView] {
        try await db.read { sql in
            var resourceID: Int64?
            if let resource {
                guard let t = try? await self.target(sql, kind, resource) else { return [] }
                resourceID = t.id
            }
            var domainRow: Domain?
            if let domainID { domainRow = try await Lookup.domain(sql, domainID) }
            var accountID: Int64?
            if let accountName {
                guard let domainRow else { throw CloudError.invalidParameter("Give domainid with account") }
                guard let a = try await AccountRepository.find(sql, name: accountName, domainID: domainRow.id) else { return [] }
                accountID = a.id
            }
            var out: [DedicationView] = []
            for d in try await DedicationRepository.list(sql, kind: kind, resourceID: resourceID, domainID: domainRow?.id, accountID: accountID) {
                let (uuid, name) = try await self.describe(sql, d)
                guard let domain = try await DomainRepository.find(sql, id: d.domainID) else { continue }
                let account = try await d.accountID.asyncMap { try await AccountRepository.find(sql, id: $0) } ?? nil
                out.append(DedicationView(dedication: d, resourceUUID: uuid, resourceName: name, domainUUID: domain.uuid, accountUUID: account?.uuid))
            }
            return out
        }
    }

    func describe(_ sql: any SQLDatabase, _ d: Dedication) async throws -> (UUID, String) {
        switch d.kind {
        case .zone: let z = try await ZoneRepository.find(sql, id: d.resourceID); return (z?.uuid ?? UUID(), z?.name ?? "")
        case .pod: let p = try await PodRepository.find(sql, id: d.resourceID); return (p?.uuid ?? UUID(), p?.name ?? "")
        case .cluster: let c = try await ClusterRepository.find(sql, id: d.resourceID); return (c?.uuid ?? UUID(), c?.name ?? "")
        case .host: let h = try await HostRepository.find(sql, id: d.resourceID); return (h?.uuid ?? UUID(), h?.name ?? "")
        }
    }

    /// The hosts an instance of `accountID` may not use because they, or their cluster, pod or
    /// zone, are dedicated to another owner. Read before a placement (never inside a transaction).
    public func excludedHosts(accountID: Int64, snapshot: PlacementSnapshot) async throws -> Set<Int64> {
        let (dedications, paths, ownerPath) = try await db.read { sql -> ([Dedication], [Int64: String], String?) in
            let all = try await DedicationRepository.all(sql)
            guard !all.isEmpty else { return ([], [:], nil) }
            var paths: [Int64: String] = [:]
            for id in Set(all.map(\.domainID)) { paths[id] = try await DomainRepository.find(sql, id: id)?.path }
            guard let owner = try await AccountRepository.find(sql, id: accountID) else { return (all, paths, nil) }
            return (all, paths, try await DomainRepository.find(sql, id: owner.domainID)?.path)
        }
        guard !dedications.isEmpty else { return [] }
        var byKind: [DedicatedResourceKind: [Int64: Dedication]] = [:]
        for d in dedications { byKind[d.kind, default: [:]][d.resourceID] = d }
        func admits(_ d: Dedication?) -> Bool {
            guard let d else { return true }
            guard let ownerPath, let path = paths[d.domainID] else { return false }
            return d.admits(accountID: accountID, domainPath: ownerPath, dedicatedDomainPath: path)
        }
        var out: Set<Int64> = []
        for h in snapshot.hosts {
            // Every enclosing dedication must admit the owner.
            let ok = admits(byKind[.host]?[h.id]) && admits(byKind[.cluster]?[h.clusterID]) && admits(byKind[.pod]?[h.podID]) && admits(byKind[.zone]?[h.zoneID])
            if !ok { out.insert(h.id) }
        }
        return out
    }
}
