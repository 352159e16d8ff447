import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// A limit with its owner, as `listResourceLimits` and `updateResourceLimit` show it.
public struct ResourceLimitView: Sendable {
    public var entry: ResourceLimitEntry
    public var account: Account?
    public var domain: Domain
}

/// A count with its owner, as `updateResourceCount` shows it.
public struct ResourceCountView: Sendable {
    public var entry: ResourceCountEntry
    public var account: Account?
    public var domain: Domain
}

/// The check-and-count core of resource limits, usable by any service that holds the
/// settings (``ResourceLimitService`` wraps it; template registration uses it directly).
struct ResourceLimiter: Sendable {
    let config: ConfigService
    typealias Owner = ResourceLimitRepository.Owner

    /// The default limit of each type for accounts or domains, in stored units.
    func defaults(_ kind: ResourceOwnerKind, _ types: [ResourceType]) async throws -> [ResourceType: Int64] {
        let table = kind == .account ? Settings.accountLimitDefaults : Settings.domainLimitDefaults
        var out: [ResourceType: Int64] = [:]
        for type in types {
            guard let def = table[type] else { out[type] = ResourceLimits.unlimited; continue }
            let raw = Int64(try await config.value(def)) ?? Int64(def.defaultValue) ?? -1
            out[type] = ResourceLimits.fromSetting(raw, for: type)
        }
        return out
    }

    /// The effective limits of every owner in `chain` (the account first, then its domains
    /// nearest first) for `types`.
    func effectiveLimits(_ sql: any SQLDatabase, chain: ResourceLimitRepository.AccountChain, types: [ResourceType]) async throws -> [Owner: [ResourceType: Int64]] {
        let accountOwner = Owner(.account, chain.account.id)
        let domainOwners = chain.domains.map { Owner(.domain, $0.id) }
        var out: [Owner: [ResourceType: Int64]] = [:]
        if chain.account.type == .admin {
            // Root admins are limited neither as an account nor through their domains.
            return out
        }
        let rows = try await ResourceLimitRepository.limits(sql, owners: [accountOwner] + domainOwners)
        let accountDefaults = try await defaults(.account, types)
        let domainDefaults = try await defaults(.domain, types)
        for type in types {
            out[accountOwner, default: [:]][type] = ResourceLimits.accountLimit(isRootAdmin: false, row: rows[accountOwner]?[type]?.max,
                                                                                defaultValue: accountDefaults[type] ?? -1)
            for (index, domain) in chain.domains.enumerated() {
                let lineage = chain.domains[index...].filter { $0.id != Domain.rootID }.map { rows[Owner(.domain, $0.id)]?[type]?.max }
                out[Owner(.domain, domain.id), default: [:]][type] = ResourceLimits.domainLimit(isRoot: domain.id == Domain.rootID, rows: lineage,
                                                                                                defaultValue: domainDefaults[type] ?? -1)
            }
        }
        return out
    }

