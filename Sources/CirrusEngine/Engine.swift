import CirrusModel
import CirrusStore
import Foundation
import Logging

/// The services of one management server, wired to one database.
public final class Engine: Sendable {
    public let db: any Database
    public let config: ConfigService
    /// Callers by API key and role rules, invalidated by the identity generation.
    public let identityCache: IdentityCache
    public let events: EventService
    public let identity: IdentityService
    public let roles: RoleService
    public let offerings: OfferingService
    public let sessions: SessionService
    public let templates: TemplateService
    public let runner: JobRunner
    public let jobs: JobService
    public let alerts: AlertService
    public let capacity: CapacityService
    /// Zones, physical networks, pods, clusters, storage, image stores and public IP ranges.
    public let infrastructure: InfrastructureService
    public let agents: AgentManager
    public let hosts: HostService
    public let simulator: SimulatorService
    /// Host and pool choice for instances, over an in-memory snapshot.
    public let placement: PlacementService
    public let dedications: DedicationService
    /// Instances: deploy, start, stop, destroy, expunge.
    public let networks: GuestNetworkService
    public let routers: RouterService
    /// Public addresses of guest networks and their rules (static NAT, port forwarding, firewall, load balancing).
    public let publicIPs: PublicIPService
    /// VPCs, their network ACLs, private gateways and static routes.
    public let vpcs: VPCService
    /// Site-to-site VPN (VPN gateways, customer gateways, connections) and remote access VPN with VPN users.
    public let vpns: VPNService
    public let instances: InstanceService
    public let volumes: VolumeService
    /// Volume snapshots, snapshot policies and their scheduler.
    public let snapshots: SnapshotService
    /// Instance snapshots.
    public let vmSnapshots: VMSnapshotService
    /// SSH key pairs, managed user data and affinity groups.
    public let keyPairs: KeyPairService
    public let userData: UserDataService
    public let affinityGroups: AffinityGroupService
    /// Security groups, their rules and the rule sets pushed to instances' hosts.
    public let securityGroups: SecurityGroupService
    /// Resource tags (createTags, deleteTags, listTags).
    public let tags: TagService
    /// Resource limits and counts per account and domain.
    public let limits: ResourceLimitService
    /// Usage events for the usage server.
    public let usage: UsageService
    /// This process's id among management servers (job ownership, leases).
    public let serverID: String
    public let logger: Logger

    public init(db: any Database, serverID: String = UUID().uuidString.lowercased(), jobWorkers: Int = 8, passwordIterations: Int = 100_000,
                dataDirectory: String? = nil, logger: Logger) {
        self.db = db
        self.serverID = serverID
        self.logger = logger
        config = ConfigService(db: db)
        identityCache = IdentityCache(db: db)
        events = EventService(db: db)
        identity = IdentityService(db: db, hasher: PasswordHasher(iterations: passwordIterations), events: events, config: config, cache: identityCache, logger: logger)
        roles = RoleService(db: db, events: events, cache: identityCache)
        offerings = OfferingService(db: db, events: events, config: config)
        sessions = SessionService(db: db, config: config)
        templates = TemplateService(db: db, events: events, config: config, identity: identity, serverID: serverID, logger: logger)
        runner = JobRunner(db: db, config: config, serverID: serverID, workers: jobWorkers, logger: logger)
        jobs = JobService(db: db, runner: runner, events: events)
        alerts = AlertService(db: db, logger: logger)
        capacity = CapacityService(db: db, config: config, alerts: alerts, logger: logger)
        infrastructure = InfrastructureService(db: db, events: events, config: config, dataDirectory: dataDirectory)
        agents = AgentManager(db: db, config: config, events: events, alerts: alerts, serverID: serverID, logger: logger)
        hosts = HostService(db: db, agents: agents, config: config, logger: logger)
        simulator = SimulatorService(db: db)
        keyPairs = KeyPairService(db: db, events: events, config: config)
        userData = UserDataService(db: db, events: events, config: config, templates: templates)
        affinityGroups = AffinityGroupService(db: db, events: events)
        tags = TagService(db: db, identity: identity)
        limits = ResourceLimitService(db: db, config: config)
        usage = UsageService(db: db)
        placement = PlacementService(db: db, config: config, logger: logger)
        dedications = DedicationService(db: db, events: events, placement: placement)
        volumes = VolumeService(db: db, config: config, events: events, agents: agents, placement: placement, limits: limits, usage: usage, logger: logger)
        networks = GuestNetworkService(db: db, config: config, events: events, limits: limits, usage: usage, logger: logger)
        routers = RouterService(db: db, config: config, events: events, agents: agents, logger: logger)
        networks.routerPusher.withLock { [routers] slot in slot = { networkID in await routers.pushNetwork(networkID: networkID) } }
        publicIPs = PublicIPService(db: db, events: events, networks: networks)
        vpcs = VPCService(db: db, config: config, events: events, limits: limits, networks: networks, routers: routers, logger: logger)
        vpns = VPNService(db: db, config: config, events: events, routers: routers, logger: logger)
        instances = InstanceService(db: db, config: config, events: events, alerts: alerts, agents: agents, placement: placement, identity: identity,
                                    limits: limits, usage: usage, userData: userData, volumes: volumes,
                                    dedications: dedications, networks: networks, logger: logger)
        snapshots = SnapshotService(db: db, config: config, events: events, agents: agents, instances: instances, limits: limits, usage: usage, logger: logger)
        vmSnapshots = VMSnapshotService(db: db, events: events, agents: agents, instances: instances, usage: usage, logger: logger)
        securityGroups = SecurityGroupService(db: db, events: events, agents: agents, config: config, logger: logger)
        instances.securityGroupPusher.withLock { [securityGroups] slot in slot = { id in await securityGroups.instanceChanged(instanceID: id) } }
        instances.attachToAgents()
    }

    /// Migrates the schema and seeds a fresh database. Safe to call on every start.
    public func prepare(adminPassword: String?) async throws {
        _ = try await Migrator(migrations: Schema.migrations).migrate(db, logger: logger)
        try await Bootstrap.seed(db: db, hasher: identity.hasher, adminPassword: adminPassword, logger: logger)
        try await offerings.seedDefaults()
        try await templates.prepare()
    }
}
