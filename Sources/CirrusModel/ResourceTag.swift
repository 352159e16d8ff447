import Foundation

/// A key/value label on a resource (CloudStack's `resource_tags` row). The owner is the
/// resource's owner at the time the tag was made; resources without an owner (zones,
/// offerings) are owned by the system account in the ROOT domain, as in CloudStack.
public struct ResourceTag: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var key: String
    public var value: String
    public var resourceType: TaggableResourceType
    /// The tagged row's internal id.
    public var resourceID: Int64
    /// The tagged row's API UUID, as the API shows it.
    public var resourceUUID: String
    public var accountID: Int64
    public var domainID: Int64
    /// A client-specific marker (`customer`) that Cirrus stores and filters on only.
    public var customer: String?
    public var created: Date
    /// The owner's names, filled in when tags are read for a response.
    public var owner: Owner?

    /// The names a tag response shows for its owner.
    public struct Owner: Sendable, Equatable {
        public var accountName: String
        public var domainUUID: UUID
        public var domainName: String

        public init(accountName: String, domainUUID: UUID, domainName: String) {
            self.accountName = accountName
            self.domainUUID = domainUUID
            self.domainName = domainName
        }
    }

    public init(id: Int64 = 0, uuid: UUID = UUID(), key: String, value: String, resourceType: TaggableResourceType, resourceID: Int64, resourceUUID: String,
                accountID: Int64, domainID: Int64, customer: String? = nil, created: Date = Date(), owner: Owner? = nil) {
        self.id = id
        self.uuid = uuid
        self.key = key
        self.value = value
        self.resourceType = resourceType
        self.resourceID = resourceID
        self.resourceUUID = resourceUUID
        self.accountID = accountID
        self.domainID = domainID
        self.customer = customer
        self.created = created
        self.owner = owner
    }
}

/// One `tags[N].key` / `tags[N].value` pair of a list command's tag filter.
public struct TagPair: Sendable, Hashable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// CloudStack's `ResourceObjectType` names, as `resourcetype` carries them. Parsing is
/// case-insensitive (`uservm` is `UserVm`), as in CloudStack.
public enum TaggableResourceType: String, Sendable, CaseInsensitiveEnum {
    case vmInstance = "VMInstance"
    case userVm = "UserVm"
    case template = "Template"
    case iso = "ISO"
    case volume = "Volume"
    case snapshot = "Snapshot"
    case network = "Network"
    case domainRouter = "DomainRouter"
    case nic = "Nic"
    case loadBalancer = "LoadBalancer"
    case portForwardingRule = "PortForwardingRule"
    case firewallRule = "FirewallRule"
    case securityGroup = "SecurityGroup"
    case securityGroupRule = "SecurityGroupRule"
    case publicIpAddress = "PublicIpAddress"
    case project = "Project"
    case account = "Account"
    case vpc = "Vpc"
    case networkACL = "NetworkACL"
    case staticRoute = "StaticRoute"
    case vmSnapshot = "VMSnapshot"
    case remoteAccessVpn = "RemoteAccessVpn"
    case zone = "Zone"
    case serviceOffering = "ServiceOffering"
    case storage = "Storage"
    case privateGateway = "PrivateGateway"
    case networkACLList = "NetworkACLList"
    case vpnGateway = "VpnGateway"
    case customerGateway = "CustomerGateway"
    case vpnConnection = "VpnConnection"
    case user = "User"
    case diskOffering = "DiskOffering"
    case autoScaleVmProfile = "AutoScaleVmProfile"
    case autoScaleVmGroup = "AutoScaleVmGroup"
    case lbStickinessPolicy = "LBStickinessPolicy"
    case lbHealthCheckPolicy = "LBHealthCheckPolicy"
    case snapshotPolicy = "SnapshotPolicy"
    case guestOs = "GuestOs"
    case networkOffering = "NetworkOffering"
    case vpcOffering = "VpcOffering"
    case domain = "Domain"

    /// Whether CloudStack lets `createTags` label this type (the others only carry
    /// resource details or icons there).
    public var supportsTags: Bool {
        switch self {
        case .domainRouter, .nic, .zone, .serviceOffering, .storage, .privateGateway, .networkACLList, .vpnGateway, .customerGateway,
             .vpnConnection, .diskOffering, .autoScaleVmProfile, .autoScaleVmGroup, .lbStickinessPolicy, .lbHealthCheckPolicy,
             .guestOs, .networkOffering, .domain:
            return false
        default:
            return true
        }
    }

    /// Where rows of this type live in Cirrus, or nil while Cirrus has no table for them.
    /// Adding a type is one line here once its table exists.
    public var storage: TaggableStorage? {
        switch self {
        case .vmInstance: .owned("vm_instances")
        case .userVm: .owned("vm_instances", where: "vm_type", equals: "User")
        case .template: .owned("templates", where: "format", notEquals: "ISO")
        case .iso: .owned("templates", where: "format", equals: "ISO")
        case .volume: .owned("volumes")
        case .snapshot: .owned("snapshots")
        case .vmSnapshot: .owned("vm_snapshots")
        case .snapshotPolicy: .owned("snapshot_policies")
        case .user: .owned("users")
        case .account: TaggableStorage(table: "accounts", ownership: .itself)
        case .zone: .unowned("zones")
        case .serviceOffering: .unowned("service_offerings")
        case .diskOffering: .unowned("disk_offerings")
        case .networkOffering: .unowned("network_offerings")
        case .vpcOffering: .unowned("vpc_offerings")
        case .domain: TaggableStorage(table: "domains", ownership: .domainItself)
        case .network: .owned("networks")
        case .vpc: .owned("vpcs")
        case .securityGroup: .owned("security_groups")
        case .privateGateway: .owned("vpc_private_gateways")
        default: nil
        }
    }
}

/// The table of a taggable type and how its rows name their owner.
public struct TaggableStorage: Sendable, Equatable {
    /// How the owner of a row is found.
    public enum Ownership: Sendable, Equatable {
        /// The row has `account_id` and `domain_id` columns.
        case accountColumns
        /// The row is an account: it owns itself, in its `domain_id`.
        case itself
        /// The row is a domain: the system account owns it, within that domain.
        case domainItself
        /// No owner columns: the system account in the ROOT domain owns it.
        case system
    }

    /// `column = value` (or `<>` when `negated`) that picks this type's rows out of a shared table.
    public struct Discriminator: Sendable, Equatable {
        public var column: String
        public var value: String
        public var negated: Bool
    }

    public var table: String
    public var ownership: Ownership
    public var discriminator: Discriminator?

    public init(table: String, ownership: Ownership, discriminator: Discriminator? = nil) {
        self.table = table
        self.ownership = ownership
        self.discriminator = discriminator
    }

    static func owned(_ table: String) -> Self { Self(table: table, ownership: .accountColumns) }
    static func owned(_ table: String, where column: String, equals value: String) -> Self {
        Self(table: table, ownership: .accountColumns, discriminator: Discriminator(column: column, value: value, negated: false))
    }
    static func owned(_ table: String, where column: String, notEquals value: String) -> Self {
        Self(table: table, ownership: .accountColumns, discriminator: Discriminator(column: column, value: value, negated: true))
    }
    static func unowned(_ table: String) -> Self { Self(table: table, ownership: .system) }
}
