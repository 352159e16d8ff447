import Foundation

/// The disk image format of a template (`format`); ISOs have the format `ISO`.
public enum TemplateFormat: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case qcow2 = "QCOW2"
    case raw = "RAW"
    case vhd = "VHD"
    case ova = "OVA"
    case iso = "ISO"

    /// The file name extension of a stored image.
    public var fileExtension: String { rawValue.lowercased() }
}

/// CloudStack's `Storage.TemplateType`.
public enum TemplateType: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case user = "USER"
    case builtIn = "BUILTIN"
    case system = "SYSTEM"
    case routing = "ROUTING"
    case perHost = "PERHOST"
}

/// CloudStack's `VMTemplateStorageResourceAssoc.Status`: the download state of a template
/// on one image store.
public enum TemplateDownloadState: String, Sendable, Codable, CaseIterable {
    case unknown = "UNKNOWN"
    case downloadError = "DOWNLOAD_ERROR"
    case notDownloaded = "NOT_DOWNLOADED"
    case downloadInProgress = "DOWNLOAD_IN_PROGRESS"
    case downloaded = "DOWNLOADED"
    case abandoned = "ABANDONED"
    case uploaded = "UPLOADED"
    case notUploaded = "NOT_UPLOADED"
    case uploadError = "UPLOAD_ERROR"
    case uploadInProgress = "UPLOAD_IN_PROGRESS"
    case creating = "CREATING"
    case created = "CREATED"
    case bypassed = "BYPASSED"

    /// Still to finish: NOT_DOWNLOADED and DOWNLOAD_IN_PROGRESS.
    public var isPending: Bool { self == .notDownloaded || self == .downloadInProgress }
}

/// A template or ISO (CloudStack's `vm_template` row). ISOs are templates whose format is ISO.
public struct Template: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var name: String
    public var displayText: String
    public var format: TemplateFormat
    public var type: TemplateType
    /// `KVM`, `Simulator`…; nil for ISOs, which suit every hypervisor.
    public var hypervisor: String?
    public var osTypeID: Int64
    public var accountID: Int64
    public var domainID: Int64
    /// Where it was registered from.
    public var url: String?
    /// The checksum as given, such as `{SHA-256}ab12…` or a bare MD5.
    public var checksum: String?
    public var isPublic: Bool
    public var isFeatured: Bool
    public var isExtractable: Bool
    public var passwordEnabled: Bool
    public var sshKeyEnabled: Bool
    public var requiresHVM: Bool
    public var bootable: Bool
    /// Registered for every zone (`zoneid=-1`).
    public var crossZones: Bool
    public var isDynamicallyScalable: Bool
    public var bits: Int
    public var sortKey: Int
    public var templateTag: String?
    public var sourceTemplateID: Int64?
    public var created: Date
    public var removed: Date?

    public init(id: Int64, uuid: UUID, name: String, displayText: String, format: TemplateFormat, type: TemplateType, hypervisor: String?, osTypeID: Int64,
                accountID: Int64, domainID: Int64, url: String?, checksum: String?, isPublic: Bool, isFeatured: Bool, isExtractable: Bool,
                passwordEnabled: Bool, sshKeyEnabled: Bool = false, requiresHVM: Bool, bootable: Bool, crossZones: Bool, isDynamicallyScalable: Bool = false,
                bits: Int = 64, sortKey: Int = 0, templateTag: String? = nil, sourceTemplateID: Int64? = nil, created: Date, removed: Date? = nil) {
        self.id = id; self.uuid = uuid; self.name = name; self.displayText = displayText; self.format = format; self.type = type
        self.hypervisor = hypervisor; self.osTypeID = osTypeID; self.accountID = accountID; self.domainID = domainID; self.url = url
        self.checksum = checksum; self.isPublic = isPublic; self.isFeatured = isFeatured; self.isExtractable = isExtractable
        self.passwordEnabled = passwordEnabled; self.sshKeyEnabled = sshKeyEnabled; self.requiresHVM = requiresHVM; self.bootable = bootable
        self.crossZones = crossZones; self.isDynamicallyScalable = isDynamicallyScalable; self.bits = bits; self.sortKey = sortKey
        self.templateTag = templateTag; self.sourceTemplateID = sourceTemplateID; self.created = created; self.removed = removed
    }

    public var isISO: Bool { format == .iso }

    /// `Template` or `ISO`, for messages and event resources.
    public var kind: String { isISO ? "ISO" : "Template" }
}

