import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// Where a setting is read: the narrowest scope first. An account's chain is
/// `account → its domain → global`; a cluster's is `cluster → zone → global`.
public struct ScopeChain: Sendable, Equatable {
    public var links: [(scope: ConfigScope, id: Int64)]

    public init(_ links: [(scope: ConfigScope, id: Int64)] = []) {
        self.links = links
    }

    public static let global = ScopeChain()

    public static func account(_ account: Account) -> ScopeChain {
        ScopeChain([(.account, account.id), (.domain, account.domainID)])
    }

    public static func == (a: ScopeChain, b: ScopeChain) -> Bool {
        a.links.map(\.scope) == b.links.map(\.scope) && a.links.map(\.id) == b.links.map(\.id)
    }
}

/// One setting as `listConfigurations` shows it at a given scope.
public struct ConfigEntry: Sendable {
    public var definition: ConfigDefinition
    public var value: String
    /// The scope the listing was made for (global when none was named).
    public var scope: ConfigScope
}

/// Typed settings with scope resolution: the one accessor every service reads settings through.
public actor ConfigService {
    let db: any Database
    public nonisolated let definitions: [String: ConfigDefinition]
    private var values: [String: [ScopeKey: String]] = [:]
    private var loadedAt: Date = .distantPast
    /// The re-read of the table under way, if any (one at a time).
    private var inflight: Task<Void, any Error>?
    /// Bumped by every change this server makes, so that a re-read begun before it is not applied.
    private var generation = 0
    /// How long a snapshot of the table is trusted before it is read again (other management
    /// servers may have changed it).
    private let refreshInterval: TimeInterval

    struct ScopeKey: Hashable { let scope: ConfigScope; let id: Int64 }

    public init(db: any Database, definitions: [ConfigDefinition] = Settings.all, refreshInterval: TimeInterval = 2) {
        self.db = db
        self.definitions = Dictionary(uniqueKeysWithValues: definitions.map { ($0.name, $0) })
        self.refreshInterval = refreshInterval
    }

    /// Makes sure a snapshot of the table exists, and starts a background re-read when it is
    /// older than `refreshInterval`.
    ///
    /// Only the very first load (or the first after ``invalidate()``) is waited for. A stale
    /// snapshot is served while the re-read runs: callers are often inside a transaction that
    /// holds a pooled connection, and waiting there for a second connection deadlocks a
    /// PostgreSQL pool whose every connection is held that way. The read runs detached, on a
    /// connection of its own, outside the caller's transaction.
    private func refreshIfStale() async throws {
        if loadedAt == .distantPast {
            // A read that began before a local change is discarded; read again (a few times at most).
            for _ in 0..<3 where loadedAt == .distantPast {
                try await (inflight ?? startRefresh()).value
            }
        } else if inflight == nil, Date().timeIntervalSince(loadedAt) > refreshInterval {
            _ = startRefresh()
        }
    }

    private func startRefresh() -> Task<Void, any Error> {
        let db = self.db
        let startedAt = generation
        let task = Task.detached { [self] in
            do {
                let rows = try await db.read { try await ConfigurationRepository.all($0) }
                await self.apply(rows, ifGeneration: startedAt)
            } catch {
                await self.refreshEnded()
                throw error
            }
        }
        inflight = task
        return task
    }

    private func refreshEnded() { inflight = nil }

    /// Takes a re-read, unless this server changed a value since the read began (the read
    /// may predate that change; the next one will include it).
    private func apply(_ rows: [ConfigurationRepository.Value], ifGeneration startedAt: Int) {
        inflight = nil
        guard generation == startedAt else { return }
        var fresh: [String: [ScopeKey: String]] = [:]
        for row in rows { fresh[row.name, default: [:]][ScopeKey(scope: row.scope, id: row.scopeID)] = row.value }
        values = fresh
        loadedAt = Date()
    }

    /// The value of `definition` for `chain`: the narrowest scoped value the definition allows,
    /// else the global value, else the default.
    public func value(_ definition: ConfigDefinition, in chain: ScopeChain = .global) async throws -> String {
        try await refreshIfStale()
        let stored = values[definition.name] ?? [:]
        for link in chain.links where definition.scopes.contains(link.scope) {
            if let v = stored[ScopeKey(scope: link.scope, id: link.id)] { return v }
        }
        return stored[ScopeKey(scope: .global, id: 0)] ?? definition.defaultValue
    }

    public func int(_ definition: ConfigDefinition, in chain: ScopeChain = .global) async throws -> Int {
        Int(try await value(definition, in: chain)) ?? Int(definition.defaultValue) ?? 0
    }

    public func double(_ definition: ConfigDefinition, in chain: ScopeChain = .global) async throws -> Double {
        Double(try await value(definition, in: chain)) ?? Double(definition.defaultValue) ?? 0
    }

    public func bool(_ definition: ConfigDefinition, in chain: ScopeChain = .global) async throws -> Bool {
        try await value(definition, in: chain) == "true"
    }

    /// Settings matching the filters, with their values at `scope` (global when nil).
    public func list(name: String?, category: String?, keyword: String?, scope: (ConfigScope, Int64)?) async throws -> [ConfigEntry] {
        try await refreshIfStale()
        var out: [ConfigEntry] = []
        for def in definitions.values.sorted(by: { $0.name < $1.name }) {
            if let name, def.name != name { continue }
            if let category, def.category.lowercased() != category.lowercased() { continue }
            if let keyword, !def.name.lowercased().contains(keyword.lowercased()) { continue }
            if let (s, id) = scope {
                guard def.scopes.contains(s) else { continue }
                let stored = values[def.name]?[ScopeKey(scope: s, id: id)]
                let fallback = values[def.name]?[ScopeKey(scope: .global, id: 0)] ?? def.defaultValue
                out.append(ConfigEntry(definition: def, value: stored ?? fallback, scope: s))
            } else {
                out.append(ConfigEntry(definition: def, value: values[def.name]?[ScopeKey(scope: .global, id: 0)] ?? def.defaultValue, scope: .global))
            }
        }
        return out
    }

    /// Validates and stores a value; returns the entry as it now reads.
    public func update(name: String, value raw: String, scope: ConfigScope, scopeID: Int64, in sql: any SQLDatabase) async throws -> ConfigEntry {
        guard let def = definitions[name] else { throw CloudError.invalidParameter("Configuration \(name) does not exist") }
        guard scope == .global || def.scopes.contains(scope) else {
            throw CloudError.invalidParameter("Configuration \(name) cannot be set at \(scope.rawValue) scope; its scope is \(def.reportedScope.rawValue)")
        }
        let normalised = try def.type.validate(raw, name: name, range: def.range, options: def.options)
        try await ConfigurationRepository.set(sql, .init(name: name, scope: scope, scopeID: scopeID, value: normalised), at: Date())
        values[name, default: [:]][ScopeKey(scope: scope, id: scopeID)] = normalised
        generation += 1
        return ConfigEntry(definition: def, value: normalised, scope: scope)
    }

    /// Removes a stored value so that the setting falls back to the next scope or its default.
    public func reset(name: String, scope: ConfigScope, scopeID: Int64, in sql: any SQLDatabase) async throws -> ConfigEntry {
        guard let def = definitions[name] else { throw CloudError.invalidParameter("Configuration \(name) does not exist") }
        guard scope == .global || def.scopes.contains(scope) else {
            throw CloudError.invalidParameter("Configuration \(name) cannot be reset at \(scope.rawValue) scope; its scope is \(def.reportedScope.rawValue)")
        }
        try await ConfigurationRepository.remove(sql, name: name, scope: scope, scopeID: scopeID)
        values[name]?[ScopeKey(scope: scope, id: scopeID)] = nil
        generation += 1
        let fallback = scope == .global ? def.defaultValue : (values[name]?[ScopeKey(scope: .global, id: 0)] ?? def.defaultValue)
        return ConfigEntry(definition: def, value: fallback, scope: scope)
    }

    /// Forgets the cached snapshot (tests, and after changes made in a transaction that rolled back).
    public func invalidate() {
        loadedAt = .distantPast
        generation += 1
    }
}
