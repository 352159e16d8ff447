import CirrusModel

extension Settings {
    public static let templateDownloadIdleTimeout = ConfigDefinition("template.download.idle.timeout", category: "Storage", type: .integer, default: "60",
        description: "Seconds a template or ISO download may go without receiving data before it fails", range: 1...86_400)
    public static let maxTemplateSize = ConfigDefinition("max.template.iso.size", category: "Storage", type: .integer, default: "50",
        description: "The largest template or ISO, in GB, that may be registered", range: 1...100_000)

    public static let extractURLExpiration = ConfigDefinition("extract.url.expiration.interval", category: "Advanced", type: .integer, default: "14400",
        description: "Seconds an extractTemplate or extractIso download URL stays valid", range: 60...31_536_000)

    /// The settings of templates and ISOs.
    static let templates: [ConfigDefinition] = [templateDownloadIdleTimeout, maxTemplateSize, extractURLExpiration]
}