/// A template on one image store (CloudStack's `template_store_ref`).
public struct TemplateStoreRef: Sendable, Equatable {
    public var id: Int64
    public var templateID: Int64
    public var storeID: Int64
    public var zoneID: Int64?
    public var state: TemplateDownloadState
    public var downloadPercent: Int
    /// The virtual size in bytes (what a volume made from it needs).
    public var size: Int64
    /// The file's size in bytes.
    public var physicalSize: Int64
    /// Relative to the store's root: `template/tmpl/<accountId>/<templateId>/<uuid>.<ext>`.
    public var installPath: String?
    /// Why the download failed.
    public var error: String?
    /// The management server running the download.
    public var ownerServer: String?
    /// Last state or progress change: the download's heartbeat.
    public var updated: Date
    public var created: Date

    public init(id: Int64, templateID: Int64, storeID: Int64, zoneID: Int64?, state: TemplateDownloadState, downloadPercent: Int = 0, size: Int64 = 0,
                physicalSize: Int64 = 0, installPath: String? = nil, error: String? = nil, ownerServer: String? = nil, updated: Date, created: Date) {
        self.id = id; self.templateID = templateID; self.storeID = storeID; self.zoneID = zoneID; self.state = state
        self.downloadPercent = downloadPercent; self.size = size; self.physicalSize = physicalSize; self.installPath = installPath
        self.error = error; self.ownerServer = ownerServer; self.updated = updated; self.created = created
    }

    /// The `status` text listTemplates shows for this copy, worded as CloudStack words it.
    public var statusText: String {
        switch state {
        case .downloaded: return "Download Complete"
        case .downloadInProgress: return downloadPercent >= 100 ? "Installing Template" : "\(downloadPercent)% Downloaded"
        case .bypassed: return "Bypassed Secondary Storage"
        default:
            if let error, !error.isEmpty { return error.trimmingCharacters(in: .whitespacesAndNewlines) }
            return state == .notDownloaded ? "Processing" : state.rawValue
        }
    }

    /// Which copy of a zone speaks for it in a listing: a ready one, else one in progress,
    /// else the most recently changed.
    public static func representative(_ refs: [TemplateStoreRef]) -> TemplateStoreRef? {
        func rank(_ r: TemplateStoreRef) -> Int {
            switch r.state {
            case .downloaded: 3
            case .downloadInProgress: 2
            case .notDownloaded: 1
            default: 0
            }
        }
        return refs.max { a, b in rank(a) != rank(b) ? rank(a) < rank(b) : a.updated < b.updated }
    }
}

/// A template checksum as CloudStack accepts it: `{ALGORITHM}hex`, or bare hex taken as MD5.
public struct TemplateChecksum: Sendable, Equatable {
    public enum Algorithm: String, Sendable, CaseIterable {
        case md5 = "MD5"
        case sha1 = "SHA-1"
        case sha256 = "SHA-256"
        case sha384 = "SHA-384"
        case sha512 = "SHA-512"

        /// Hex digits in a digest of this algorithm.
        public var hexLength: Int {
            switch self {
            case .md5: 32
            case .sha1: 40
            case .sha256: 64
            case .sha384: 96
            case .sha512: 128
            }
        }
    }

    public var algorithm: Algorithm
    /// Lower-case hex digest.
    public var hex: String

    public init(algorithm: Algorithm, hex: String) {
        self.algorithm = algorithm
        self.hex = hex.lowercased()
    }

    /// Parses `{SHA-256}abc…`, `{sha256}abc…` or a bare hex string (MD5, or the algorithm its
    /// length implies); nil when it is none of these.
    public init?(parsing raw: String) {
        let text = raw.trimmingCharacters(in: .whitespaces)
        var algorithm: Algorithm?
        var digest = Substring(text)
        if text.hasPrefix("{") {
            guard let close = text.firstIndex(of: "}") else { return nil }
            let name = text[text.index(after: text.startIndex)..<close].uppercased().replacingOccurrences(of: "-", with: "")
            guard let a = Algorithm.allCases.first(where: { $0.rawValue.replacingOccurrences(of: "-", with: "") == name }) else { return nil }
            algorithm = a
            digest = text[text.index(after: close)...]
        }
        let hex = digest.lowercased()
        guard !hex.isEmpty, hex.allSatisfy({ $0.isHexDigit }) else { return nil }
        if algorithm == nil { algorithm = Algorithm.allCases.first { $0.hexLength == hex.count } }
        guard let algorithm, hex.count == algorithm.hexLength else { return nil }
        self.init(algorithm: algorithm, hex: hex)
    }

