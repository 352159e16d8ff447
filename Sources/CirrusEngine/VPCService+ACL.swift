import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// An ACL list with its VPC's name.
public struct NetworkACLListView: Sendable {
    public var list: NetworkACLList
    public var vpc: VPC?
}

/// An ACL item with its list.
public struct NetworkACLItemView: Sendable {
    public var item: NetworkACLItem
    public var list: NetworkACLList?
}

/// What `createNetworkACL` / `updateNetworkACLItem` give.
public struct NetworkACLItemRequest: Sendable {
    public var aclID: UUID?
    public var networkID: UUID?
    public var proto: String?
    public var startPort: Int?
    public var endPort: Int?
    public var icmpType: Int?
    public var icmpCode: Int?
    public var cidrList: [String]?
    public var action: String?
    public var trafficType: String?
    public var number: Int?
    public var reason: String?
    public var display: Bool?
    public init() {}
}

extension VPCService {
    static func aclNotFound(_ id: UUID) -> CloudError {
        CloudError.invalidParameter("Unable to find network ACL list with id \(id.uuidString.lowercased())")
    }

    /// A list the caller may read: built in, or of a VPC the caller administers.
    static func readableList(_ sql: any SQLDatabase, caller: Caller, id: UUID) async throws -> NetworkACLList {
        guard let list = try await NetworkACLRepository.find(sql, uuid: id) else { throw aclNotFound(id) }
        if let vpcID = list.vpcID {
            guard let vpc = try await VPCRepository.find(sql, id: vpcID) else { throw aclNotFound(id) }
            try await Ownership.checkAccess(sql, caller: caller, accountID: vpc.accountID, domainID: vpc.domainID, resource: "network ACL list \(list.name)")
        }
        return list
    }

    /// A list the caller may change: of a VPC the caller administers, never a built-in one.
    static func changeableList(_ sql: any SQLDatabase, caller: Caller, id: UUID) async throws -> (NetworkACLList, VPC) {
        let list = try await readableList(sql, caller: caller, id: id)
        guard let vpcID = list.vpcID, let vpc = try await VPCRepository.find(sql, id: vpcID) else {
            throw CloudError.invalidParameter("Default ACL list \(list.name) cannot be modified")
        }
        return (list, vpc)
    }

    /// The list a new item goes into: `aclid`, or the list of tier `networkid`.
    static func targetList(_ sql: any SQLDatabase, caller: Caller, aclID: UUID?, networkID: UUID?) async throws -> (NetworkACLList, VPC) {
        if let aclID { return try await changeableList(sql, caller: caller, id: aclID) }
        guard let networkID else { throw CloudError.invalidParameter("Give aclid or networkid: the list the item goes into") }
        guard let n = try await NetworkRepository.find(sql, uuid: networkID) else { throw GuestNetworkService.notFound(networkID) }
        try await Ownership.checkAccess(sql, caller: caller, accountID: n.accountID, domainID: n.domainID, resource: "network \(n.name)")
        guard n.vpcID != nil, let aclID = n.networkACLID, let list = try await NetworkACLRepository.find(sql, id: aclID) else {
            throw CloudError.invalidParameter("Network \(n.name) is not a VPC tier and has no network ACL list")
        }
        return try await changeableList(sql, caller: caller, id: list.uuid)
    }

    /// Marks a list's users (tiers and gateways of its VPC) for a new router document.
    static func listChanged(_ sql: any SQLDatabase, _ list: NetworkACLList) async throws {
        if let vpcID = list.vpcID { try await RouterRepository.bumpGeneration(sql, vpcID: vpcID) }
    }

    func recordACLEvent(_ sql: any SQLDatabase, caller: Caller, type: String, description: String, vpc: VPC, uuid: UUID, name: String?, resourceType: String) async throws {
        try await events.record(sql, type: type, state: .completed, description: description, userID: caller.user.id, accountID: vpc.accountID,
                                domainID: vpc.domainID, resource: EventResource(type: resourceType, uuid: uuid.uuidString.lowercased(), name: name))
    }

    // MARK: - Lists

