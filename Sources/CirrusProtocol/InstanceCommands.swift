import Foundation

/// One disk of an instance as the host sees it.
public struct DiskTO: Codable, Sendable, Equatable {
    public var volumeUUID: String
    /// `ROOT` or `DATADISK`.
    public var type: String
    public var deviceID: Int
    public var sizeBytes: Int64
    /// The pool holding it, and the path on that pool.
    public var poolUUID: String
    public var path: String
    /// The template to clone a ROOT disk from when it does not exist yet (its install path on the image store).
    public var templatePath: String?
    /// True when the disk must be created before the instance starts.
    public var create: Bool

    public init(volumeUUID: String, type: String, deviceID: Int, sizeBytes: Int64, poolUUID: String, path: String, templatePath: String? = nil, create: Bool) {
        self.volumeUUID = volumeUUID; self.type = type; self.deviceID = deviceID; self.sizeBytes = sizeBytes
        self.poolUUID = poolUUID; self.path = path; self.templatePath = templatePath; self.create = create
    }
}

/// Everything a host needs to run an instance (CloudStack's `VirtualMachineTO`).
public struct InstanceTO: Codable, Sendable, Equatable {
    /// The hypervisor's name for it (`i-2-5-VM`).
    public var name: String
    public var uuid: String
    public var cpus: Int
    /// MHz per core.
    public var speed: Int64
    /// Bytes.
    public var memory: Int64
    /// Cap the CPU at `speed` (`limitcpuuse`).
    public var limitCPUUse: Bool
    public var osType: String?
    public var disks: [DiskTO]
    /// Base64 user data, the SSH public keys, the host name and a new password, for the config drive.
    public var userData: String?
    public var sshPublicKeys: [String]
    public var hostName: String
    /// A password set at deploy or by resetPasswordForVirtualMachine, not yet delivered.
    public var password: String?
    public var bootArgs: String?
    /// The guest NICs, in device order (absent from agents older than guest networking).
    public var nics: [NicTO]?

    public init(name: String, uuid: String, cpus: Int, speed: Int64, memory: Int64, limitCPUUse: Bool = false, osType: String? = nil,
                disks: [DiskTO] = [], userData: String? = nil, sshPublicKeys: [String] = [], hostName: String, password: String? = nil,
                bootArgs: String? = nil, nics: [NicTO]? = nil) {
        self.name = name; self.uuid = uuid; self.cpus = cpus; self.speed = speed; self.memory = memory; self.limitCPUUse = limitCPUUse
        self.osType = osType; self.disks = disks; self.userData = userData; self.sshPublicKeys = sshPublicKeys; self.hostName = hostName
        self.password = password; self.bootArgs = bootArgs; self.nics = nics
    }
}

/// One guest NIC of an instance as the host plugs it: which bridge (from the broadcast URI,
/// `vxlan://5001`), its MAC and addresses.
public struct NicTO: Codable, Sendable, Equatable {
    public var uuid: String
    public var deviceID: Int
    public var macAddress: String
    public var ipv4Address: String?
    public var netmask: String?
    public var gateway: String?
    public var ipv6Address: String?
    public var broadcastURI: String?
    public var isDefault: Bool
    public var mtu: Int

    public init(uuid: String, deviceID: Int, macAddress: String, ipv4Address: String?, netmask: String?, gateway: String?, ipv6Address: String? = nil,
                broadcastURI: String?, isDefault: Bool, mtu: Int = 1500) {
        self.uuid = uuid; self.deviceID = deviceID; self.macAddress = macAddress; self.ipv4Address = ipv4Address; self.netmask = netmask
        self.gateway = gateway; self.ipv6Address = ipv6Address; self.broadcastURI = broadcastURI; self.isDefault = isDefault; self.mtu = mtu
    }
}

/// `StopCommand`: power an instance off (gracefully unless `forced`) and, with `cleanup`,
/// forget it on the host.
public struct StopInstanceCommand: Codable, Sendable, Equatable {
    public var name: String
    public var forced: Bool

    public init(name: String, forced: Bool = false) {
        self.name = name
        self.forced = forced
    }
}

/// `ScaleVmCommand`: give a running instance `cpus` × `speed` MHz and `memory` bytes in place
/// (hot-plug; the instance must have been started dynamically scalable).
public struct ScaleInstanceCommand: Codable, Sendable, Equatable {
    public var name: String
    public var cpus: Int
    public var speed: Int64
    public var memory: Int64

    public init(name: String, cpus: Int, speed: Int64, memory: Int64) {
        self.name = name; self.cpus = cpus; self.speed = speed; self.memory = memory
    }
}

/// `AttachCommand` and `DettachCommand` (CloudStack's spelling): plug `disk` into the running
/// instance `instanceName`, or unplug it.
public struct AttachVolumeCommand: Codable, Sendable, Equatable {
    public var instanceName: String
    public var disk: DiskTO

    public init(instanceName: String, disk: DiskTO) {
        self.instanceName = instanceName; self.disk = disk
    }
}

/// `MigrateCommand`, sent to the source host: move a running instance to `destination`.
public struct MigrateInstanceCommand: Codable, Sendable, Equatable {
    public var name: String
    /// The destination host's guid and address.
    public var destinationGUID: String
    public var destinationIP: String?

    public init(name: String, destinationGUID: String, destinationIP: String?) {
        self.name = name
        self.destinationGUID = destinationGUID
        self.destinationIP = destinationIP
    }
}

/// A volume operation on a pool (`CreateObjectCommand`, `DeleteCommand`, `ResizeVolumeCommand`).
public struct VolumeTO: Codable, Sendable, Equatable {
    public var volumeUUID: String
    public var poolUUID: String
    public var path: String
    public var sizeBytes: Int64
    /// For a ROOT volume made from a template.
    public var templatePath: String?

    public init(volumeUUID: String, poolUUID: String, path: String, sizeBytes: Int64, templatePath: String? = nil) {
        self.volumeUUID = volumeUUID; self.poolUUID = poolUUID; self.path = path; self.sizeBytes = sizeBytes; self.templatePath = templatePath
    }
}
