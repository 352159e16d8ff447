import Foundation

/// The state of a virtual router (the VM states CloudStack shows for routers).
public enum RouterState: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case starting = "Starting"
    case running = "Running"
    case stopping = "Stopping"
    case stopped = "Stopped"
    case destroyed = "Destroyed"
    case expunging = "Expunging"
    case migrating = "Migrating"
    case error = "Error"
}

/// A redundant router's VRRP role as its health check last reported it.
public enum RedundantState: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case primary = "PRIMARY"
    case backup = "BACKUP"
    case fault = "FAULT"
    case unknown = "UNKNOWN"
}

/// A virtual router: a network namespace on a host serving one isolated network (or one
/// VPC) with DHCP, DNS, metadata, NAT, firewall and load balancing, driven by its router
/// document.
public struct Router: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    /// `r-<id>-VM`, as CloudStack names routers.
    public var name: String
    public var networkID: Int64?
    public var vpcID: Int64?
    public var zoneID: Int64
    public var podID: Int64?
    public var hostID: Int64?
    public var lastHostID: Int64?
    public var accountID: Int64
    public var domainID: Int64
    public var serviceOfferingID: Int64?
    public var state: RouterState
    public var isRedundant: Bool
    public var redundantState: RedundantState
    /// VRRP priority (the primary of a pair has the higher one).
    public var priority: Int
    public var guestIP: String?
    public var publicIP: String?
    public var linkLocalIP: String?
    /// The system template version the router runs (`version` in listRouters).
    public var templateVersion: String
    /// The router scripts' version (`softwareversion`), raised by live patching.
    public var softwareVersion: String
    /// The generation of the router document last computed, and the one the agent confirmed.
    public var documentGeneration: Int64
    public var appliedGeneration: Int64
    /// JSON array of the last health-check results, and when they ran.
    public var healthChecks: String?
    public var healthChecked: Date?
    public var created: Date

    public init(id: Int64 = 0, uuid: UUID = UUID(), name: String = "", networkID: Int64?, vpcID: Int64? = nil, zoneID: Int64, podID: Int64? = nil,
                hostID: Int64? = nil, lastHostID: Int64? = nil, accountID: Int64, domainID: Int64, serviceOfferingID: Int64? = nil,
                state: RouterState = .stopped, isRedundant: Bool = false, redundantState: RedundantState = .unknown, priority: Int = 0,
                guestIP: String? = nil, publicIP: String? = nil, linkLocalIP: String? = nil, templateVersion: String, softwareVersion: String,
                documentGeneration: Int64 = 0, appliedGeneration: Int64 = 0, healthChecks: String? = nil, healthChecked: Date? = nil, created: Date = Date()) {
        self.id = id
        self.uuid = uuid
        self.name = name
        self.networkID = networkID
        self.vpcID = vpcID
        self.zoneID = zoneID
        self.podID = podID
        self.hostID = hostID
        self.lastHostID = lastHostID
        self.accountID = accountID
        self.domainID = domainID
        self.serviceOfferingID = serviceOfferingID
        self.state = state
        self.isRedundant = isRedundant
        self.redundantState = redundantState
        self.priority = priority
        self.guestIP = guestIP
        self.publicIP = publicIP
        self.linkLocalIP = linkLocalIP
        self.templateVersion = templateVersion
        self.softwareVersion = softwareVersion
        self.documentGeneration = documentGeneration
        self.appliedGeneration = appliedGeneration
        self.healthChecks = healthChecks
        self.healthChecked = healthChecked
        self.created = created
    }
}