    /// `createNetworkACLList`: an empty list of a VPC.
    public func createList(caller: Caller, name: String, description: String?, vpcID: UUID?, display: Bool?) async throws -> NetworkACLListView {
        guard let vpcID else { throw CloudError.invalidParameter("vpcid is required: a network ACL list belongs to a VPC") }
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 255 else { throw CloudError.invalidParameter("A network ACL list name of 1 to 255 characters is required") }
        return try await db.transaction { sql in
            let vpc = try await Self.administered(sql, caller: caller, id: vpcID)
            guard vpc.state == .enabled else { throw CloudError.invalidParameter("VPC \(vpc.name) is being deleted") }
            let list = try await NetworkACLRepository.insert(sql, NetworkACLList(name: trimmed, description: description ?? trimmed, vpcID: vpc.id,
                                                                                 display: display ?? true))
            try await self.recordACLEvent(sql, caller: caller, type: EventType.networkACLCreate, description: "Created network ACL list \(list.name)",
                                          vpc: vpc, uuid: list.uuid, name: list.name, resourceType: "NetworkAcl")
            return NetworkACLListView(list: list, vpc: vpc)
        }
    }

    /// `updateNetworkACLList`: name, description, display.
    public func updateList(caller: Caller, id: UUID, name: String?, description: String?, display: Bool?) async throws -> NetworkACLListView {
        try await db.transaction { sql in
            var (list, vpc) = try await Self.changeableList(sql, caller: caller, id: id)
            if let name {
                let trimmed = name.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty, trimmed.count <= 255 else { throw CloudError.invalidParameter("A network ACL list name of 1 to 255 characters is required") }
                list.name = trimmed
            }
            if let description { list.description = description }
            if let display { list.display = display }
            try await NetworkACLRepository.update(sql, list)
            try await self.recordACLEvent(sql, caller: caller, type: EventType.networkACLUpdate, description: "Updated network ACL list \(list.name)",
                                          vpc: vpc, uuid: list.uuid, name: list.name, resourceType: "NetworkAcl")
            return NetworkACLListView(list: list, vpc: vpc)
        }
    }

    /// `deleteNetworkACLList`: refused for built-in lists and lists tiers or gateways use.
    public func deleteList(caller: Caller, id: UUID) async throws {
        try await db.transaction { sql in
            let list = try await Self.readableList(sql, caller: caller, id: id)
            guard let vpcID = list.vpcID, let vpc = try await VPCRepository.find(sql, id: vpcID) else {
                throw CloudError.invalidParameter("Default ACL list \(list.name) cannot be removed")
            }
            try await VPCRepository.lock(sql, id: vpc.id)
            let tiers = try await NetworkACLRepository.tiersUsing(sql, aclID: list.id)
            let gateways = try await PrivateGatewayRepository.using(sql, aclID: list.id)
            guard tiers.isEmpty && gateways.isEmpty else {
                throw CloudError.resourceInUse("Can't delete network ACL list \(list.name): it is in use by "
                    + (tiers.map { "tier \($0.name)" } + gateways.map { "private gateway \($0.ipAddress)" }).joined(separator: ", "))
            }
            try await NetworkACLRepository.remove(sql, id: list.id, at: Date())
            try await self.recordACLEvent(sql, caller: caller, type: EventType.networkACLDelete, description: "Deleted network ACL list \(list.name)",
                                          vpc: vpc, uuid: list.uuid, name: list.name, resourceType: "NetworkAcl")
        }
    }