    /// See ``ResourceLimitService/reserve(_:accountID:_:)``.
    func reserve(_ sql: any SQLDatabase, accountID: Int64, _ deltas: [ResourceType: Int64]) async throws {
        let deltas = deltas.filter { $0.value != 0 }
        guard !deltas.isEmpty, accountID != Account.systemID else { return }
        guard let chain = try await ResourceLimitRepository.chain(sql, accountID: accountID) else {
            throw CloudError.invalidParameter("Unable to find account by id \(accountID)")
        }
        let types = deltas.keys.sorted()
        let limits = try await effectiveLimits(sql, chain: chain, types: types)
        let owners = [Owner(.account, chain.account.id)] + chain.domains.map { Owner(.domain, $0.id) }
        var applied: [(Owner, [ResourceType: Int64])] = []
        for owner in owners {
            let ownerLimits = limits[owner] ?? [:]
            var done = try await ResourceLimitRepository.add(sql, owner: owner, deltas: deltas, limits: ownerLimits)
            let notDone = types.filter { !done.contains($0) }
            if !notDone.isEmpty {
                // A limit stops us, or the count row did not exist for our UPDATE: not yet created,
                // or created by a concurrent transaction that committed after the UPDATE began (it
                // may be visible now, so asking whether it exists cannot tell the cases apart).
                // Make sure the rows exist and try those types once more; what is still refused is
                // refused by its limit.
                try await ResourceLimitRepository.ensureCounts(sql, owner: owner, types: notDone)
                done.formUnion(try await ResourceLimitRepository.add(sql, owner: owner, deltas: deltas.filter { notDone.contains($0.key) }, limits: ownerLimits))
            }
            applied.append((owner, deltas.filter { done.contains($0.key) }))
            guard let refused = types.first(where: { !done.contains($0) }) else { continue }
            let current = (try await ResourceLimitRepository.counts(sql, owners: [owner])[owner] ?? [:])[refused] ?? 0
            // Leave no partial increments behind, even if the caller goes on to commit.
            for (o, d) in applied where !d.isEmpty {
                _ = try await ResourceLimitRepository.add(sql, owner: o, deltas: d.mapValues { -$0 })
            }
            let limit = ownerLimits[refused] ?? ResourceLimits.unlimited
            let requested = deltas[refused] ?? 0
            if owner.kind == .account {
                throw ResourceLimits.accountExceeded(type: refused, accountName: chain.account.name, domainUUID: chain.domains[0].uuid.uuidString.lowercased(),
                                                     limit: limit, count: current, requested: requested)
            }
            let domain = chain.domains.first { $0.id == owner.id } ?? chain.domains[0]
            throw ResourceLimits.domainExceeded(type: refused, domainUUID: domain.uuid.uuidString.lowercased(), limit: limit, count: current, requested: requested)
        }
    }

    /// See ``ResourceLimitService/release(_:accountID:_:)``.
    func release(_ sql: any SQLDatabase, accountID: Int64, _ deltas: [ResourceType: Int64]) async throws {
        let negated = deltas.filter { $0.value != 0 }.mapValues { -abs($0) }
        try await Self.adjust(sql, accountID: accountID, negated)
    }

    /// Adds `deltas` (either sign) to the counts of the account and its domains without any
    /// limit check, never below zero; rows are created as needed.
    static func adjust(_ sql: any SQLDatabase, accountID: Int64, _ deltas: [ResourceType: Int64]) async throws {
        let deltas = deltas.filter { $0.value != 0 }
        guard !deltas.isEmpty, accountID != Account.systemID else { return }
        guard let chain = try await ResourceLimitRepository.chain(sql, accountID: accountID) else { return }
        let owners = [Owner(.account, chain.account.id)] + chain.domains.map { Owner(.domain, $0.id) }
        for owner in owners {
            let done = try await ResourceLimitRepository.add(sql, owner: owner, deltas: deltas)
            let absent = deltas.keys.filter { !done.contains($0) }.sorted()
            guard !absent.isEmpty else { continue }
            try await ResourceLimitRepository.ensureCounts(sql, owner: owner, types: absent)
            _ = try await ResourceLimitRepository.add(sql, owner: owner, deltas: deltas.filter { absent.contains($0.key) })
        }
    }
}

/// Resource limits and counts per account and domain (CloudStack's ResourceLimitService).
///
/// Services that create or destroy counted resources call ``reserve(_:accountID:_:)`` and
/// ``release(_:accountID:_:)`` inside their own transaction, so that the resource and its
/// count are committed or rolled back together.
public struct ResourceLimitService: Sendable {
    let db: any Database
    let config: ConfigService
    let limiter: ResourceLimiter
    typealias Owner = ResourceLimitRepository.Owner

    public init(db: any Database, config: ConfigService) {
        self.db = db
        self.config = config
        limiter = ResourceLimiter(config: config)
    }

    // MARK: - reservations (called by other services inside their transactions)

