/// An inclusive range of TCP/UDP ports, 1–65535, as rules carry them (`startport`–`endport`,
/// `publicport`–`publicendport`, `privateport`–`privateendport`).
public struct PortRange: Sendable, Hashable, Codable, CustomStringConvertible {
    public let start: Int
    public let end: Int

    /// The valid port numbers.
    public static let valid = 1...65535

    /// Validates a range given by the parameters named `startName` and `endName`; a missing end
    /// means a single port. Errors are 431s naming the parameter, as CloudStack's are.
    public init(start: Int, end: Int? = nil, startName: String = "startport", endName: String = "endport") throws(CloudError) {
        let end = end ?? start
        guard Self.valid.contains(start) else {
            throw CloudError.invalidParameter("\(startName) is an invalid value: \(start); a port is between 1 and 65535")
        }
        guard Self.valid.contains(end) else {
            throw CloudError.invalidParameter("\(endName) is an invalid value: \(end); a port is between 1 and 65535")
        }
        guard start <= end else {
            throw CloudError.invalidParameter("Start port can't be bigger than end port: \(startName) \(start) > \(endName) \(end)")
        }
        self.start = start
        self.end = end
    }

    /// A range already known to be valid (read back from the database).
    public init(uncheckedStart start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    /// The number of ports in the range.
    public var count: Int { end - start + 1 }

    public func overlaps(_ other: PortRange) -> Bool { start <= other.end && other.start <= end }

    public func contains(_ port: Int) -> Bool { (start...end).contains(port) }

    /// `80` or `8000-8080`.
    public var description: String { start == end ? "\(start)" : "\(start)-\(end)" }
}