    /// `listNetworkACLLists`: the built-in lists and the lists of the VPCs in scope.
    public func lists(caller: Caller, scope: ListScope, id: UUID?, name: String?, vpcID: UUID?, networkID: UUID?, display: Bool?, keyword: String?,
                      page: (offset: Int, limit: Int?)) async throws -> Listing<NetworkACLListView> {
        try await db.read { sql in
            var f = NetworkACLRepository.ListFilter()
            var vf = VPCRepository.Filter()
            vf.scope = scope
            if let vpcID {
                guard let vpc = try await VPCRepository.find(sql, uuid: vpcID) else { return Listing(items: [], total: 0) }
                vf.id = vpc.id
            }
            f.vpcIDs = try await VPCRepository.list(sql, vf, offset: 0, limit: nil).items.map(\.id)
            if vpcID != nil && f.vpcIDs.isEmpty { return Listing(items: [], total: 0) }
            if let networkID {
                guard let n = try await NetworkRepository.find(sql, uuid: networkID), let acl = n.networkACLID, let vpc = n.vpcID,
                      f.vpcIDs.contains(vpc) else { return Listing(items: [], total: 0) }
                f.id = acl
            }
            if let id {
                guard let list = try await NetworkACLRepository.find(sql, uuid: id) else { return Listing(items: [], total: 0) }
                if let existing = f.id, existing != list.id { return Listing(items: [], total: 0) }
                f.id = list.id
            }
            f.name = name; f.display = display; f.keyword = keyword
            let listing = try await NetworkACLRepository.list(sql, f, offset: page.offset, limit: page.limit)
            let vpcs = try await VPCRepository.find(sql, ids: Set(listing.items.compactMap(\.vpcID)))
            return Listing(items: listing.items.map { NetworkACLListView(list: $0, vpc: $0.vpcID.flatMap { vpcs[$0] }) }, total: listing.total)
        }
    }

    /// `replaceNetworkACLList`: a tier (or private gateway) uses another list of its VPC (or a
    /// built-in one) from now on.
    public func replaceList(caller: Caller, aclID: UUID, networkID: UUID?, gatewayID: UUID?) async throws {
        guard (networkID == nil) != (gatewayID == nil) else { throw CloudError.invalidParameter("Give networkid or gatewayid, not both") }
        try await db.transaction { sql in
            let list = try await Self.readableList(sql, caller: caller, id: aclID)
            let vpc: VPC, name: String
            if let networkID {
                guard var n = try await NetworkRepository.find(sql, uuid: networkID) else { throw GuestNetworkService.notFound(networkID) }
                try await Ownership.checkAccess(sql, caller: caller, accountID: n.accountID, domainID: n.domainID, resource: "network \(n.name)")
                guard let v = n.vpcID, let found = try await VPCRepository.find(sql, id: v) else {
                    throw CloudError.invalidParameter("Network \(n.name) is not a VPC tier; ACL lists apply to VPC tiers")
                }
                guard list.vpcID == nil || list.vpcID == v else {
                    throw CloudError.invalidParameter("Network ACL list \(list.name) belongs to another VPC than network \(n.name)")
                }
                n.networkACLID = list.id
                try await NetworkRepository.update(sql, n)
                vpc = found; name = "tier \(n.name)"
            } else {
                guard let gatewayID, let g = try await PrivateGatewayRepository.find(sql, uuid: gatewayID),
                      let found = try await VPCRepository.find(sql, id: g.vpcID) else {
                    throw CloudError.invalidParameter("Unable to find private gateway with id \(gatewayID?.uuidString.lowercased() ?? "")")
                }
                try await Ownership.checkAccess(sql, caller: caller, accountID: found.accountID, domainID: found.domainID, resource: "private gateway \(g.ipAddress)")
                guard list.vpcID == nil || list.vpcID == found.id else {
                    throw CloudError.invalidParameter("Network ACL list \(list.name) belongs to another VPC than private gateway \(g.ipAddress)")
                }
                try await PrivateGatewayRepository.setACL(sql, id: g.id, aclID: list.id)
                vpc = found; name = "private gateway \(g.ipAddress)"
            }
            try await RouterRepository.bumpGeneration(sql, vpcID: vpc.id)
            try await self.recordACLEvent(sql, caller: caller, type: EventType.networkACLReplace, description: "Replaced the network ACL list of \(name) with \(list.name)",
                                          vpc: vpc, uuid: list.uuid, name: list.name, resourceType: "NetworkAcl")
        }
        await pushVPCs(aclID: aclID)
    }

    func pushVPCs(aclID: UUID) async {
        let vpc = try? await db.read { try await NetworkACLRepository.find($0, uuid: aclID)?.vpcID }
        if let vpc { await pushVPC(vpc) }
    }

    // MARK: - Items

