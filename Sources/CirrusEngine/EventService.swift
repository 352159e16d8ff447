import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// What an event is about.
public struct EventResource: Sendable, Equatable {
    public var type: String
    public var uuid: String?
    public var name: String?

    public init(type: String, uuid: String?, name: String? = nil) {
        self.type = type
        self.uuid = uuid
        self.name = name
    }
}

/// Records and queries structured events.
public struct EventService: Sendable {
    let db: any Database

    public init(db: any Database) {
        self.db = db
    }

    /// Records an event inside the caller's transaction.
    @discardableResult
    public func record(_ sql: any SQLDatabase, type: String, state: EventState, level: EventLevel = .info, description: String,
                       userID: Int64, accountID: Int64, domainID: Int64, resource: EventResource?, startID: Int64? = nil) async throws -> Event {
        try await EventRepository.insert(sql, Event(
            id: 0, uuid: UUID(), type: type, state: state, level: level, description: description, userID: userID,
            accountID: accountID, domainID: domainID, resourceType: resource?.type, resourceUUID: resource?.uuid,
            resourceName: resource?.name, startID: startID, archived: false, created: Date()))
    }

    /// Records an event for `caller` in its own transaction.
    @discardableResult
    public func record(caller: Caller, type: String, state: EventState, level: EventLevel = .info, description: String, resource: EventResource?, startID: Int64? = nil) async throws -> Event {
        try await db.transaction { sql in
            try await record(sql, type: type, state: state, level: level, description: description, userID: caller.user.id,
                             accountID: caller.account.id, domainID: caller.account.domainID, resource: resource, startID: startID)
        }
    }

    public func find(uuid: UUID) async throws -> Event? {
        try await db.read { try await EventRepository.find($0, uuid: uuid) }
    }

    public func list(filter: EventRepository.Filter, page: (offset: Int, limit: Int?)) async throws -> Listing<Event> {
        try await db.read { try await EventRepository.list($0, filter: filter, offset: page.offset, limit: page.limit) }
    }

    /// Archives events matching `filter`; CloudStack requires at least one criterion.
    public func archive(filter: EventRepository.Filter) async throws -> Int {
        try await db.transaction { try await EventRepository.archive($0, filter: filter) }
    }

    public func delete(filter: EventRepository.Filter) async throws -> Int {
        try await db.transaction { try await EventRepository.delete($0, filter: filter) }
    }
}

/// Names an event listing shows beside each event.
public struct EventNames: Sendable {
    public var users: [Int64: User]
    public var accounts: [Int64: Account]
    public var domains: [Int64: Domain]
    /// The UUID of each Scheduled event referred to by `startID`.
    public var parents: [Int64: UUID]
}

extension EventService {
    public func names(for events: [Event]) async throws -> EventNames {
        try await db.read { sql in
            let users = try await UserRepository.find(sql, ids: Set(events.map(\.userID)))
            let accounts = try await AccountRepository.find(sql, ids: Set(events.map(\.accountID)))
            let domains = try await DomainRepository.find(sql, ids: Set(events.map(\.domainID)))
            let parents = try await EventRepository.uuids(sql, ids: Set(events.compactMap(\.startID)))
            return EventNames(users: users, accounts: accounts, domains: domains, parents: parents)
        }
    }
}
