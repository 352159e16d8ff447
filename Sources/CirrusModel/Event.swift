import Foundation

/// Severity of an event.
public enum EventLevel: String, Sendable, Codable, CaseIterable {
    case info = "INFO"
    case warn = "WARN"
    case error = "ERROR"
}

/// Where an action is in its life, as CloudStack's structured events record it.
public enum EventState: String, Sendable, Codable, CaseIterable {
    case created = "Created"
    case scheduled = "Scheduled"
    case started = "Started"
    case completed = "Completed"
}

/// A recorded action.
public struct Event: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var type: String
    public var state: EventState
    public var level: EventLevel
    public var description: String
    public var userID: Int64
    public var accountID: Int64
    public var domainID: Int64
    public var resourceType: String?
    public var resourceUUID: String?
    public var resourceName: String?
    /// The Scheduled event an async action's Started and Completed events refer to.
    public var startID: Int64?
    public var archived: Bool
    public var created: Date

    public init(id: Int64, uuid: UUID, type: String, state: EventState, level: EventLevel, description: String, userID: Int64, accountID: Int64, domainID: Int64, resourceType: String?, resourceUUID: String?, resourceName: String?, startID: Int64?, archived: Bool, created: Date) {
        self.id = id
        self.uuid = uuid
        self.type = type
        self.state = state
        self.level = level
        self.description = description
        self.userID = userID
        self.accountID = accountID
        self.domainID = domainID
        self.resourceType = resourceType
        self.resourceUUID = resourceUUID
        self.resourceName = resourceName
        self.startID = startID
        self.archived = archived
        self.created = created
    }
}

/// Event type names (`ENTITY.ACTION`) that Cirrus emits. `listEventTypes` reports all of them.
public enum EventType {
    public static let userLogin = "USER.LOGIN"
    public static let userLogout = "USER.LOGOUT"
    public static let userCreate = "USER.CREATE"
    public static let userUpdate = "USER.UPDATE"
    public static let userDelete = "USER.DELETE"
    public static let userDisable = "USER.DISABLE"
    public static let userEnable = "USER.ENABLE"
    public static let userLock = "USER.LOCK"
    public static let registerUserKeys = "REGISTER.USER.KEY"
    public static let accountCreate = "ACCOUNT.CREATE"
    public static let accountUpdate = "ACCOUNT.UPDATE"
    public static let accountDelete = "ACCOUNT.DELETE"
    public static let accountDisable = "ACCOUNT.DISABLE"
    public static let accountEnable = "ACCOUNT.ENABLE"
    public static let accountLock = "ACCOUNT.LOCK"
    public static let domainCreate = "DOMAIN.CREATE"
    public static let domainUpdate = "DOMAIN.UPDATE"
    public static let domainDelete = "DOMAIN.DELETE"
    public static let roleCreate = "ROLE.CREATE"
    public static let roleUpdate = "ROLE.UPDATE"
    public static let roleDelete = "ROLE.DELETE"
    public static let rolePermissionCreate = "ROLE.PERMISSION.CREATE"
    public static let rolePermissionUpdate = "ROLE.PERMISSION.UPDATE"
    public static let rolePermissionDelete = "ROLE.PERMISSION.DELETE"
    public static let configurationEdit = "CONFIGURATION.VALUE.EDIT"
    public static let eventArchive = "EVENT.ARCHIVE"
    public static let eventDelete = "EVENT.DELETE"
    public static let hostReconnect = "HOST.RECONNECT"
    public static let maintenancePrepare = "MAINT.PREPARE"
    public static let maintenanceCancel = "MAINT.CANCEL"
    public static let templateCreate = "TEMPLATE.CREATE"
    public static let templateUpdate = "TEMPLATE.UPDATE"
    public static let templateDelete = "TEMPLATE.DELETE"
    public static let templateCopy = "TEMPLATE.COPY"
    public static let templateExtract = "TEMPLATE.EXTRACT"
    public static let isoCreate = "ISO.CREATE"
    public static let isoUpdate = "ISO.UPDATE"
    public static let isoDelete = "ISO.DELETE"
    public static let isoCopy = "ISO.COPY"
    public static let isoExtract = "ISO.EXTRACT"
    public static let serviceOfferingCreate = "SERVICE.OFFERING.CREATE"
    public static let serviceOfferingEdit = "SERVICE.OFFERING.EDIT"
    public static let serviceOfferingDelete = "SERVICE.OFFERING.DELETE"
    public static let diskOfferingCreate = "DISK.OFFERING.CREATE"
    public static let diskOfferingEdit = "DISK.OFFERING.EDIT"
    public static let diskOfferingDelete = "DISK.OFFERING.DELETE"
    public static let networkOfferingCreate = "NETWORK.OFFERING.CREATE"
    public static let networkOfferingEdit = "NETWORK.OFFERING.EDIT"
    public static let networkOfferingDelete = "NETWORK.OFFERING.DELETE"
    public static let vpcOfferingCreate = "VPC.OFFERING.CREATE"
    public static let vpcOfferingUpdate = "VPC.OFFERING.UPDATE"
    public static let vpcOfferingDelete = "VPC.OFFERING.DELETE"
    public static let zoneCreate = "ZONE.CREATE"
    public static let zoneEdit = "ZONE.EDIT"
    public static let zoneDelete = "ZONE.DELETE"
    public static let podCreate = "POD.CREATE"
    public static let podEdit = "POD.EDIT"
    public static let podDelete = "POD.DELETE"
    public static let vlanIPRangeCreate = "VLAN.IP.RANGE.CREATE"
    public static let vlanIPRangeDelete = "VLAN.IP.RANGE.DELETE"
    public static let physicalNetworkCreate = "PHYSICAL.NETWORK.CREATE"
    public static let physicalNetworkUpdate = "PHYSICAL.NETWORK.UPDATE"
    public static let physicalNetworkDelete = "PHYSICAL.NETWORK.DELETE"
    public static let serviceProviderCreate = "SERVICE.PROVIDER.CREATE"
    public static let serviceProviderUpdate = "SERVICE.PROVIDER.UPDATE"
    public static let serviceProviderDelete = "SERVICE.PROVIDER.DELETE"
    public static let trafficTypeCreate = "TRAFFIC.TYPE.CREATE"
    public static let trafficTypeUpdate = "TRAFFIC.TYPE.UPDATE"
    public static let trafficTypeDelete = "TRAFFIC.TYPE.DELETE"
    public static let networkElementConfigure = "NETWORK.ELEMENT.CONFIGURE"
    public static let maintenancePreparePrimaryStorage = "MAINT.PREPARE.PS"
    public static let maintenanceCancelPrimaryStorage = "MAINT.CANCEL.PS"
    public static let enablePrimaryStorage = "ENABLE.PS"
    public static let disablePrimaryStorage = "DISABLE.PS"
    public static let registerSSHKeyPair = "REGISTER.SSH.KEYPAIR"
    public static let registerUserData = "REGISTER.USER.DATA"
    public static let affinityGroupCreate = "AG.CREATE"
    public static let affinityGroupDelete = "AG.DELETE"
    public static let tagsCreate = "CREATE_TAGS"
    public static let tagsDelete = "DELETE_TAGS"

