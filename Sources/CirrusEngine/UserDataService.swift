import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// Managed user data with the names a response shows.
public struct UserDataView: Sendable {
    public var userData: UserData
    public var account: Account?
    public var domain: Domain?
}

/// A template (one entry per zone) after `linkUserDataToTemplate`, with its linked user data.
public struct LinkedTemplateView: Sendable {
    public var templates: [TemplateView]
    public var userData: UserData?
    public var policy: UserDataOverridePolicy?
}

/// Inline and managed user data: CloudStack 4.19's validation, `registerUserData`,
/// `listUserData`, `deleteUserData`, `linkUserDataToTemplate`, and the resolution a deploy makes.
public final class UserDataService: Sendable {
    let db: any Database
    let events: EventService
    let config: ConfigService
    let templates: TemplateService

    init(db: any Database, events: EventService, config: ConfigService, templates: TemplateService) {
        self.db = db
        self.events = events
        self.config = config
        self.templates = templates
    }

    // MARK: - for deploy, update and reset

    /// Checks inline user data (`userdata`) as CloudStack does for the request's HTTP method
    /// (GET: under 4096 characters; POST: up to 1 MiB; both at most `vm.userdata.max.length`)
    /// and returns it as padded base64. Call it before the deploy's transaction and pass the
    /// result to ``resolveForDeploy(_:owner:inline:userDataID:details:template:)``.
    public func validate(base64: String, method: UserDataHTTPMethod) async throws -> String {
        let max = try await config.int(Settings.userDataMaxLength)
        return try UserDataRules.validate(base64, method: method, configuredMax: max)
    }