    /// Checks `deltas` against the limits of the account and of every ancestor domain and,
    /// when all allow them, adds them to all those counts; in the caller's transaction.
    ///
    /// Units: `.memory` in MiB, `.primaryStorage`/`.secondaryStorage` in bytes, the rest in
    /// items. Root-admin accounts are counted but never limited; the SYSTEM account is not
    /// counted. A missing limit row means the `max.account.*`/`max.domain.*` default; -1 is
    /// unlimited; ROOT has no limit. The check and the increment are one conditional UPDATE
    /// per owner, so parallel reservations never both take the last unit.
    ///
    /// Throws 535 (`ResourceAllocationException`, CloudStack's text) naming the first type and
    /// owner that would be exceeded; nothing of this call's increments is left behind then.
    /// Negative deltas in the map are applied as decrements without a check (scaling down).
    public func reserve(_ sql: any SQLDatabase, accountID: Int64, _ deltas: [ResourceType: Int64]) async throws {
        try await limiter.reserve(sql, accountID: accountID, deltas)
    }

    /// Takes `deltas` (given as positive amounts) off the counts of the account and its
    /// domains, never below zero; in the caller's transaction.
    public func release(_ sql: any SQLDatabase, accountID: Int64, _ deltas: [ResourceType: Int64]) async throws {
        try await limiter.release(sql, accountID: accountID, deltas)
    }

    /// The deltas one user instance stands for: one `user_vm`, its cores and its memory (MiB).
    public static func instanceDeltas(cpu: Int, memoryMiB: Int64) -> [ResourceType: Int64] {
        [.userVM: 1, .cpu: Int64(cpu), .memory: memoryMiB]
    }

    /// The deltas one volume stands for: one `volume` and its bytes of primary storage.
    public static func volumeDeltas(sizeBytes: Int64) -> [ResourceType: Int64] {
        [.volume: 1, .primaryStorage: sizeBytes]
    }

    // MARK: - API

    static func resourceType(ordinal: Int?, name: String?) throws -> ResourceType? {
        var type: ResourceType?
        if let ordinal {
            guard let t = ResourceType(rawValue: ordinal) else { throw CloudError.invalidParameter("Please specify valid resource type") }
            type = t
        }
        if let name {
            guard let t = ResourceType(name: name) else { throw CloudError.invalidParameter("Please specify valid resource type name") }
            if let type, type != t { throw CloudError.invalidParameter("Resource type \(type.rawValue) and resource type name \(name) do not match") }
            type = t
        }
        return type
    }

    /// The account named `name` in `domain`, or a 431.
    static func account(_ sql: any SQLDatabase, name: String, in domain: Domain) async throws -> Account {
        guard let a = try await AccountRepository.find(sql, name: name, domainID: domain.id) else {
            throw CloudError.invalidParameter("Unable to find account \(name) in domain \(domain.uuid.uuidString.lowercased())")
        }
        return a
    }

