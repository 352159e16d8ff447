import CirrusEngine
import CirrusModel
import Foundation

/// Response shapes of virtual routers.
extension Schemas {
    static let routerHealthCheck = ResponseSchema<RouterHealthCheck>(objectName: "healthcheck", fields: [
        .string("checkname", "the name of the check") { $0.checkName },
        .string("checktype", "basic or advanced") { $0.checkType },
        .bool("success", "whether the check passed") { $0.success },
        .date("lastupdated", "when the check ran") { $0.lastUpdated },
        .string("details", "what the check found") { $0.details },
    ])

    /// CloudStack's `DomainRouterResponse`.
    static let router = ResponseSchema<RouterView>(objectName: "router", fields: [
        .string("id", "the ID of the router") { id($0.router.uuid) },
        .string("name", "the name of the router") { $0.router.name },
        .string("zoneid", "the ID of the zone") { $0.zone.map { id($0.uuid) } },
        .string("zonename", "the name of the zone") { $0.zone?.name },
        .string("dns1", "the first DNS server") { $0.network?.dns1 ?? $0.zone?.dns1 },
        .string("dns2", "the second DNS server") { $0.network?.dns2 ?? $0.zone?.dns2 },
        .string("networkdomain", "the DNS domain of its network") { $0.network?.networkDomain },
        .string("gateway", "the gateway of its network") { $0.network?.gateway },
        .string("hostid", "the ID of the host it runs on") { $0.host.map { id($0.uuid) } },
        .string("hostname", "the name of the host it runs on") { $0.host?.name },
        .string("hypervisor", "the hypervisor of its host") { $0.host?.hypervisorType.rawValue },
        .string("linklocalip", "its control (link-local) address") { $0.router.linkLocalIP },
        .string("linklocalnetmask", "the netmask of its control address") { $0.router.linkLocalIP == nil ? nil : "255.255.0.0" },
        .string("publicip", "its source NAT address") { $0.router.publicIP },
        .string("guestipaddress", "its address on the guest network") { $0.router.guestIP },
        .string("guestmacaddress", "its MAC on the guest network") { $0.nics.first?.nic.macAddress },
        .string("guestnetmask", "the netmask of its guest address") { $0.nics.first?.nic.netmask },
        .string("guestnetworkid", "the ID of its guest network") { $0.network.map { id($0.uuid) } },
        .string("guestnetworkname", "the name of its guest network") { $0.network?.name },
        .date("created", "when the router was made") { $0.router.created },
        .string("state", "Running, Stopped, …") { $0.router.state.rawValue },
        .string("account", "the owner account") { $0.account?.name },
        .string("domainid", "the ID of the owner's domain") { $0.domain.map { id($0.uuid) } },
        .string("domain", "the name of the owner's domain") { $0.domain?.name },
        .string("serviceofferingid", "the ID of its system offering") { $0.serviceOffering.map { id($0.uuid) } },
        .string("serviceofferingname", "the name of its system offering") { $0.serviceOffering?.name },
        .bool("isredundantrouter", "whether it is one of a redundant pair") { $0.router.isRedundant },
        .string("redundantstate", "PRIMARY, BACKUP, FAULT or UNKNOWN") { $0.router.redundantState.rawValue },
        .string("version", "the version of its system template") { $0.router.templateVersion },
        .string("softwareversion", "the version of its scripts (raised by live patching)") { $0.router.softwareVersion },
        .string("scriptsversion", "the version of its scripts") { $0.router.softwareVersion },
        .string("vpcid", "the ID of its VPC") { $0.vpc.map { id($0.uuid) } },
        .string("vpcname", "the name of its VPC") { $0.vpc?.name },
        .string("role", "VIRTUAL_ROUTER") { _ in "VIRTUAL_ROUTER" },
        .list("nic", "its NICs", schema: nic) { $0.nics },
        .bool("requiresupgrade", "whether its template is older than routers must run") { $0.requiresUpgrade },
        .bool("healthchecksfailed", "whether a health check failed last time") { $0.healthChecks.contains { !$0.success } },
        .list("healthcheckresults", "the last health-check results", schema: routerHealthCheck) { $0.healthChecks },
        .bool("hasannotations", "whether the router has annotations") { _ in false },
    ])
}