    /// `createNetworkACL`: an item in a list of a VPC (never a built-in list), numbered as
    /// given (unique in its list) or after the last.
    public func createItem(caller: Caller, _ r: NetworkACLItemRequest) async throws -> NetworkACLItemView {
        guard let proto = r.proto else { throw CloudError.missingParameter(command: "createNetworkACL", parameter: "protocol") }
        let checked = try NetworkACLItemInput(proto: proto, startPort: r.startPort, endPort: r.endPort, icmpType: r.icmpType, icmpCode: r.icmpCode,
                                              cidrList: r.cidrList, action: r.action, trafficType: r.trafficType).checked()
        if let n = r.number, n < 1 { throw CloudError.invalidParameter("Invalid number \(n): ACL item numbers start at 1") }
        let view = try await db.transaction { sql -> NetworkACLItemView in
            let (list, vpc) = try await Self.targetList(sql, caller: caller, aclID: r.aclID, networkID: r.networkID)
            try await VPCRepository.lock(sql, id: vpc.id)
            var number = r.number ?? 0
            if r.number == nil { number = try await NetworkACLRepository.nextNumber(sql, aclID: list.id) }
            let item = NetworkACLItem(aclID: list.id, number: number, action: checked.action, trafficType: checked.trafficType, proto: checked.proto,
                                      ports: checked.ports, icmpType: checked.icmpType, icmpCode: checked.icmpCode, cidrs: checked.cidrs, reason: r.reason,
                                      display: r.display ?? true)
            guard let saved = try await NetworkACLRepository.insert(sql, item) else {
                throw CloudError.invalidParameter("ACL item with number \(number) already exists in ACL: \(list.uuid.uuidString.lowercased())")
            }
            try await Self.listChanged(sql, list)
            try await self.recordACLEvent(sql, caller: caller, type: EventType.networkACLItemCreate,
                                          description: "Created network ACL item \(number) in \(list.name)", vpc: vpc, uuid: saved.uuid, name: nil,
                                          resourceType: "NetworkAclItem")
            return NetworkACLItemView(item: saved, list: list)
        }
        if let list = view.list { await pushVPCs(aclID: list.uuid) }
        return view
    }

    /// An item the caller may change, with its list and VPC.
    static func changeableItem(_ sql: any SQLDatabase, caller: Caller, id: UUID) async throws -> (NetworkACLItem, NetworkACLList, VPC) {
        guard let item = try await NetworkACLRepository.item(sql, uuid: id), let list = try await NetworkACLRepository.find(sql, id: item.aclID) else {
            throw CloudError.invalidParameter("Unable to find network ACL item with id \(id.uuidString.lowercased())")
        }
        let (l, vpc) = try await changeableList(sql, caller: caller, id: list.uuid)
        return (item, l, vpc)
    }

    /// `updateNetworkACLItem`: the given fields change; the others keep their values.
    public func updateItem(caller: Caller, id: UUID, _ r: NetworkACLItemRequest) async throws -> NetworkACLItemView {
        let view = try await db.transaction { sql -> NetworkACLItemView in
            var (item, list, vpc) = try await Self.changeableItem(sql, caller: caller, id: id)
            try await VPCRepository.lock(sql, id: vpc.id)
            let protoChanged = r.proto != nil
            let checked = try NetworkACLItemInput(
                proto: r.proto ?? item.proto,
                startPort: r.startPort ?? (protoChanged ? nil : item.ports?.start), endPort: r.endPort ?? (protoChanged || r.startPort != nil ? nil : item.ports?.end),
                icmpType: r.icmpType ?? (protoChanged ? nil : item.icmpType), icmpCode: r.icmpCode ?? (protoChanged ? nil : item.icmpCode),
                cidrList: r.cidrList ?? item.cidrs, action: r.action ?? item.action.rawValue, trafficType: r.trafficType ?? item.trafficType.rawValue).checked()
            if let n = r.number, n != item.number {
                guard n >= 1 else { throw CloudError.invalidParameter("Invalid number \(n): ACL item numbers start at 1") }
                if try await NetworkACLRepository.items(sql, aclIDs: [list.id]).contains(where: { $0.number == n }) {
                    throw CloudError.invalidParameter("ACL item with number \(n) already exists in ACL: \(list.uuid.uuidString.lowercased())")
                }
                item.number = n
            }
            item.proto = checked.proto; item.ports = checked.ports; item.icmpType = checked.icmpType; item.icmpCode = checked.icmpCode
            item.cidrs = checked.cidrs; item.action = checked.action; item.trafficType = checked.trafficType
            if let reason = r.reason { item.reason = reason }
            if let display = r.display { item.display = display }
            try await NetworkACLRepository.update(sql, item)
            try await Self.listChanged(sql, list)
            try await self.recordACLEvent(sql, caller: caller, type: EventType.networkACLItemUpdate,
                                          description: "Updated network ACL item \(item.number) of \(list.name)", vpc: vpc, uuid: item.uuid, name: nil,
                                          resourceType: "NetworkAclItem")
            return NetworkACLItemView(item: item, list: list)
        }
        if let list = view.list { await pushVPCs(aclID: list.uuid) }
        return view
    }