    /// `updateResourceLimit`: sets the limit of an account (with `domainid`) or of a domain.
    /// `max` is in the API's units (GiB for storage); nil means -1.
    public func updateLimit(caller: Caller, accountName: String?, domainID: UUID?, resourceType ordinal: Int, max apiMax: Int64?) async throws -> ResourceLimitView {
        let apiMax = apiMax ?? ResourceLimits.unlimited
        guard apiMax >= ResourceLimits.unlimited else {
            throw CloudError.invalidParameter("Please specify either '-1' for an infinite limit, or a limit that is at least '0'.")
        }
        guard let type = try Self.resourceType(ordinal: ordinal, name: nil) else { throw CloudError.invalidParameter("Please specify valid resource type") }
        guard let max = ResourceLimits.storedValue(apiMax, for: type) else {
            throw CloudError.invalidParameter("The limit \(apiMax) for \(type.name) is too large")
        }
        return try await db.transaction { sql in
            if let accountName {
                guard let domainID else { throw CloudError.invalidParameter("Account must be specified with domainId parameter") }
                let domain = try await Lookup.domain(sql, domainID)
                let account = try await Self.account(sql, name: accountName, in: domain)
                if account.id == Account.systemID { throw CloudError.invalidParameter("Can't update system account") }
                if account.type == .admin && max != ResourceLimits.unlimited {
                    throw CloudError.invalidParameter("Only \(ResourceLimits.unlimited) limit is supported for Root Admin accounts")
                }
                if account.id == caller.account.id && caller.isDomainAdmin {
                    throw CloudError.permissionDenied("Unable to update resource limit for their own account \(account.uuid.uuidString.lowercased()), permission denied")
                }
                guard caller.isRootAdmin || (caller.isDomainAdmin && caller.administers(domainPath: domain.path) && account.type != .admin) else {
                    throw CloudError.permissionDenied("Account \(caller.account.name) does not have permission to operate on account \(account.name)")
                }
                let entry = try await ResourceLimitRepository.setLimit(sql, owner: Owner(.account, account.id), type: type, max: max)
                return ResourceLimitView(entry: entry, account: account, domain: domain)
            }
            guard let domainID else {
                throw CloudError.invalidParameter("AccountId or domainId have to be specified in order to update resource limit")
            }
            let domain = try await Lookup.domain(sql, domainID)
            guard caller.administers(domainPath: domain.path) else {
                throw CloudError.permissionDenied("Domain \(domain.uuid.uuidString.lowercased()) is not accessible to the caller")
            }
            if domain.id == Domain.rootID {
                throw CloudError.permissionDenied("Cannot update resource limit for ROOT domain \(domain.uuid.uuidString.lowercased()), permission denied")
            }
            if !caller.isRootAdmin && domain.id == caller.domain.id {
                throw CloudError.permissionDenied("Unable to update resource limit for domain \(domain.uuid.uuidString.lowercased()), permission denied")
            }
            if let parentID = domain.parentID, let parent = try await DomainRepository.find(sql, id: parentID) {
                let parentMax = try await self.domainLimit(sql, parent, type)
                if parentMax >= 0 && max > parentMax {
                    let shown = ResourceLimits.apiValue(parentMax, for: type)
                    throw CloudError.invalidParameter("Domain \(domain.name)(id: \(parent.uuid.uuidString.lowercased())) has maximum allowed resource limit \(shown) for \(type.name), "
                                                      + "please specify a value less than or equal to \(shown)")
                }
            }
            let entry = try await ResourceLimitRepository.setLimit(sql, owner: Owner(.domain, domain.id), type: type, max: max)
            return ResourceLimitView(entry: entry, account: nil, domain: domain)
        }
    }

    /// The effective limit of one domain for one type (stored units).
    func domainLimit(_ sql: any SQLDatabase, _ domain: Domain, _ type: ResourceType) async throws -> Int64 {
        let lineage = try await ResourceLimitRepository.ancestry(sql, of: domain).filter { $0.id != Domain.rootID }
        let rows = try await ResourceLimitRepository.limits(sql, owners: lineage.map { Owner(.domain, $0.id) })
        let defaults = try await limiter.defaults(.domain, [type])
        return ResourceLimits.domainLimit(isRoot: domain.id == Domain.rootID, rows: lineage.map { rows[Owner(.domain, $0.id)]?[type]?.max },
                                          defaultValue: defaults[type] ?? -1)
    }

    /// The effective limits of one account (stored units).
    func accountLimits(_ sql: any SQLDatabase, _ account: Account, _ types: [ResourceType]) async throws -> [ResourceType: ResourceLimitEntry] {
        let owner = Owner(.account, account.id)
        let rows = try await ResourceLimitRepository.limits(sql, owners: [owner])[owner] ?? [:]
        let defaults = try await limiter.defaults(.account, types)
        var out: [ResourceType: ResourceLimitEntry] = [:]
        for type in types {
            // CloudStack lists root admins as unlimited whatever is stored.
            let max = ResourceLimits.accountLimit(isRootAdmin: account.type == .admin, row: rows[type]?.max, defaultValue: defaults[type] ?? -1)
            out[type] = ResourceLimitEntry(id: rows[type]?.id, ownerKind: .account, ownerID: account.id, type: type, max: max)
        }
        return out
    }

