import CirrusModel

/// The settings Cirrus declares. Each is declared once here; `listConfigurations` shows
/// them all and ``ConfigService`` resolves their values.
public enum Settings {
    public static let defaultPageSize = ConfigDefinition("default.page.size", category: "Advanced", type: .long, default: "500",
        description: "The largest page a list command returns, and the page size when none is asked for", range: 1...100_000)
    public static let sessionTimeout = ConfigDefinition("session.timeout", category: "Advanced", type: .integer, default: "1800",
        description: "Seconds of inactivity after which a login session ends", range: 60...604_800)
    public static let sessionKeyCheck = ConfigDefinition("api.sessionkey.check.locations", category: "Advanced", type: .string, default: "CookieAndParameter",
        description: "Where a session key must be presented: CookieAndParameter, CookieOrParameter or ParameterOnly",
        options: ["CookieAndParameter", "CookieOrParameter", "ParameterOnly"])
    public static let jobExpireMinutes = ConfigDefinition("job.expire.minutes", category: "Advanced", type: .long, default: "1440",
        description: "Minutes a finished job is kept before it is purged", range: 1...525_600)
    public static let jobWorkers = ConfigDefinition("job.workers", category: "Advanced", type: .integer, default: "8",
        description: "Async jobs one management server runs at the same time", isDynamic: false, range: 1...256)
    public static let eventPurgeDelay = ConfigDefinition("event.purge.delay", category: "Advanced", type: .integer, default: "15",
        description: "Days after which events are deleted; 0 keeps them forever", range: 0...36_500)
    public static let eventPurgeInterval = ConfigDefinition("event.purge.interval", category: "Advanced", type: .integer, default: "86400",
        description: "Seconds between runs of the event purge", range: 60...31_536_000)
    public static let enforcePostRequestsAndTimestamps = ConfigDefinition("enforce.post.requests.and.timestamps", category: "Advanced", type: .boolean, default: "false",
        description: "Require signatureVersion 3 with an expires no more than 15 minutes ahead on every API-key request")
    public static let apiKeyAccess = ConfigDefinition("api.key.access", category: "Advanced", type: .boolean, default: "true",
        description: "Allow API-key access; can be switched off per domain or account", scopes: [.domain, .account])
    public static let customDiskOfferingMinSize = ConfigDefinition("custom.diskoffering.size.min", category: "Advanced", type: .long, default: "1",
        description: "The smallest size (GB) of a volume from a customized disk offering, and of a fixed disk offering", range: 1...1_048_576)
    public static let customDiskOfferingMaxSize = ConfigDefinition("custom.diskoffering.size.max", category: "Advanced", type: .long, default: "1024",
        description: "The largest size (GB) of a volume from a customized disk offering, and of a fixed disk offering", range: 1...1_048_576)

    /// Every declared setting, by name.
    public static let all: [ConfigDefinition] = ([
        defaultPageSize, sessionTimeout, sessionKeyCheck, jobExpireMinutes, jobWorkers, eventPurgeDelay, eventPurgeInterval,
        enforcePostRequestsAndTimestamps, apiKeyAccess, customDiskOfferingMinSize, customDiskOfferingMaxSize,
    ] + capacity + templates + agents + limits + compute + instances + volumes + snapshots + networks + securityGroups + vpns).sorted { $0.name < $1.name }
}
