import Foundation

/// A guest OS category (`listOsCategories`): CentOS, Debian, Ubuntu, Windows, Other…
public struct OSCategory: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var name: String

    public init(id: Int64, uuid: UUID, name: String) {
        self.id = id
        self.uuid = uuid
        self.name = name
    }
}

/// A guest OS type (`listOsTypes`), such as "Ubuntu 22.04 LTS", in one category.
public struct OSType: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var categoryID: Int64
    public var description: String
    /// Added by an operator (`addGuestOs`) rather than shipped.
    public var isUserDefined: Bool
    public var forDisplay: Bool

    public init(id: Int64, uuid: UUID, categoryID: Int64, description: String, isUserDefined: Bool = false, forDisplay: Bool = true) {
        self.id = id
        self.uuid = uuid
        self.categoryID = categoryID
        self.description = description
        self.isUserDefined = isUserDefined
        self.forDisplay = forDisplay
    }
}

/// The OS categories and types Cirrus ships, under CloudStack's names.
public enum OSCatalog {
    /// Category name → the OS type descriptions in it, in seeding order.
    public static let seed: [(category: String, types: [String])] = [
        ("CentOS", ["CentOS 5.3 (64-bit)", "CentOS 5.5 (64-bit)", "CentOS 6.5 (64-bit)", "CentOS 7", "CentOS 8"]),
        ("Debian", ["Debian GNU/Linux 9 (64-bit)", "Debian GNU/Linux 10 (64-bit)", "Debian GNU/Linux 11 (64-bit)", "Debian GNU/Linux 12 (64-bit)"]),
        ("Oracle", ["Oracle Linux 7", "Oracle Linux 8", "Oracle Linux 9"]),
        ("RedHat", ["Red Hat Enterprise Linux 7", "Red Hat Enterprise Linux 8", "Red Hat Enterprise Linux 9"]),
        ("SUSE", ["SUSE Linux Enterprise Server 15 (64-bit)", "openSUSE Leap 15 (64-bit)"]),
        ("Windows", ["Windows Server 2016 (64-bit)", "Windows Server 2019 (64-bit)", "Windows Server 2022 (64-bit)", "Windows 10 (64-bit)", "Windows 11 (64-bit)"]),
        ("Other", ["Other (64-bit)", "Other (32-bit)", "Other PV (64-bit)", "Other PV Virtio-SCSI (64-bit)"]),
        ("Novel", ["Novell Netware 6.x"]),
        ("Unix", ["FreeBSD 12 (64-bit)", "FreeBSD 13 (64-bit)", "Other Unix (64-bit)"]),
        ("Ubuntu", ["Ubuntu 18.04 LTS", "Ubuntu 20.04 LTS", "Ubuntu 22.04 LTS", "Ubuntu 24.04 LTS"]),
        ("Rocky Linux", ["Rocky Linux 8", "Rocky Linux 9"]),
        ("AlmaLinux", ["AlmaLinux 8", "AlmaLinux 9"]),
        ("Linux", ["Other Linux (64-bit)", "Other Linux (32-bit)", "Other 2.6x Linux (64-bit)"]),
    ]

    /// The OS type of the built-in Simulator template.
    public static let builtInTemplateOSType = "CentOS 5.3 (64-bit)"
}