    /// `listResourceLimits`: the limits of one account (the caller's unless an admin names
    /// another) or of one domain, stored or defaulted, in type order.
    public func listLimits(caller: Caller, id: Int64?, resourceType: Int?, resourceTypeName: String?, accountName: String?, domainID: UUID?) async throws -> [ResourceLimitView] {
        let type = try Self.resourceType(ordinal: resourceType, name: resourceTypeName)
        let types = type.map { [$0] } ?? ResourceType.allCases
        return try await db.read { sql in
            var account = caller.account
            var accountDomain = caller.domain
            var domainOwner: Domain?
            if caller.isAdmin {
                if let domainID {
                    let domain = try await Lookup.domain(sql, domainID)
                    guard caller.administers(domainPath: domain.path) else {
                        throw CloudError.permissionDenied("Domain \(domain.uuid.uuidString.lowercased()) is not accessible to the caller")
                    }
                    if let accountName {
                        account = try await Self.account(sql, name: accountName, in: domain)
                        accountDomain = domain
                    } else {
                        domainOwner = domain
                    }
                } else if let accountName {
                    account = try await Self.account(sql, name: accountName, in: caller.domain)
                }
            }
            if let id {
                guard let row = try await ResourceLimitRepository.limit(sql, id: id) else { return [] }
                switch row.ownerKind {
                case .account:
                    guard let owner = try await AccountRepository.find(sql, id: row.ownerID),
                          let domain = try await DomainRepository.find(sql, id: owner.domainID) else { return [] }
                    guard owner.id == caller.account.id || caller.administers(domainPath: domain.path) && caller.isAdmin else {
                        throw CloudError.permissionDenied("Account \(caller.account.name) does not have permission to operate on account \(owner.name)")
                    }
                    return [ResourceLimitView(entry: row, account: owner, domain: domain)]
                case .domain:
                    guard let domain = try await DomainRepository.find(sql, id: row.ownerID) else { return [] }
                    guard caller.isAdmin && caller.administers(domainPath: domain.path) else {
                        throw CloudError.permissionDenied("Domain \(domain.uuid.uuidString.lowercased()) is not accessible to the caller")
                    }
                    return [ResourceLimitView(entry: row, account: nil, domain: domain)]
                }
            }
            if let domain = domainOwner {
                let owner = Owner(.domain, domain.id)
                let rows = try await ResourceLimitRepository.limits(sql, owners: [owner])[owner] ?? [:]
                var out: [ResourceLimitView] = []
                for t in types {
                    var entry = rows[t]
                    if entry == nil {
                        entry = ResourceLimitEntry(id: nil, ownerKind: .domain, ownerID: domain.id, type: t, max: try await self.domainLimit(sql, domain, t))
                    }
                    guard let entry else { continue }
                    out.append(ResourceLimitView(entry: entry, account: nil, domain: domain))
                }
                return out
            }
            let limits = try await self.accountLimits(sql, account, types)
            return types.compactMap { t in limits[t].map { ResourceLimitView(entry: $0, account: account, domain: accountDomain) } }
        }
    }

