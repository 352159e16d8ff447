import Foundation

/// A node of the domain tree. ROOT has path `/`; a child has a path such as `/child/grand/`.
public struct Domain: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var name: String
    public var parentID: Int64?
    /// Slash-delimited path with leading and trailing `/`; ROOT is `/`.
    public var path: String
    /// Depth in the tree: ROOT is 0.
    public var level: Int
    public var networkDomain: String?
    public var state: DomainState
    public var created: Date

    public init(id: Int64, uuid: UUID, name: String, parentID: Int64?, path: String, level: Int, networkDomain: String?, state: DomainState, created: Date) {
        self.id = id
        self.uuid = uuid
        self.name = name
        self.parentID = parentID
        self.path = path
        self.level = level
        self.networkDomain = networkDomain
        self.state = state
        self.created = created
    }

    /// The id of the ROOT domain on every installation.
    public static let rootID: Int64 = 1

    /// The path CloudStack shows in API responses: `ROOT` for the root and `ROOT/a/b` below it.
    public var displayPath: String { Domain.displayPath(for: path) }

    /// Converts a stored path (`/a/b/`) into the API form (`ROOT/a/b`).
    public static func displayPath(for path: String) -> String {
        let trimmed = path.split(separator: "/", omittingEmptySubsequences: true)
        return (["ROOT"] + trimmed.map(String.init)).joined(separator: "/")
    }

    /// The stored path of a child named `name` under `parentPath`.
    public static func childPath(parentPath: String, name: String) -> String {
        parentPath + name + "/"
    }

    /// Normalises a user-supplied domain path for login (`/`, `Sub/Child`, `/Sub/Child/`) to
    /// the stored form with leading and trailing `/`. `ROOT` and `ROOT/x` are accepted too.
    public static func normalisedPath(_ raw: String) -> String {
        var parts = raw.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if parts.first?.uppercased() == "ROOT" { parts.removeFirst() }
        return parts.isEmpty ? "/" : "/" + parts.joined(separator: "/") + "/"
    }

    /// True when `other` is this domain or lies below it.
    public func contains(path other: String) -> Bool { other.hasPrefix(path) }
}

/// `Active` domains take new accounts; `Inactive` ones are being deleted.
public enum DomainState: String, Sendable, Codable {
    case active = "Active"
    case inactive = "Inactive"
}
