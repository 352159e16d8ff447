import CirrusEngine
import CirrusModel
import Foundation

/// Response shapes of the identity, role, job, event and configuration objects, declared
/// once for rendering, `listApis` and OpenAPI.
enum Schemas {
    static func id(_ uuid: UUID) -> String { uuid.lowercasedString }

    static let domain = ResponseSchema<DomainView>(objectName: "domain", fields: [
        .string("id", "the ID of the domain") { id($0.domain.uuid) },
        .string("name", "the name of the domain") { $0.domain.name },
        .integer("level", "the depth of the domain in the tree; ROOT is 0") { $0.domain.level },
        .string("parentdomainid", "the ID of the parent domain") { $0.parent.map { id($0.uuid) } },
        .string("parentdomainname", "the name of the parent domain") { $0.parent?.name },
        .bool("haschild", "whether the domain has sub-domains") { $0.hasChild },
        .string("networkdomain", "the network domain of the domain") { $0.domain.networkDomain },
        .string("path", "the path of the domain, such as ROOT/a/b") { $0.domain.displayPath },
        .string("state", "the state of the domain") { $0.domain.state.rawValue },
        .date("created", "when the domain was created") { $0.domain.created },
    ])

    static let user = ResponseSchema<UserView>(objectName: "user", fields: [
        .string("id", "the ID of the user") { id($0.user.uuid) },
        .string("username", "the login name of the user") { $0.user.username },
        .string("firstname", "the first name of the user") { $0.user.firstName },
        .string("lastname", "the last name of the user") { $0.user.lastName },
        .string("email", "the e-mail address of the user") { $0.user.email },
        .date("created", "when the user was created") { $0.user.created },
        .string("state", "the state of the user: enabled, disabled or locked") { $0.user.state.rawValue },
        .string("account", "the name of the user's account") { $0.account.name },
        .integer("accounttype", "the type of the user's account") { $0.account.type.rawValue },
        .string("usersource", "where the user is authenticated") { $0.user.source },
        .string("roleid", "the ID of the account's role") { id($0.role.uuid) },
        .string("roletype", "the type of the account's role") { $0.role.type.rawValue },
        .string("rolename", "the name of the account's role") { $0.role.name },
        .string("domainid", "the ID of the user's domain") { id($0.domain.uuid) },
        .string("domain", "the name of the user's domain") { $0.domain.name },
        .string("domainpath", "the path of the user's domain") { $0.domain.displayPath },
        .string("timezone", "the time zone of the user") { $0.user.timezone },
        .string("apikey", "the API key of the user") { $0.showSecret ? $0.user.apiKey : nil },
        .string("secretkey", "the secret key of the user") { $0.showSecret ? $0.user.secretKey : nil },
        .string("accountid", "the ID of the user's account") { id($0.account.uuid) },
        .bool("isdefault", "whether this is a default user created at installation") { $0.user.isDefault },
        .bool("is2faenabled", "whether two-factor authentication is enabled") { _ in false },
        .bool("is2famandated", "whether two-factor authentication is required") { _ in false },
    ])

    static let account = ResponseSchema<AccountView>(objectName: "account", fields: [
        .string("id", "the ID of the account") { id($0.account.uuid) },
        .string("name", "the name of the account") { $0.account.name },
        .integer("accounttype", "the type of the account: 0 user, 1 root admin, 2 domain admin, 4 read-only admin") { $0.account.type.rawValue },
        .string("roleid", "the ID of the account's role") { id($0.role.uuid) },
        .string("roletype", "the type of the account's role") { $0.role.type.rawValue },
        .string("rolename", "the name of the account's role") { $0.role.name },
        .string("domainid", "the ID of the account's domain") { id($0.domain.uuid) },
        .string("domain", "the name of the account's domain") { $0.domain.name },
        .string("domainpath", "the path of the account's domain") { $0.domain.displayPath },
        .string("state", "the state of the account: enabled, disabled or locked") { $0.account.state.rawValue },
        .date("created", "when the account was created") { $0.account.created },
        .string("networkdomain", "the network domain of the account") { $0.account.networkDomain },
        .bool("isdefault", "whether this is a default account created at installation") { $0.account.isDefault },
        .list("user", "the users of the account", schema: user) { $0.users },
    ])

    static let role = ResponseSchema<Role>(objectName: "role", fields: [
        .string("id", "the ID of the role") { id($0.uuid) },
        .string("name", "the name of the role") { $0.name },
        .string("type", "the type of the role") { $0.type.rawValue },
        .string("description", "the description of the role") { $0.description },
        .bool("isdefault", "whether the role is one of the four built-in roles") { $0.isDefault },
        .bool("ispublic", "whether the role is visible to every domain admin") { $0.isPublic },
    ])