    /// Every type above, sorted.
    public static let all: [String] = ([
        userLogin, userLogout, userCreate, userUpdate, userDelete, userDisable, userEnable, userLock,
        registerUserKeys, accountCreate, accountUpdate, accountDelete, accountDisable, accountEnable,
        accountLock, domainCreate, domainUpdate, domainDelete, roleCreate, roleUpdate, roleDelete,
        rolePermissionCreate, rolePermissionUpdate, rolePermissionDelete, configurationEdit,
        eventArchive, eventDelete,
        hostReconnect, maintenancePrepare, maintenanceCancel,
        templateCreate, templateUpdate, templateDelete, templateCopy, templateExtract, isoCreate, isoUpdate, isoDelete, isoCopy, isoExtract,
        serviceOfferingCreate, serviceOfferingEdit, serviceOfferingDelete, diskOfferingCreate, diskOfferingEdit, diskOfferingDelete,
        networkOfferingCreate, networkOfferingEdit, networkOfferingDelete, vpcOfferingCreate, vpcOfferingUpdate, vpcOfferingDelete,
        zoneCreate, zoneEdit, zoneDelete, podCreate, podEdit, podDelete, vlanIPRangeCreate, vlanIPRangeDelete,
        physicalNetworkCreate, physicalNetworkUpdate, physicalNetworkDelete, serviceProviderCreate, serviceProviderUpdate, serviceProviderDelete,
        trafficTypeCreate, trafficTypeUpdate, trafficTypeDelete, networkElementConfigure, maintenancePreparePrimaryStorage,
        maintenanceCancelPrimaryStorage, enablePrimaryStorage, disablePrimaryStorage,
        registerSSHKeyPair, registerUserData, affinityGroupCreate, affinityGroupDelete,
        tagsCreate, tagsDelete,
    ] + compute + snapshots + networks + rules + vpcs + securityGroups + vpns).sorted()
}