    /// `updateResourceCount`: recounts the resources of an account (or, without `account`,
    /// of every account and domain in the domain's subtree) from the resource tables, stores
    /// the counts, carries any difference up to the ancestor domains, and returns the counts
    /// of the account or domain asked about.
    public func recount(caller: Caller, domainID: UUID, accountName: String?, resourceType: Int?) async throws -> [ResourceCountView] {
        let type = try Self.resourceType(ordinal: resourceType, name: nil)
        let types = type.map { [$0] } ?? ResourceType.allCases
        return try await db.transaction { sql in
            let domain = try await Lookup.domain(sql, domainID)
            var accountName = accountName
            if !caller.isAdmin {
                // Users recount their own account only.
                guard domain.id == caller.domain.id, accountName == nil || accountName == caller.account.name else {
                    throw CloudError.permissionDenied("Account \(caller.account.name) does not have permission to recount resources of domain \(domain.uuid.uuidString.lowercased())")
                }
                accountName = caller.account.name
            } else if !caller.administers(domainPath: domain.path) {
                throw CloudError.permissionDenied("Domain \(domain.uuid.uuidString.lowercased()) is not accessible to the caller")
            }
            if let accountName {
                let account = try await Self.account(sql, name: accountName, in: domain)
                let counts = try await self.recountAccount(sql, account: account, types: types, propagate: true)
                return types.map { t in
                    ResourceCountView(entry: ResourceCountEntry(ownerKind: .account, ownerID: account.id, type: t, count: counts[t] ?? 0), account: account, domain: domain)
                }
            }
            let counts = try await self.recountDomain(sql, domainID: domain.id, types: types)
            return types.map { t in
                ResourceCountView(entry: ResourceCountEntry(ownerKind: .domain, ownerID: domain.id, type: t, count: counts[t] ?? 0), account: nil, domain: domain)
            }
        }
    }

    /// Recounts one account; with `propagate`, moves its domains' counts by the correction.
    func recountAccount(_ sql: any SQLDatabase, account: Account, types: [ResourceType], propagate: Bool) async throws -> [ResourceType: Int64] {
        let owner = Owner(.account, account.id)
        let old = try await ResourceLimitRepository.counts(sql, owners: [owner])[owner] ?? [:]
        var fresh: [ResourceType: Int64] = [:]
        var corrections: [ResourceType: Int64] = [:]
        for t in types {
            let n = try await ResourceLimitRepository.actualCount(sql, accountID: account.id, type: t)
            fresh[t] = n
            if old[t] != n { try await ResourceLimitRepository.setCount(sql, owner: owner, type: t, count: n) }
            corrections[t] = n - (old[t] ?? 0)
        }
        if propagate, let chain = try await ResourceLimitRepository.chain(sql, accountID: account.id) {
            for domain in chain.domains {
                try await applyCorrection(sql, owner: Owner(.domain, domain.id), corrections)
            }
        }
        return fresh
    }

    func applyCorrection(_ sql: any SQLDatabase, owner: Owner, _ corrections: [ResourceType: Int64]) async throws {
        let d = corrections.filter { $0.value != 0 }
        guard !d.isEmpty else { return }
        let done = try await ResourceLimitRepository.add(sql, owner: owner, deltas: d)
        let absent = d.keys.filter { !done.contains($0) }.sorted()
        guard !absent.isEmpty else { return }
        try await ResourceLimitRepository.ensureCounts(sql, owner: owner, types: absent)
        _ = try await ResourceLimitRepository.add(sql, owner: owner, deltas: d.filter { absent.contains($0.key) })
    }

    /// Recounts a domain's subtree bottom-up (each domain's count is the sum of its
    /// accounts' and child domains'), then corrects its ancestors by the difference.
    func recountDomain(_ sql: any SQLDatabase, domainID: Int64, types: [ResourceType]) async throws -> [ResourceType: Int64] {
        let owner = Owner(.domain, domainID)
        let old = try await ResourceLimitRepository.counts(sql, owners: [owner])[owner] ?? [:]
        let fresh = try await recountSubtree(sql, domainID: domainID, types: types)
        guard let domain = try await DomainRepository.find(sql, id: domainID) else { return fresh }
        var corrections: [ResourceType: Int64] = [:]
        for t in types { corrections[t] = (fresh[t] ?? 0) - (old[t] ?? 0) }
        for ancestor in try await ResourceLimitRepository.ancestry(sql, of: domain) where ancestor.id != domainID {
            try await applyCorrection(sql, owner: Owner(.domain, ancestor.id), corrections)
        }
        return fresh
    }