    /// The canonical stored form: `{SHA-256}abc…`.
    public var canonical: String { "{\(algorithm.rawValue)}\(hex)" }
}

/// Which templates `listTemplates` returns (`templatefilter`; `isofilter` for ISOs).
public enum TemplateFilter: String, Sendable, CaseIterable, CaseInsensitiveEnum {
    /// Featured templates, ready to use.
    case featured
    /// Templates owned by the caller (an admin: by the accounts of the listing scope).
    case own = "self"
    /// Owned and ready.
    case selfExecutable = "selfexecutable"
    /// Shared with the caller's account by launch permission, and ready.
    case sharedExecutable = "sharedexecutable"
    /// Everything the caller can launch: featured, public, own and shared, ready.
    case executable
    /// Public templates that are not featured, ready.
    case community
    /// Everything (admins only).
    case all

    /// Whether only admins may use this filter.
    public var isAdminOnly: Bool { self == .all }

    /// Who is looking.
    public struct Audience: Sendable {
        public var accountID: Int64
        public var isRootAdmin: Bool
        public var isAdmin: Bool
        /// The accounts whose templates count as "own": the caller's account, or for an admin the
        /// listing scope (`account`, `domainid`, `listall`).
        public var scope: ListScope

        public init(accountID: Int64, isRootAdmin: Bool, isAdmin: Bool, scope: ListScope) {
            self.accountID = accountID
            self.isRootAdmin = isRootAdmin
            self.isAdmin = isAdmin
            self.scope = scope
        }
    }

    /// What the filter needs to know about one template (in one zone, when listing by zone).
    public struct Facts: Sendable {
        public var ownerAccountID: Int64
        public var ownerDomainID: Int64
        public var ownerDomainPath: String
        public var isPublic: Bool
        public var isFeatured: Bool
        /// Downloaded on at least one store (of the zone asked about).
        public var isReady: Bool
        /// The owner granted the caller's account a launch permission.
        public var isSharedWithCaller: Bool

        public init(ownerAccountID: Int64, ownerDomainID: Int64, ownerDomainPath: String, isPublic: Bool, isFeatured: Bool, isReady: Bool, isSharedWithCaller: Bool) {
            self.ownerAccountID = ownerAccountID
            self.ownerDomainID = ownerDomainID
            self.ownerDomainPath = ownerDomainPath
            self.isPublic = isPublic
            self.isFeatured = isFeatured
            self.isReady = isReady
            self.isSharedWithCaller = isSharedWithCaller
        }
    }

    /// Whether the owner of `t` falls inside `scope`.
    public static func owned(_ t: Facts, in scope: ListScope) -> Bool {
        switch scope {
        case .everything: true
        case .account(let id): t.ownerAccountID == id
        case .domain(let id): t.ownerDomainID == id
        case .domainTree(let path): t.ownerDomainPath.hasPrefix(path)
        }
    }

    /// CloudStack's meaning of each filter, as one pure rule.
    public func admits(_ t: Facts, audience: Audience) -> Bool {
        let own = Self.owned(t, in: audience.scope)
        switch self {
        case .featured: return t.isFeatured && t.isReady
        case .own: return own
        case .selfExecutable: return own && t.isReady
        case .sharedExecutable: return t.isSharedWithCaller && t.isReady
        case .executable: return t.isReady && (t.isFeatured || t.isPublic || own || t.isSharedWithCaller)
        case .community: return t.isPublic && !t.isFeatured && t.isReady
        case .all:
            guard audience.isAdmin else { return false }
            return audience.isRootAdmin || own || t.isPublic
        }
    }
}

/// An ISO filter value (`isofilter`) uses the same names as `templatefilter`.
public typealias ISOFilter = TemplateFilter
