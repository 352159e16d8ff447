import CirrusModel

extension Settings {
    public static let allowUserExpungeRecoverVolume = ConfigDefinition("allow.user.expunge.recover.volume", category: "Advanced", type: .boolean, default: "true",
        description: "Whether users (not only admins) may expunge and recover their volumes", scopes: [.account])

    /// The settings of volumes.
    static let volumes: [ConfigDefinition] = [allowUserExpungeRecoverVolume]
}