    private func recountSubtree(_ sql: any SQLDatabase, domainID: Int64, types: [ResourceType]) async throws -> [ResourceType: Int64] {
        let (accounts, children) = try await ResourceLimitRepository.members(sql, domainID: domainID)
        var total: [ResourceType: Int64] = [:]
        for child in children {
            for (t, n) in try await recountSubtree(sql, domainID: child, types: types) { total[t, default: 0] += n }
        }
        for id in accounts {
            guard let account = try await AccountRepository.find(sql, id: id) else { continue }
            for (t, n) in try await recountAccount(sql, account: account, types: types, propagate: false) { total[t, default: 0] += n }
        }
        for t in types {
            try await ResourceLimitRepository.setCount(sql, owner: Owner(.domain, domainID), type: t, count: total[t] ?? 0)
        }
        return total
    }

    // MARK: - reading

    /// The stored count of every type for an account (missing rows read as 0).
    public func counts(accountID: Int64) async throws -> [ResourceType: Int64] {
        try await db.read { sql in
            let owner = Owner(.account, accountID)
            return try await ResourceLimitRepository.counts(sql, owners: [owner])[owner] ?? [:]
        }
    }

    /// The stored count of every type for a domain (missing rows read as 0).
    public func counts(domainID: Int64) async throws -> [ResourceType: Int64] {
        try await db.read { sql in
            let owner = Owner(.domain, domainID)
            return try await ResourceLimitRepository.counts(sql, owners: [owner])[owner] ?? [:]
        }
    }
}

/// The limits, counts and usage events of templates and ISOs, called from template
/// registration, download and deletion. As in CloudStack, registration takes one
/// `template` at once; the bytes of each downloaded copy count as `secondary_storage`
/// once the download completes (and a `TEMPLATE.CREATE`/`ISO.CREATE` usage event is
/// recorded then); deletion gives back the copies' bytes, and the `template` once no copy
/// is left. Built-in, system and routing templates count for nobody.
enum TemplateAccounting {
    static func counts(_ template: Template) -> Bool {
        ![TemplateType.builtIn, .system, .routing].contains(template.type) && template.accountID != Account.systemID
    }

    /// At registration, in its transaction: checks and takes one `template`.
    static func registered(_ sql: any SQLDatabase, config: ConfigService, _ template: Template) async throws {
        guard counts(template) else { return }
        try await ResourceLimiter(config: config).reserve(sql, accountID: template.accountID, [.template: 1])
    }

    /// When a copy finishes downloading, in the transaction that marks it downloaded.
    static func downloaded(_ sql: any SQLDatabase, _ template: Template, zoneID: Int64?, physicalSize: Int64, virtualSize: Int64) async throws {
        guard counts(template) else { return }
        try await ResourceLimiter.adjust(sql, accountID: template.accountID, [.secondaryStorage: physicalSize])
        _ = try await UsageEventRepository.insert(sql, UsageEvent(
            type: template.format == .iso ? UsageEventType.isoCreate : UsageEventType.templateCreate, accountID: template.accountID,
            domainID: template.domainID, zoneID: zoneID, resourceID: template.id, resourceUUID: template.uuid, resourceName: template.name,
            templateID: template.id, size: physicalSize, virtualSize: virtualSize))
    }

    /// When copies are deleted (and, with `whole`, the template itself), in the deletion's transaction.
    static func deleted(_ sql: any SQLDatabase, _ template: Template, copies: [TemplateStoreRef], whole: Bool) async throws {
        guard counts(template) else { return }
        let bytes = copies.filter { $0.state == .downloaded }.reduce(Int64(0)) { $0 + $1.physicalSize }
        var deltas: [ResourceType: Int64] = [.secondaryStorage: bytes]
        if whole { deltas[.template] = 1 }
        try await ResourceLimiter.adjust(sql, accountID: template.accountID, deltas.mapValues { -$0 })
        for zoneID in Set(copies.filter { $0.state == .downloaded }.map(\.zoneID)) {
            _ = try await UsageEventRepository.insert(sql, UsageEvent(
                type: template.format == .iso ? UsageEventType.isoDelete : UsageEventType.templateDelete, accountID: template.accountID,
                domainID: template.domainID, zoneID: zoneID, resourceID: template.id, resourceUUID: template.uuid, resourceName: template.name,
                templateID: template.id))
        }
    }
}
