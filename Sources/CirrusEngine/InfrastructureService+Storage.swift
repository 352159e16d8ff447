import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// A primary storage pool with its zone, pod and cluster, for responses.
public struct StoragePoolView: Sendable {
    public var pool: StoragePool
    public var zone: Zone?
    public var pod: Pod?
    public var cluster: Cluster?
    /// Bytes allocated to volumes on the pool.
    public var allocatedBytes: Int64
    public var overprovisionFactor: String
}

/// An image store with its zone, for responses.
public struct ImageStoreView: Sendable {
    public var store: ImageStore
    public var zone: Zone?
}

/// What `createStoragePool` takes.
public struct StoragePoolSpec: Sendable {
    public var zoneID: UUID
    public var podID: UUID?
    public var clusterID: UUID?
    public var name: String
    public var url: String
    public var tags: [String]
    public var provider: String?
    public var scope: String?
    public var managed: Bool?
    public var capacityIOPS: Int64?
    public var capacityBytes: Int64?
    public var hypervisor: String?

    public init(zoneID: UUID, podID: UUID?, clusterID: UUID?, name: String, url: String, tags: [String], provider: String?, scope: String?,
                managed: Bool?, capacityIOPS: Int64?, capacityBytes: Int64?, hypervisor: String?) {
        self.zoneID = zoneID; self.podID = podID; self.clusterID = clusterID; self.name = name; self.url = url; self.tags = tags
        self.provider = provider; self.scope = scope; self.managed = managed; self.capacityIOPS = capacityIOPS
        self.capacityBytes = capacityBytes; self.hypervisor = hypervisor
    }
}

/// The capacity the Simulator reports for a primary storage pool without `capacitybytes`
/// (CloudStack's simulator mocks pools of one tebibyte).
public let simulatorPoolCapacity: Int64 = 1 << 40