    /// `deleteNetworkACL`: removes an item (never one of a built-in list).
    public func deleteItem(caller: Caller, id: UUID) async throws {
        let listID = try await db.transaction { sql -> UUID in
            let (item, list, vpc) = try await Self.changeableItem(sql, caller: caller, id: id)
            try await NetworkACLRepository.delete(sql, itemID: item.id)
            try await Self.listChanged(sql, list)
            try await self.recordACLEvent(sql, caller: caller, type: EventType.networkACLItemDelete,
                                          description: "Deleted network ACL item \(item.number) of \(list.name)", vpc: vpc, uuid: item.uuid, name: nil,
                                          resourceType: "NetworkAclItem")
            return list.uuid
        }
        await pushVPCs(aclID: listID)
    }

    /// The item for job plans (its list's VPC serialises the job).
    public func item(caller: Caller, id: UUID) async throws -> (NetworkACLItem, VPC) {
        try await db.read { sql in
            let (item, _, vpc) = try await Self.changeableItem(sql, caller: caller, id: id)
            return (item, vpc)
        }
    }

    /// `listNetworkACLs`: items of the lists the caller may read (built-in lists included).
    public func items(caller: Caller, scope: ListScope, id: UUID?, aclID: UUID?, networkID: UUID?, trafficType: String?, proto: String?, action: String?,
                      display: Bool?, keyword: String?, page: (offset: Int, limit: Int?)) async throws -> Listing<NetworkACLItemView> {
        try await db.read { sql in
            var vf = VPCRepository.Filter()
            vf.scope = scope
            let vpcIDs = try await VPCRepository.list(sql, vf, offset: 0, limit: nil).items.map(\.id)
            var lf = NetworkACLRepository.ListFilter()
            lf.vpcIDs = vpcIDs
            var lists = try await NetworkACLRepository.list(sql, lf, offset: 0, limit: nil).items
            if let aclID { lists = lists.filter { $0.uuid == aclID } }
            if let networkID {
                guard let n = try await NetworkRepository.find(sql, uuid: networkID), let acl = n.networkACLID else { return Listing(items: [], total: 0) }
                lists = lists.filter { $0.id == acl }
            }
            var f = NetworkACLRepository.ItemFilter()
            f.aclIDs = lists.map(\.id)
            if let id {
                guard let item = try await NetworkACLRepository.item(sql, uuid: id) else { return Listing(items: [], total: 0) }
                f.id = item.id
            }
            f.trafficType = try trafficType.map(RuleTrafficType.parse)
            if let a = action {
                guard let parsed = ACLAction(caseInsensitive: a) else { throw CloudError.invalidParameter("Invalid action. Allowed actions are Allow and Deny") }
                f.action = parsed
            }
            f.proto = proto?.lowercased(); f.display = display; f.keyword = keyword
            let listing = try await NetworkACLRepository.listItems(sql, f, offset: page.offset, limit: page.limit)
            let byID = Dictionary(lists.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            return Listing(items: listing.items.map { NetworkACLItemView(item: $0, list: byID[$0.aclID]) }, total: listing.total)
        }
    }
}