    /// The user data an instance gets, after the template's linked user data and its policy
    /// (ALLOWOVERRIDE, APPEND, DENYOVERRIDE) are applied. `inline` is the already validated
    /// `userdata`; `userDataID` the `userdataid`, which must belong to the owner. Giving both is
    /// refused; so are empty keys in `details` (`userdatadetails`, kept by the caller as the
    /// instance's metadata for the variables the user data declares).
    public static func resolveForDeploy(_ sql: any SQLDatabase, owner accountID: Int64, inline: String?, userDataID: UUID?, details: [String: String],
                                        template: Template?) async throws -> (base64: String?, userDataID: Int64?) {
        let inline = inline.flatMap { $0.isEmpty ? nil : $0 }
        if inline != nil && userDataID != nil {
            throw CloudError.invalidParameter("Both userdata and userdata ID inputs are not allowed, please provide only one")
        }
        if details.keys.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw CloudError.invalidParameter("Every userdatadetails entry needs a non-empty key")
        }
        var requested: (content: String, userDataID: Int64?)?
        if let inline { requested = (inline, nil) }
        if let userDataID {
            guard let u = try await UserDataRepository.find(sql, uuid: userDataID) else {
                throw CloudError.invalidParameter("Unable to find userdata with id \(userDataID.uuidString.lowercased())")
            }
            guard u.accountID == accountID else {
                throw CloudError.permissionDenied("User data \(u.name) does not belong to the instance's account")
            }
            requested = (u.content, u.id)
        }
        var linked: (content: String, userDataID: Int64, policy: UserDataOverridePolicy)?
        if let template, let link = try await UserDataRepository.link(sql, templateID: template.id) {
            guard let u = try await UserDataRepository.find(sql, id: link.userDataID) else {
                throw CloudError.invalidParameter("UserData linked to the template \(template.name) is not found")
            }
            linked = (u.content, u.id, link.policy)
        }
        switch try UserDataRules.combine(requested: requested, linked: linked, templateName: template?.name ?? "") {
        case .none: return (nil, nil)
        case .content(let text, let id): return (text, id)
        }
    }

    // MARK: - commands

    /// `registerUserData`: names must be unique in the account, and so must the content.
    public func register(caller: Caller, name: String, userData raw: String, params: String?, accountName: String?, domainID: UUID?,
                         method: UserDataHTTPMethod) async throws -> UserDataView {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw CloudError.invalidParameter("Please specify a valid name for the userdata") }
        let content = try await validate(base64: raw, method: method)
        let params = params.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: ",") }
            .flatMap { $0.isEmpty ? nil : $0 }
        return try await db.transaction { sql in
            let owner = try await IdentityService.owner(sql, caller: caller, accountName: accountName, domainID: domainID)
            if try await UserDataRepository.find(sql, accountID: owner.id, name: name) != nil {
                throw CloudError.invalidParameter("A userdata with name \(name) already exists for this account.")
            }
            if let same = try await UserDataRepository.find(sql, accountID: owner.id, content: content) {
                throw CloudError.invalidParameter("Userdata \(same.name) with same content already exists for this account.")
            }
            let u = try await UserDataRepository.insert(sql, UserData(name: name, accountID: owner.id, domainID: owner.domainID, content: content, params: params))
            try await self.events.record(sql, type: EventType.registerUserData, state: .completed, description: "Registered user data \(name)",
                                         userID: caller.user.id, accountID: owner.id, domainID: owner.domainID,
                                         resource: EventResource(type: "UserData", uuid: u.uuid.uuidString.lowercased(), name: name))
            return try await Self.view(sql, u)
        }
    }

    /// `deleteUserData`: refused while a live template links it or a live instance uses it.
    public func delete(caller: Caller, id: UUID, accountName: String?, domainID: UUID?) async throws {
        try await db.transaction { sql in
            let owner = try await IdentityService.owner(sql, caller: caller, accountName: accountName, domainID: domainID)
            guard let u = try await UserDataRepository.find(sql, uuid: id) else {
                let domain = try await DomainRepository.find(sql, id: owner.domainID)
                throw CloudError.invalidParameter("A UserData with id '\(id.uuidString.lowercased())' does not exist for account \(owner.name) in specified domain id \(domain.map { $0.uuid.uuidString.lowercased() } ?? "")")
            }
            try await Ownership.checkAccess(sql, caller: caller, accountID: u.accountID, domainID: u.domainID, resource: "user data \(u.name)")
            if try await UserDataRepository.linkedTemplateCount(sql, userDataID: u.id) > 0 {
                throw CloudError.resourceInUse("Userdata \(u.name) cannot be removed as it is linked to active template/templates")
            }
            if try await UserDataRepository.instanceCount(sql, userDataID: u.id) > 0 {
                throw CloudError.resourceInUse("Userdata \(u.name) cannot be removed as it is being used by some instances")
            }
            try await UserDataRepository.delete(sql, id: u.id)
        }
    }

    /// `listUserData` within `scope`.
    public func list(scope: ListScope, id: UUID?, name: String?, keyword: String?, page: (offset: Int, limit: Int?)) async throws -> Listing<UserDataView> {
        try await db.read { sql in
            var internalID: Int64?
            if let id {
                guard let u = try await UserDataRepository.find(sql, uuid: id) else { return Listing(items: [], total: 0) }
                internalID = u.id
            }
            let listing = try await UserDataRepository.list(sql, scope: scope, id: internalID, name: name, keyword: keyword, offset: page.offset, limit: page.limit)
            let accounts = try await AccountRepository.find(sql, ids: Set(listing.items.map(\.accountID)))
            let domains = try await DomainRepository.find(sql, ids: Set(listing.items.map(\.domainID)))
            return Listing(items: listing.items.map { UserDataView(userData: $0, account: accounts[$0.accountID], domain: domains[$0.domainID]) }, total: listing.total)
        }
    }

    /// `linkUserDataToTemplate`: links (or, without `userDataID`, unlinks) user data to a template
    /// or ISO with a policy (ALLOWOVERRIDE when not given).
    public func link(caller: Caller, templateID: UUID?, isoID: UUID?, userDataID: UUID?, policy rawPolicy: String?) async throws -> LinkedTemplateView {
        if templateID != nil && isoID != nil {
            throw CloudError.invalidParameter("Both template ID and ISO ID are passed, API is applicable only for one")
        }
        guard let targetID = templateID ?? isoID else {
            throw CloudError.invalidParameter("Atleast one of template ID or ISO ID needs to be passed")
        }
        var policy = UserDataOverridePolicy.allowOverride
        if let rawPolicy {
            guard let p = UserDataOverridePolicy(caseInsensitive: rawPolicy) else {
                throw CloudError.invalidParameter("Invalid userdatapolicy \(rawPolicy): use \(UserDataOverridePolicy.allowedValues)")
            }
            policy = p
        }
        let chosen = policy
        let (template, userData) = try await db.transaction { sql -> (Template, UserData?) in
            guard let t = try await TemplateRepository.find(sql, uuid: targetID) else {
                throw CloudError.invalidParameter("unable to find template/ISO with id \(targetID.uuidString.lowercased())")
            }
            try await Ownership.checkAccess(sql, caller: caller, accountID: t.accountID, domainID: t.domainID, resource: "\(t.isISO ? "ISO" : "template") \(t.name)")
            guard let userDataID else {
                try await UserDataRepository.unlink(sql, templateID: t.id)
                return (t, nil)
            }
            guard let u = try await UserDataRepository.find(sql, uuid: userDataID) else {
                throw CloudError.invalidParameter("Unable to find userdata with id \(userDataID.uuidString.lowercased())")
            }
            try await Ownership.checkAccess(sql, caller: caller, accountID: u.accountID, domainID: u.domainID, resource: "user data \(u.name)")
            try await UserDataRepository.link(sql, TemplateUserDataLink(templateID: t.id, userDataID: u.id, policy: chosen))
            return (t, u)
        }
        let views = try await templates.views(of: template, zoneID: nil)
        return LinkedTemplateView(templates: views, userData: userData, policy: userData == nil ? nil : policy)
    }

    static func view(_ sql: any SQLDatabase, _ u: UserData) async throws -> UserDataView {
        UserDataView(userData: u, account: try await AccountRepository.find(sql, id: u.accountID), domain: try await DomainRepository.find(sql, id: u.domainID))
    }
}
