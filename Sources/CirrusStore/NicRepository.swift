import CirrusModel
import Foundation
import SQLKit

/// NIC rows (`nics`), their secondary addresses (`nic_secondary_ips`) and the guest address
/// book of each network (`network_ip_allocations`).
public enum NicRepository {
    static let table = "nics"
    static let allocations = "network_ip_allocations"
    static let secondary = "nic_secondary_ips"

    static func map(_ row: any SQLRow) throws -> Nic {
        Nic(id: try row.int64("id"), uuid: try row.uuid("uuid"), ownerType: try row.enumValue("owner_type", as: NicOwnerType.self),
            instanceID: try row.int64("instance_id"), networkID: try row.int64("network_id"), macAddress: try row.string("mac_address"),
            ipv4Address: try row.optionalString("ip4_address"), netmask: try row.optionalString("netmask"), gateway: try row.optionalString("gateway"),
            ipv6Address: try row.optionalString("ip6_address"), ipv6CIDR: try row.optionalString("ip6_cidr"), ipv6Gateway: try row.optionalString("ip6_gateway"),
            broadcastURI: try row.optionalString("broadcast_uri"), isolationURI: try row.optionalString("isolation_uri"), deviceID: try row.int("device_id"),
            isDefault: try row.bool("is_default"), state: try row.enumValue("state", as: NicState.self), created: try row.date("created"))
    }

    static func fields(_ n: Nic) -> [ColumnValue] {
        [("owner_type", SQLBind(n.ownerType.rawValue)), ("instance_id", SQLBind(n.instanceID)), ("network_id", SQLBind(n.networkID)),
         ("mac_address", SQLBind(n.macAddress)), ("ip4_address", NetworkRepository.bindOptional(n.ipv4Address)),
         ("netmask", NetworkRepository.bindOptional(n.netmask)), ("gateway", NetworkRepository.bindOptional(n.gateway)),
         ("ip6_address", NetworkRepository.bindOptional(n.ipv6Address)), ("ip6_cidr", NetworkRepository.bindOptional(n.ipv6CIDR)),
         ("ip6_gateway", NetworkRepository.bindOptional(n.ipv6Gateway)), ("broadcast_uri", NetworkRepository.bindOptional(n.broadcastURI)),
         ("isolation_uri", NetworkRepository.bindOptional(n.isolationURI)), ("device_id", SQLBind(n.deviceID)), ("is_default", SQLBind(n.isDefault)),
         ("state", SQLBind(n.state.rawValue))]
    }

    /// Inserts a NIC and returns it with its new id.
    public static func insert(_ sql: any SQLDatabase, _ n: Nic) async throws -> Nic {
        var out = n
        out.id = try await insertReturningID(sql, into: table, [("uuid", SQLBind(n.uuid.stored)), ("created", SQLBind(n.created.storedMillis))] + fields(n))
        return out
    }

