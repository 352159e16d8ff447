import CirrusModel

extension Settings {
    static func snapshotMax(_ interval: String, _ what: String) -> ConfigDefinition {
        ConfigDefinition("snapshot.max.\(interval)", category: "Snapshots", type: .integer, default: "8",
                         description: "The most \(what) snapshots a policy may keep (its maxsnaps)", range: 1...1000)
    }

    public static let snapshotMaxHourly = snapshotMax("hourly", "hourly")
    public static let snapshotMaxDaily = snapshotMax("daily", "daily")
    public static let snapshotMaxWeekly = snapshotMax("weekly", "weekly")
    public static let snapshotMaxMonthly = snapshotMax("monthly", "monthly")
    public static let snapshotPollInterval = ConfigDefinition("snapshot.poll.interval", category: "Snapshots", type: .integer, default: "300",
        description: "Seconds between checks for due snapshot policies", range: 1...86_400)
    public static let backupSnapshotWait = ConfigDefinition("backup.snapshot.wait", category: "Storage", type: .integer, default: "21600",
        description: "Seconds to wait for a host to take and back up a snapshot", range: 1...604_800)
    public static let createVolumeFromSnapshotWait = ConfigDefinition("create.volume.from.snapshot.wait", category: "Storage", type: .integer, default: "10800",
        description: "Seconds to wait for a host to create a volume from a snapshot", range: 1...604_800)
    public static let createPrivateTemplateFromSnapshotWait = ConfigDefinition("create.private.template.from.snapshot.wait", category: "Storage", type: .integer,
        default: "10800", description: "Seconds to wait for a host to create a template from a snapshot", range: 1...604_800)
    public static let createPrivateTemplateFromVolumeWait = ConfigDefinition("create.private.template.from.volume.wait", category: "Storage", type: .integer,
        default: "10800", description: "Seconds to wait for a host to create a template from a volume", range: 1...604_800)

    /// The snapshot settings.
    static let snapshots: [ConfigDefinition] = [snapshotMaxHourly, snapshotMaxDaily, snapshotMaxWeekly, snapshotMaxMonthly, snapshotPollInterval,
                                                backupSnapshotWait, createVolumeFromSnapshotWait, createPrivateTemplateFromSnapshotWait,
                                                createPrivateTemplateFromVolumeWait]

    /// `snapshot.max.<interval>`.
    static func snapshotMax(for interval: SnapshotIntervalType) -> ConfigDefinition {
        switch interval {
        case .hourly: snapshotMaxHourly
        case .daily: snapshotMaxDaily
        case .weekly: snapshotMaxWeekly
        case .monthly: snapshotMaxMonthly
        }
    }
}