extension InfrastructureService {
    /// Splits a primary storage URL into type, host and path.
    static func parsePoolURL(_ raw: String) throws -> (type: StoragePoolType, host: String?, path: String) {
        guard let schemeEnd = raw.range(of: "://") else { throw CloudError.invalidParameter("\(raw) is not a valid uri") }
        let scheme = raw[..<schemeEnd.lowerBound].lowercased()
        let rest = String(raw[schemeEnd.upperBound...])
        switch scheme {
        case "nfs":
            guard let slash = rest.firstIndex(of: "/"), slash != rest.startIndex else {
                throw CloudError.invalidParameter("host or path is null, should be nfs://hostname/path")
            }
            // `nfs://server:/export` (an empty port, as Marvin's configs write it) and `server:2049` name the same server.
            let host = String(rest[..<slash].split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)[0])
            let path = String(rest[slash...])
            guard !host.isEmpty, path.count > 1 else { throw CloudError.invalidParameter("host or path is null, should be nfs://hostname/path") }
            return (.networkFilesystem, host, path)
        case "sharedmountpoint", "filesystem":
            // `SharedMountPoint:///mnt/x`, or with a host part: `SharedMountPoint://localhost/mnt/x`.
            let host = rest.hasPrefix("/") ? "" : String(rest.prefix(while: { $0 != "/" }))
            let path = String(rest.dropFirst(host.count))
            guard host != ".", host != "..", path.hasPrefix("/"), path.count > 1 else {
                throw CloudError.invalidParameter("\(raw) is not a valid uri: the path must be absolute")
            }
            return (scheme == "filesystem" ? .filesystem : .sharedMountPoint, "localhost", path)
        default:
            throw CloudError.invalidParameter("\(scheme) is not a supported uri scheme: use nfs:// or SharedMountPoint://")
        }
    }

    func poolView(_ sql: any SQLDatabase, _ p: StoragePool, factor: String) async throws -> StoragePoolView {
        StoragePoolView(pool: p, zone: try await ZoneRepository.find(sql, id: p.zoneID),
                        pod: try await p.podID.mapAsync { try await PodRepository.find(sql, id: $0) } ?? nil,
                        cluster: try await p.clusterID.mapAsync { try await ClusterRepository.find(sql, id: $0) } ?? nil,
                        allocatedBytes: 0, overprovisionFactor: p.type.isShared ? factor : "1.0")
    }

    func storageFactor() async -> String {
        (try? await config.double(Settings.storageOverprovisioning)).map { String($0) } ?? "2.0"
    }

    /// `createStoragePool` for CLUSTER or ZONE scope. Simulator pools get
    /// ``simulatorPoolCapacity`` when no capacity is given.
    public func createStoragePool(caller: Caller, _ spec: StoragePoolSpec) async throws -> StoragePoolView {
        let name = try Self.requireName(spec.name, "storage pool")
        if let provider = spec.provider, provider.lowercased() != "defaultprimary" {
            throw CloudError.invalidParameter("can't find storage provider: \(provider)")
        }
        var scope = StoragePoolScope.cluster
        if let raw = spec.scope {
            guard let s = StoragePoolScope(caseInsensitive: raw), s != .host else {
                throw CloudError.invalidParameter("Only cluster-wide and zone-wide primary storage is supported: use scope cluster or zone")
            }
            scope = s
        }
        if scope == .cluster {
            if spec.clusterID != nil && spec.podID == nil { throw CloudError.invalidParameter("Cluster id requires pod id") }
            if spec.clusterID == nil { throw CloudError.invalidParameter("Cluster id is required for a cluster-wide primary storage") }
        }
        var zoneHypervisor: HypervisorType?
        if scope == .zone {
            guard let raw = spec.hypervisor else { throw CloudError.invalidParameter("hypervisor type must be specified for zone wide primary storage") }
            zoneHypervisor = try Self.hypervisor(raw)
        }
        let (type, host, path) = try Self.parsePoolURL(spec.url)
        if let bytes = spec.capacityBytes, bytes <= 0 { throw CloudError.invalidParameter("capacitybytes must be greater than zero") }
        let factor = await storageFactor()
        let (poolScope, zoneWideHypervisor) = (scope, zoneHypervisor)
        return try await db.transaction { sql in
            let zone = try await Lookup.zone(sql, spec.zoneID)
            var pod: Pod?
            var cluster: Cluster?
            if poolScope == .cluster, let clusterID = spec.clusterID, let podID = spec.podID {
                let p = try await Lookup.pod(sql, podID)
                let c = try await Lookup.cluster(sql, clusterID)
                guard p.zoneID == zone.id, c.podID == p.id else {
                    throw CloudError.invalidParameter("Cluster \(c.name) does not belong to pod \(p.name) of zone \(zone.name)")
                }
                pod = p; cluster = c
            }
            let hypervisor = cluster?.hypervisorType ?? zoneWideHypervisor
            let siblings = try await StoragePoolRepository.list(sql, StoragePoolRepository.Filter(zoneID: zone.id)).items
            if let clash = siblings.first(where: { $0.hostAddress == host && $0.path == path && $0.scope != .host && $0.type == type
                                                   && (type == .networkFilesystem || $0.clusterID == cluster?.id) }) {
                throw CloudError.invalidParameter("Storage pool \(spec.url) already in use by another pod (id=\(clash.podID.map(String.init) ?? "zone"))")
            }
            let capacity = spec.capacityBytes ?? (hypervisor == .simulator ? simulatorPoolCapacity : 0)
            let pool = try await StoragePoolRepository.insert(sql, StoragePool(
                id: 0, uuid: UUID(), name: name, zoneID: zone.id, podID: pod?.id, clusterID: cluster?.id, hostID: nil, scope: poolScope, type: type,
                url: spec.url, hostAddress: host, path: path, hypervisorType: hypervisor, capacityBytes: capacity, usedBytes: 0,
                capacityIOPS: spec.capacityIOPS, status: .up, managed: spec.managed ?? false, tags: spec.tags, created: Date()))
            return StoragePoolView(pool: pool, zone: zone, pod: pod, cluster: cluster, allocatedBytes: 0, overprovisionFactor: type.isShared ? factor : "1.0")
        }
    }

    func storagePool(_ sql: any SQLDatabase, _ id: UUID) async throws -> StoragePool {
        guard let p = try await StoragePoolRepository.find(sql, uuid: id) else {
            throw CloudError.invalidParameter("Unable to find storage pool by id \(id.uuidString.lowercased())")
        }
        return p
    }

    /// `updateStoragePool`: name, tags, capacity and enabled/disabled.
    public func updateStoragePool(caller: Caller, id: UUID, name: String?, tags: [String]?, capacityBytes: Int64?, capacityIOPS: Int64?, enabled: Bool?) async throws -> StoragePoolView {
        let factor = await storageFactor()
        return try await db.transaction { sql in
            var p = try await self.storagePool(sql, id)
            if let name { p.name = try Self.requireName(name, "storage pool") }
            if let tags { p.tags = tags }
            if let capacityBytes {
                guard capacityBytes > 0 else { throw CloudError.invalidParameter("capacitybytes must be greater than zero") }
                guard capacityBytes >= p.usedBytes else {
                    throw CloudError.invalidParameter("Cannot reduce the capacity of storage pool \(p.name) below its used size of \(p.usedBytes) bytes")
                }
                p.capacityBytes = capacityBytes
            }
            if let capacityIOPS { p.capacityIOPS = capacityIOPS }
            if let enabled {
                switch (enabled, p.status) {
                case (true, .disabled): p.status = .up
                case (false, .up): p.status = .disabled
                case (true, .up), (false, .disabled): break
                default: throw CloudError.invalidParameter("Primary storage with id \(id.uuidString.lowercased()) cannot be \(enabled ? "enabled" : "disabled") in state \(p.status.rawValue)")
                }
                try await record(sql, caller, enabled ? EventType.enablePrimaryStorage : EventType.disablePrimaryStorage,
                                 "Primary storage \(p.name) \(enabled ? "enabled" : "disabled")", resourceType: "StoragePool", uuid: p.uuid, name: p.name)
            }
            try await StoragePoolRepository.update(sql, p)
            return try await poolView(sql, try await StoragePoolRepository.find(sql, id: p.id) ?? p, factor: factor)
        }
    }

    /// `deleteStoragePool`: refused while volumes live on the pool.
    public func deleteStoragePool(caller: Caller, id: UUID, forced: Bool) async throws {
        try await db.transaction { sql in
            let p = try await self.storagePool(sql, id)
            if try await StoragePoolRepository.volumeCount(sql, poolID: p.id) > 0 {
                throw CloudError.resourceInUse("Cannot delete pool \(p.name) as there are associated non-destroyed vols for this pool")
            }
            try await StoragePoolRepository.markRemoved(sql, id: p.id, at: Date())
        }
    }

    /// Checks that a pool exists before a maintenance job is queued.
    public func checkStoragePool(id: UUID) async throws -> StoragePool {
        try await db.read { try await self.storagePool($0, id) }
    }

    /// `enableStorageMaintenance` (Up or Disabled → Maintenance; there are no volumes to move
    /// yet) and `cancelStorageMaintenance` (Maintenance → Up).
    public func setStorageMaintenance(caller: Caller, id: UUID, enter: Bool) async throws -> StoragePoolView {
        let factor = await storageFactor()
        return try await db.transaction { sql in
            var p = try await self.storagePool(sql, id)
            if enter {
                guard [.up, .disabled, .errorInMaintenance].contains(p.status) else {
                    throw CloudError.invalidParameter("Primary storage with id \(id.uuidString.lowercased()) is not ready for migration, as the status is:\(p.status.rawValue)")
                }
                p.status = .maintenance
            } else {
                guard [.maintenance, .errorInMaintenance, .prepareForMaintenance].contains(p.status) else {
                    throw CloudError.invalidParameter("Primary storage with id \(id.uuidString.lowercased()) is not ready to complete migration, as the status is:\(p.status.rawValue)")
                }
                p.status = .up
            }
            try await StoragePoolRepository.setStatus(sql, id: p.id, p.status)
            return try await poolView(sql, p, factor: factor)
        }
    }

    /// `listStoragePools`.
    public func listStoragePools(id: UUID?, name: String?, zoneID: UUID?, podID: UUID?, clusterID: UUID?, hostID: UUID?, ipAddress: String?, path: String?,
                                 scope: String?, status: String?, keyword: String?, page: (offset: Int, limit: Int?)) async throws -> InfrastructurePage<StoragePoolView> {
        let factor = await storageFactor()
        return try await db.read { sql in
            let empty = InfrastructurePage<StoragePoolView>(items: [], total: 0, names: InfrastructureNames())
            var filter = StoragePoolRepository.Filter(name: name, keyword: keyword, path: path, hostAddress: ipAddress)
            if let scope {
                guard let s = StoragePoolScope(caseInsensitive: scope) else { throw CloudError.invalidParameter("Invalid scope \(scope): use HOST, CLUSTER or ZONE") }
                filter.scope = s
            }
            if let status {
                guard let s = StoragePoolStatus.allCases.first(where: { $0.rawValue.lowercased() == status.lowercased() }) else { return empty }
                filter.status = s
            }
            if let id {
                guard let p = try await StoragePoolRepository.find(sql, uuid: id) else { return empty }
                filter.id = p.id
            }
            if let zoneID { filter.zoneID = try await Lookup.zone(sql, zoneID).id }
            if let podID { filter.podID = try await Lookup.pod(sql, podID).id }
            if let clusterID { filter.clusterID = try await Lookup.cluster(sql, clusterID).id }
            if let hostID {
                guard let host = try await StoragePoolRepository.hostID(sql, uuid: hostID) else { throw CloudError.invalidParameter("Unable to find host by id \(hostID.uuidString.lowercased())") }
                filter.hostID = host
            }
            let listing = try await StoragePoolRepository.list(sql, filter, offset: page.offset, limit: page.limit)
            let names = try await InfrastructureNames.load(sql, zoneIDs: Set(listing.items.map(\.zoneID)), podIDs: Set(listing.items.compactMap(\.podID)),
                                                           clusterIDs: Set(listing.items.compactMap(\.clusterID)))
            return InfrastructurePage(items: listing.items.map {
                StoragePoolView(pool: $0, zone: names.zones[$0.zoneID], pod: $0.podID.flatMap { names.pods[$0] }, cluster: $0.clusterID.flatMap { names.clusters[$0] },
                                allocatedBytes: 0, overprovisionFactor: $0.type.isShared ? factor : "1.0")
            }, total: listing.total, names: names)
        }
    }

    // MARK: image stores

    /// Total and used bytes of the file system holding `path`, or nil when it cannot be read.
    static func fileSystemUsage(_ path: String) -> (total: Int64, used: Int64)? {
        guard let attributes = try? FileManager.default.attributesOfFileSystem(forPath: path),
              let size = (attributes[.systemSize] as? NSNumber)?.int64Value,
              let free = (attributes[.systemFreeSize] as? NSNumber)?.int64Value else { return nil }
        return (size, size - free)
    }

    /// The directory where a store's files live on the management server.
    func imageStoreDirectory(uuid: UUID) -> String {
        let base = dataDirectory ?? (FileManager.default.temporaryDirectory.path + "/cirrus")
        return base + "/imagestores/" + uuid.uuidString.lowercased()
    }

    /// `addImageStore`: provider NFS with an `nfs://host/path` URL, or a `file:///absolute/path`
    /// directory (the embedded demo). Creates the local directory and measures it.
    public func addImageStore(caller: Caller, name: String?, url: String?, zoneID: UUID?, provider: String) async throws -> ImageStoreView {
        guard provider.lowercased() == "nfs" else { throw CloudError.invalidParameter("can't find image store provider: \(provider)") }
        guard let url, !url.isEmpty else { throw CloudError.invalidParameter("The URL of the image store is required") }
        guard let zoneID else { throw CloudError.invalidParameter("NFS image stores are zone-wide: zoneid is required") }
        let uuid = UUID()
        let protocolName: String
        let path: String
        if url.lowercased().hasPrefix("nfs://") {
            let (_, host, exportPath) = try Self.parsePoolURL(url)
            _ = (host, exportPath)
            protocolName = "nfs"
            path = imageStoreDirectory(uuid: uuid)
        } else if url.lowercased().hasPrefix("file://") {
            let local = String(url.dropFirst("file://".count))
            guard local.hasPrefix("/"), local.count > 1 else { throw CloudError.invalidParameter("\(url) is not a valid uri: file URLs need an absolute path") }
            protocolName = "file"
            path = local
        } else {
            throw CloudError.invalidParameter("Unsupported scheme for image store url \(url): use nfs:// or file://")
        }
        let storeName = (name?.isEmpty == false ? name! : url)
        let directory = path
        let usage: (total: Int64, used: Int64)? = try await Task.detached {
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw CloudError.invalidParameter("Unable to create the image store directory \(directory): \(error.localizedDescription)")
            }
            return Self.fileSystemUsage(directory)
        }.value
        return try await db.transaction { sql in
            let zone = try await Lookup.zone(sql, zoneID)
            if try await ImageStoreRepository.list(sql, zoneID: zone.id).contains(where: { $0.url == url }) {
                throw CloudError.invalidParameter("The image store with url \(url) already exists in zone \(zone.name)")
            }
            let store = try await ImageStoreRepository.insert(sql, ImageStore(
                id: 0, uuid: uuid, name: storeName, zoneID: zone.id, provider: "NFS", protocolName: protocolName, url: url, path: path,
                totalBytes: usage?.total ?? 0, usedBytes: usage?.used ?? 0, created: Date()))
            return ImageStoreView(store: store, zone: zone)
        }
    }

    /// `deleteImageStore`: refused while templates or ISOs are kept on the store.
    public func deleteImageStore(caller: Caller, id: UUID) async throws {
        try await db.transaction { sql in
            guard let store = try await ImageStoreRepository.find(sql, uuid: id) else {
                throw CloudError.invalidParameter("Unable to find image store with id \(id.uuidString.lowercased())")
            }
            if try await ImageStoreRepository.templateCount(sql, storeID: store.id) > 0 {
                throw CloudError.invalidParameter("Cannot delete image store with active templates backup!")
            }
            try await ImageStoreRepository.markRemoved(sql, id: store.id, at: Date())
        }
    }

    /// `listImageStores`; local stores report the current size of their file system.
    public func listImageStores(id: UUID?, name: String?, zoneID: UUID?, provider: String?, protocolName: String?, readOnly: Bool?, keyword: String?,
                                page: (offset: Int, limit: Int?)) async throws -> InfrastructurePage<ImageStoreView> {
        let page = try await db.read { sql in
            let empty = InfrastructurePage<ImageStoreView>(items: [], total: 0, names: InfrastructureNames())
            var filter = ImageStoreRepository.Filter(name: name, keyword: keyword, provider: provider, protocolName: protocolName, readOnly: readOnly)
            if let id {
                guard let s = try await ImageStoreRepository.find(sql, uuid: id) else { return empty }
                filter.id = s.id
            }
            if let zoneID { filter.zoneID = try await Lookup.zone(sql, zoneID).id }
            let listing = try await ImageStoreRepository.list(sql, filter, offset: page.offset, limit: page.limit)
            let names = try await InfrastructureNames.load(sql, zoneIDs: Set(listing.items.compactMap(\.zoneID)))
            return InfrastructurePage(items: listing.items.map { ImageStoreView(store: $0, zone: $0.zoneID.flatMap { names.zones[$0] }) }, total: listing.total, names: names)
        }
        let paths = page.items.map(\.store.path)
        let usages = await Task.detached { paths.map { Self.fileSystemUsage($0) } }.value
        var out = page
        for (i, usage) in usages.enumerated() {
            if let usage { out.items[i].store.totalBytes = usage.total; out.items[i].store.usedBytes = usage.used }
        }
        return out
    }
}