    public static func update(_ sql: any SQLDatabase, _ n: Nic) async throws {
        try await updateColumns(sql, table: table, id: n.id, fields(n))
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> Nic? {
        try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> Nic? {
        try await sql.select().column("*").from(table).where("id", .equal, id).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    /// The live NICs of instances (or routers), in device order.
    public static func of(_ sql: any SQLDatabase, ownerType: NicOwnerType = .user, instanceIDs: [Int64]) async throws -> [Int64: [Nic]] {
        guard !instanceIDs.isEmpty else { return [:] }
        var out: [Int64: [Nic]] = [:]
        for start in stride(from: 0, to: instanceIDs.count, by: 500) {
            let chunk = Array(instanceIDs[start..<min(start + 500, instanceIDs.count)])
            for nic in try await sql.select().column("*").from(table).where("owner_type", .equal, ownerType.rawValue).where("instance_id", .in, chunk)
                .where("removed", .is, SQLLiteral.null).orderBy("device_id").all().map(map) {
                out[nic.instanceID, default: []].append(nic)
            }
        }
        return out
    }

    /// The live NICs on a network (user instances and routers).
    public static func on(_ sql: any SQLDatabase, networkID: Int64, ownerType: NicOwnerType? = nil) async throws -> [Nic] {
        var b = sql.select().column("*").from(table).where("network_id", .equal, networkID).where("removed", .is, SQLLiteral.null)
        if let ownerType { b = b.where("owner_type", .equal, ownerType.rawValue) }
        return try await b.orderBy("id").all().map(map)
    }

    /// Number of live NICs of user instances on a network.
    public static func userNicCount(_ sql: any SQLDatabase, networkID: Int64) async throws -> Int {
        try await countRows(sql, table: table) {
            $0.where("network_id", .equal, networkID).where("owner_type", .equal, NicOwnerType.user.rawValue).where("removed", .is, SQLLiteral.null)
        }
    }

    /// Live user NICs on a network whose instance belongs to `accountID`.
    public static func userNicCount(_ sql: any SQLDatabase, networkID: Int64, accountID: Int64) async throws -> Int {
        let row = try await sql.raw("""
            SELECT COUNT(*) AS n FROM nics n JOIN vm_instances v ON v.id = n.instance_id
            WHERE n.network_id = \(bind: networkID) AND n.owner_type = 'User' AND n.removed IS NULL AND v.removed IS NULL AND v.account_id = \(bind: accountID)
            """).first()
        return try row?.int("n") ?? 0
    }

    /// Removes a NIC with its secondary addresses and gives its addresses back to the network.
    public static func remove(_ sql: any SQLDatabase, nicID: Int64, at date: Date) async throws {
        try await sql.delete(from: allocations).where("nic_id", .equal, nicID).run()
        try await sql.delete(from: secondary).where("nic_id", .equal, nicID).run()
        try await sql.update(table).set("removed", to: date.storedMillis).set("state", to: NicState.deallocating.rawValue).where("id", .equal, nicID).run()
    }

    // MARK: Guest addresses

    /// Why a guest address is held.
    public enum AddressPurpose: String, Sendable {
        case nic = "Nic"
        case secondary = "Secondary"
        case router = "Router"
        case gateway = "Gateway"
    }

    /// Records `address` as taken on a network. False when it already was (by anyone, on any
    /// management server): the primary key settles races.
    public static func claim(_ sql: any SQLDatabase, networkID: Int64, address: IPv4Address, nicID: Int64?, purpose: AddressPurpose, at date: Date) async throws -> Bool {
        let rows = try await sql.insert(into: allocations).columns("network_id", "address_num", "address", "nic_id", "purpose", "created")
            .values(SQLBind(networkID), SQLBind(address.number), SQLBind(address.description), NetworkRepository.bindOptional(nicID),
                    SQLBind(purpose.rawValue), SQLBind(date.storedMillis))
            .ignoringConflicts().returning("address_num").all()
        return !rows.isEmpty
    }

    /// The numbers of every address taken on a network.
    public static func takenAddresses(_ sql: any SQLDatabase, networkID: Int64) async throws -> Set<Int64> {
        Set(try await sql.select().column("address_num").from(allocations).where("network_id", .equal, networkID).all().map { try $0.int64("address_num") })
    }

    /// Hands a taken address to a NIC (after the NIC row exists).
    public static func assign(_ sql: any SQLDatabase, networkID: Int64, address: String, nicID: Int64) async throws {
        try await sql.update(allocations).set("nic_id", to: nicID).where("network_id", .equal, networkID).where("address", .equal, address).run()
    }

    /// Gives one address back.
    public static func release(_ sql: any SQLDatabase, networkID: Int64, address: String) async throws {
        try await sql.delete(from: allocations).where("network_id", .equal, networkID).where("address", .equal, address).run()
    }

    /// Gives every address of a network back (the network is going).
    public static func releaseAll(_ sql: any SQLDatabase, networkID: Int64) async throws {
        try await sql.delete(from: allocations).where("network_id", .equal, networkID).run()
    }

    /// Number of taken addresses on a network.
    public static func allocatedCount(_ sql: any SQLDatabase, networkID: Int64) async throws -> Int {
        try await countRows(sql, table: allocations) { $0.where("network_id", .equal, networkID) }
    }

    // MARK: Secondary addresses

    static func mapSecondary(_ row: any SQLRow) throws -> NicSecondaryIP {
        NicSecondaryIP(id: try row.int64("id"), uuid: try row.uuid("uuid"), nicID: try row.int64("nic_id"), instanceID: try row.int64("instance_id"),
                       networkID: try row.int64("network_id"), address: try row.string("address"), created: try row.date("created"))
    }

    public static func insertSecondary(_ sql: any SQLDatabase, _ ip: NicSecondaryIP) async throws -> NicSecondaryIP {
        var out = ip
        out.id = try await insertReturningID(sql, into: secondary, [
            ("uuid", SQLBind(ip.uuid.stored)), ("nic_id", SQLBind(ip.nicID)), ("instance_id", SQLBind(ip.instanceID)),
            ("network_id", SQLBind(ip.networkID)), ("address", SQLBind(ip.address)), ("created", SQLBind(ip.created.storedMillis)),
        ])
        return out
    }

    public static func secondaryIPs(_ sql: any SQLDatabase, nicIDs: [Int64]) async throws -> [Int64: [NicSecondaryIP]] {
        guard !nicIDs.isEmpty else { return [:] }
        var out: [Int64: [NicSecondaryIP]] = [:]
        for ip in try await sql.select().column("*").from(secondary).where("nic_id", .in, nicIDs).orderBy("id").all().map(mapSecondary) {
            out[ip.nicID, default: []].append(ip)
        }
        return out
    }

    public static func secondaryIP(_ sql: any SQLDatabase, uuid: UUID) async throws -> NicSecondaryIP? {
        try await sql.select().column("*").from(secondary).where("uuid", .equal, uuid.stored).first().map(mapSecondary)
    }

    public static func deleteSecondary(_ sql: any SQLDatabase, id: Int64) async throws {
        try await sql.delete(from: secondary).where("id", .equal, id).run()
    }
}

extension NicRepository {
    /// The networks with at least one NIC of an instance that is starting, running, stopping
    /// or migrating: networks in use, which the network GC leaves alone.
    public static func activeNetworkIDs(_ sql: any SQLDatabase) async throws -> Set<Int64> {
        let rows = try await sql.raw("""
            SELECT DISTINCT n.network_id AS network_id FROM nics n JOIN vm_instances v ON v.id = n.instance_id
            WHERE n.owner_type = 'User' AND n.removed IS NULL AND v.removed IS NULL
              AND v.state IN ('Starting', 'Running', 'Stopping', 'Migrating')
            """).all()
        return Set(try rows.map { try $0.int64("network_id") })
    }
}