    static let rolePermission = ResponseSchema<(RolePermission, Role)>(objectName: "rolepermission", fields: [
        .string("id", "the ID of the rule") { id($0.0.uuid) },
        .string("roleid", "the ID of the role the rule belongs to") { id($0.1.uuid) },
        .string("rolename", "the name of the role the rule belongs to") { $0.1.name },
        .string("rule", "the API name or wildcard pattern") { $0.0.rule.pattern },
        .string("permission", "allow or deny") { $0.0.permission.rawValue },
        .string("description", "the description of the rule") { $0.0.description },
    ])

    static let event = ResponseSchema<EventView>(objectName: "event", fields: [
        .string("id", "the ID of the event") { id($0.event.uuid) },
        .string("username", "the user who caused the event") { $0.username },
        .string("type", "the event type, such as USER.LOGIN") { $0.event.type },
        .string("level", "INFO, WARN or ERROR") { $0.event.level.rawValue },
        .string("description", "what happened") { $0.event.description },
        .string("account", "the account of the user who caused the event") { $0.accountName },
        .string("domainid", "the ID of that account's domain") { $0.domain.map { id($0.uuid) } },
        .string("domain", "the name of that account's domain") { $0.domain?.name },
        .string("domainpath", "the path of that account's domain") { $0.domain?.displayPath },
        .string("resourceid", "the ID of the resource the event is about") { $0.event.resourceUUID },
        .string("resourcetype", "the type of the resource the event is about") { $0.event.resourceType },
        .string("resourcename", "the name of the resource the event is about") { $0.event.resourceName },
        .date("created", "when the event was recorded") { $0.event.created },
        .string("state", "Created, Scheduled, Started or Completed") { $0.event.state.rawValue },
        .string("parentid", "the ID of the Scheduled event this one continues") { $0.parentUUID },
        .bool("archived", "whether the event is archived") { $0.event.archived },
    ])

    static let configuration = ResponseSchema<ConfigEntry>(objectName: "configuration", fields: [
        .string("category", "the category of the setting") { $0.definition.category },
        .string("name", "the name of the setting") { $0.definition.name },
        .string("value", "the value in force at the listed scope") { $0.value },
        .string("defaultvalue", "the value when nothing is set") { $0.definition.defaultValue },
        .string("scope", "the narrowest scope the setting can be set at") { $0.definition.reportedScope.rawValue },
        .string("description", "what the setting does") { $0.definition.description },
        .bool("isdynamic", "whether a change applies without a restart") { $0.definition.isDynamic },
        .string("component", "the component that reads the setting") { $0.definition.component },
        .string("type", "the value type") { $0.definition.type.rawValue },
        .string("options", "the allowed values, when restricted") { $0.definition.options?.joined(separator: ",") },
    ])

    static let job = ResponseSchema<JobView>(objectName: "asyncjobs", fields: [
        .string("accountid", "the ID of the account that submitted the job") { $0.account.map { id($0.uuid) } },
        .string("account", "the name of that account") { $0.account?.name },
        .string("domainid", "the ID of that account's domain") { $0.domain.map { id($0.uuid) } },
        .string("domainpath", "the path of that account's domain") { $0.domain?.displayPath },
        .string("userid", "the ID of the user who submitted the job") { $0.user.map { id($0.uuid) } },
        .string("cmd", "the command the job runs") { $0.job.command },
        .integer("jobstatus", "0 pending, 1 succeeded, 2 failed") { $0.job.state.apiStatus },
        .integer("jobprocstatus", "progress of the job") { $0.job.processStatus },
        .integer("jobresultcode", "0, or the error code of a failed job") { $0.job.resultCode },
        .string("jobresulttype", "object once the job has a result") { $0.job.state.isTerminal ? "object" : nil },
        ResponseField("jobresult", "the result of the job", type: .responseObject) { v in
            guard v.job.state.isTerminal, let text = v.job.result else { return nil }
            return ResponseNode.parse(json: text)
        },
        .string("jobinstancetype", "the type of the resource the job works on") { $0.job.instanceType },
        .string("jobinstanceid", "the ID of the resource the job works on") { $0.job.instanceUUID },
        .date("created", "when the job was submitted") { $0.job.created },
        .date("completed", "when the job finished") { $0.job.completed },
        .string("jobid", "the ID of the job") { id($0.job.uuid) },
    ])
}

/// A job with its owners, for rendering.
struct JobView: Sendable {
    var job: AsyncJob
    var account: Account?
    var domain: Domain?
    var user: User?
}

/// An event with names resolved, for rendering.
struct EventView: Sendable {
    var event: Event
    var username: String?
    var accountName: String?
    var domain: Domain?
    var parentUUID: String?
}
