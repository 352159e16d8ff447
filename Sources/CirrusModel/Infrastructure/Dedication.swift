import Foundation

/// What can be dedicated to a domain or an account (CloudStack's dedicated resources).
public enum DedicatedResourceKind: String, Sendable, Codable, CaseIterable {
    case zone = "Zone"
    case pod = "Pod"
    case cluster = "Cluster"
    case host = "Host"
}

/// A zone, pod, cluster or host dedicated to a domain (and its subdomains), or to one
/// account of it. Placement keeps every other owner's instances off it.
public struct Dedication: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var kind: DedicatedResourceKind
    public var resourceID: Int64
    public var domainID: Int64
    /// Set when dedicated to one account rather than a whole domain.
    public var accountID: Int64?
    public var created: Date

    public init(id: Int64 = 0, uuid: UUID = UUID(), kind: DedicatedResourceKind, resourceID: Int64, domainID: Int64, accountID: Int64?, created: Date = Date()) {
        self.id = id; self.uuid = uuid; self.kind = kind; self.resourceID = resourceID; self.domainID = domainID; self.accountID = accountID
        self.created = created
    }

    /// Whether an instance of `accountID`, whose domain path is `domainPath`, may use the
    /// resource: it is dedicated to that account, or to a domain at or above the account's.
    /// `dedicatedDomainPath` is the path of ``domainID``.
    public func admits(accountID: Int64, domainPath: String, dedicatedDomainPath: String) -> Bool {
        if let owner = self.accountID { return owner == accountID }
        return domainPath.hasPrefix(dedicatedDomainPath)
    }
}
