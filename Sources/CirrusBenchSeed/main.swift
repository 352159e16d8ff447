// Benchmark helper for the instances issue (bench/instances_bench.py).
//
//   cirrus-bench-seed instances --data-dir DIR --count N --accounts a,b,c [--hosts 200] [--batch 5000]
//       Opens DIR's SQLite database (the one `cirrus serve --data-dir DIR` uses; the server must not
//       be running), migrates it, and inserts N instances with their ROOT volumes in the demo zone
//       (Sandbox-simulator), owned round-robin by the named accounts, in mixed states. Running
//       instances go on `--hosts` extra hosts inserted in the demo cluster in state Alert (no agent,
//       so no power reconciliation touches them while the listing is timed); host and pool
//       allocations are reserved for them exactly as the engine would.
//   cirrus-bench-seed routerdoc --data-dir DIR [--instances 600] [--rounds 50]
//       Seeds an implemented network with a router, N instances, forwarding, firewall and a load
//       balancer, then times the router document (RouterDocumentBench.swift).
//   cirrus-bench-seed placement [--hosts 10000] [--clusters 100] [--requests 20000] [--data-dir DIR] [--rounds 5]
//       Times PlacementSnapshot.plan over an in-memory snapshot per planner, recording each
//       allocation; with --data-dir also inserts the hosts in new clusters of the demo pod and
//       times PlacementService's snapshot rebuild from the database.
// Prints one JSON object per line on standard output.
import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Logging
import SQLKit

struct Options {
    var values: [String: String] = [:]
    init(_ args: ArraySlice<String>) {
        var it = args.makeIterator()
        while let a = it.next() {
            guard a.hasPrefix("--") else { continue }
            values[String(a.dropFirst(2))] = it.next() ?? ""
        }
    }
    func int(_ name: String, _ fallback: Int) -> Int { values[name].flatMap(Int.init) ?? fallback }
    func string(_ name: String) -> String? { values[name] }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

func emit(_ object: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

func milliseconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let v = values.sorted()
    guard !v.isEmpty else { return 0 }
    let k = Double(v.count - 1) * p / 100
    let lo = Int(k), hi = min(lo + 1, v.count - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - Double(lo))
}

extension SQLRow {
    func i64(_ column: String) throws -> Int64 { try decode(column: column, as: Int64.self) }
    func optionalI64(_ column: String) throws -> Int64? { try decode(column: column, as: Int64?.self) }
}

func openDatabase(_ dataDirectory: String, logger: Logger) async throws -> any Database {
    let configuration = try DatabaseConfiguration.parse(nil, dataDirectory: dataDirectory)
    let db = try await configuration.open(logger: logger)
    _ = try await Migrator(migrations: Schema.migrations).migrate(db, logger: logger)
    return db
}

/// The demo zone's ids the seeded rows refer to.
struct DemoZoneIDs: Sendable {
    var zoneID: Int64, podID: Int64, clusterID: Int64, poolID: Int64
    var templateID: Int64, osTypeID: Int64
    var offeringID: Int64, diskOfferingID: Int64, cpu: Int, cpuSpeed: Int64, memory: Int64
    var rootSize: Int64
}

func demoZone(_ sql: any SQLDatabase) async throws -> DemoZoneIDs {
    guard let zone = try await sql.raw("SELECT id FROM zones WHERE name = \(bind: DemoZone.name) AND removed IS NULL").first() else {
        fail("no demo zone: start `cirrus serve --data-dir DIR` once (demo zone on) before seeding")
    }
    let zoneID = try zone.i64("id")
    guard let cluster = try await sql.raw("""
        SELECT id, pod_id FROM clusters WHERE zone_id = \(bind: zoneID) AND hypervisor_type = 'Simulator' AND removed IS NULL ORDER BY id
        """).first() else { fail("the demo zone has no Simulator cluster") }
    let clusterID = try cluster.i64("id")
    guard let pool = try await sql.raw("""
        SELECT id FROM storage_pools WHERE zone_id = \(bind: zoneID) AND host_id IS NULL AND removed IS NULL ORDER BY id
        """).first() else { fail("the demo zone has no shared pool") }
    guard let template = try await sql.raw("""
        SELECT id, os_type_id FROM templates WHERE hypervisor = 'Simulator' AND removed IS NULL ORDER BY id
        """).first() else { fail("no Simulator template") }
    guard let offering = try await sql.raw("""
        SELECT id, disk_offering_id, cpu_number, cpu_speed, memory FROM service_offerings
        WHERE removed IS NULL AND is_system = \(bind: false) AND customized = \(bind: false) ORDER BY memory, id
        """).first() else { fail("no fixed compute offering") }
    return DemoZoneIDs(zoneID: zoneID, podID: try cluster.i64("pod_id"), clusterID: clusterID, poolID: try pool.i64("id"),
                       templateID: try template.i64("id"), osTypeID: try template.i64("os_type_id"), offeringID: try offering.i64("id"),
                       diskOfferingID: try offering.i64("disk_offering_id"), cpu: Int(try offering.i64("cpu_number")),
                       cpuSpeed: try offering.i64("cpu_speed"), memory: try offering.i64("memory"), rootSize: 2 * 1_073_741_824)
}

struct Owner: Sendable { var accountID: Int64, domainID: Int64, userID: Int64, name: String }

func owners(_ sql: any SQLDatabase, names: [String]) async throws -> [Owner] {
    var out: [Owner] = []
    for name in names {
        guard let a = try await sql.raw("SELECT id, domain_id FROM accounts WHERE name = \(bind: name) AND removed IS NULL").first() else {
            fail("no account \(name)")
        }
        let accountID = try a.i64("id")
        guard let u = try await sql.raw("SELECT id FROM users WHERE account_id = \(bind: accountID) AND removed IS NULL ORDER BY id").first() else {
            fail("account \(name) has no user")
        }
        out.append(Owner(accountID: accountID, domainID: try a.i64("domain_id"), userID: try u.i64("id"), name: name))
    }
    return out
}

func host(named name: String, zone: DemoZoneIDs, podID: Int64, clusterID: Int64, status: HostStatus, cores: Int, speed: Int64, memory: Int64,
          index: Int, tags: [String] = []) -> CirrusModel.Host {
    let ip = "10.\(100 + index / 65_536).\(index / 256 % 256).\(index % 256)"
    return CirrusModel.Host(id: 0, uuid: UUID(), name: name, guid: "bench-\(UUID().uuidString.lowercased())", status: status, resourceState: .enabled,
                            zoneID: zone.zoneID, podID: podID, clusterID: clusterID, hypervisorType: .simulator, privateIP: ip,
                            cpuSockets: 1, cpus: cores, cpuSpeed: speed, totalMemory: memory, lastPing: Date(),
                            disconnected: status == .alert ? Date() : nil, tags: tags, created: Date())
}

// MARK: instances

func seedInstances(_ options: Options, logger: Logger) async throws {
    guard let dir = options.string("data-dir") else { fail("--data-dir is required") }
    let count = options.int("count", 10_000), hostCount = options.int("hosts", 200), batch = options.int("batch", 5_000)
    let names = (options.string("accounts") ?? "").split(separator: ",").map(String.init)
    guard !names.isEmpty else { fail("--accounts a,b,c is required") }
    let db = try await openDatabase(dir, logger: logger)
    let start = ContinuousClock.now
    let (zone, accounts) = try await db.read { sql in (try await demoZone(sql), try await owners(sql, names: names)) }
    // Hosts for the Running share, large enough that the allocations stay within capacity.
    let running = count * 4 / 10
    let perHost = max(1, (running + hostCount - 1) / hostCount)
    let cores = max(16, perHost * zone.cpu), memoryBytes = Int64(perHost) * zone.memory * 1_048_576 * 2
    let hostIDs: [Int64] = try await db.transaction { sql in
        var ids: [Int64] = []
        for i in 0..<hostCount {
            let h = try await HostRepository.insert(sql, host(named: "bench-seed-\(i)", zone: zone, podID: zone.podID, clusterID: zone.clusterID,
                                                              status: .alert, cores: cores, speed: zone.cpuSpeed, memory: memoryBytes, index: i))
            ids.append(h.id)
        }
        return ids
    }
    // Mixed states: 40 % Running, 40 % Stopped, 10 % Destroyed, 5 % Error, 5 % Stopped again (powered off, never started).
    @Sendable func state(_ i: Int) -> VirtualMachineState {
        switch i % 20 {
        case 0..<8: .running
        case 8..<16: .stopped
        case 16, 17: .destroyed
        case 18: .error
        default: .stopped
        }
    }
    var made = 0, runningMade = 0
    let created = Date()
    while made < count {
        let first = made, last = min(count, made + batch), alreadyRunning = runningMade
        let placedRunning = try await db.transaction { sql -> Int in
            var placed = 0
            var poolBytes: Int64 = 0, poolVolumes = 0
            for i in first..<last {
                let owner = accounts[i % accounts.count]
                let s = state(i)
                var hostID: Int64?
                if s == .running {
                    hostID = hostIDs[(alreadyRunning + placed) % hostIDs.count]
                    let cpu = Int64(zone.cpu) * zone.cpuSpeed, memory = zone.memory * 1_048_576
                    guard try await AllocationRepository.reserveHost(sql, hostID: hostID!, cpu: cpu, memory: memory, cpuLimit: .max / 2, memoryLimit: .max / 2)
                    else { throw StoreError("host \(hostID!) refused a reservation") }
                    placed += 1
                }
                let name = "bench-\(owner.name)-\(i)"
                let vm = try await VirtualMachineRepository.insert(sql, VirtualMachine(
                    instanceName: "pending", displayName: name, hostName: name, state: s, powerState: s == .running ? .on : .off,
                    accountID: owner.accountID, domainID: owner.domainID, userID: owner.userID, zoneID: zone.zoneID,
                    podID: zone.podID, clusterID: zone.clusterID, hostID: hostID, lastHostID: hostID ?? hostIDs[i % hostIDs.count],
                    templateID: zone.templateID, serviceOfferingID: zone.offeringID, diskOfferingID: zone.diskOfferingID, cpu: zone.cpu,
                    cpuSpeed: zone.cpuSpeed, memory: zone.memory, osTypeID: zone.osTypeID, hypervisorType: .simulator,
                    group: i % 3 == 0 ? "group-\(i % 7)" : nil, created: created.addingTimeInterval(Double(i) / 1000),
                    destroyed: s == .destroyed ? created : nil), nameSuffix: "VM")
                _ = try await VolumeRepository.insert(sql, Volume(
                    name: "ROOT-\(vm.id)", type: .root, state: .ready, accountID: owner.accountID, domainID: owner.domainID, zoneID: zone.zoneID,
                    podID: zone.podID, poolID: zone.poolID, instanceID: vm.id, deviceID: 0, diskOfferingID: zone.diskOfferingID,
                    templateID: zone.templateID, size: zone.rootSize, format: "QCOW2", path: vm.uuid.uuidString.lowercased(),
                    hypervisorType: .simulator, attached: created, created: created))
                poolBytes += zone.rootSize
                poolVolumes += 1
            }
            try await AllocationRepository.adjustPool(sql, poolID: zone.poolID, bytes: poolBytes, volumes: poolVolumes)
            return placed
        }
        runningMade += placedRunning
        made = last
        FileHandle.standardError.write(Data("seeded \(made)/\(count) instances\n".utf8))
    }
    let seconds = milliseconds(since: start) / 1000
    await db.shutdown()
    emit(["instances": count, "running": runningMade, "hosts": hostCount, "accounts": names, "seconds": seconds,
          "per_second": Double(count) / seconds])
}

// MARK: placement

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// 10,000 hosts in 100 clusters of 5 pods, each host with a local pool, each cluster with a
/// shared pool, one zone-wide pool; a fifth of the hosts tagged "ssd", a tenth "gpu".
func syntheticSnapshot(hosts hostCount: Int, clusters clusterCount: Int) -> PlacementSnapshot {
    var clusters: [PlacementCluster] = [], hosts: [PlacementHost] = [], pools: [PlacementPool] = []
    for c in 0..<clusterCount {
        clusters.append(PlacementCluster(id: Int64(c + 1), podID: Int64(c % 5 + 1), zoneID: 1, hypervisor: .simulator))
        pools.append(PlacementPool(id: Int64(1_000_000 + c), zoneID: 1, clusterID: Int64(c + 1), hostID: nil, allocationLimit: 1 << 50))
    }
    pools.append(PlacementPool(id: 2_000_000, zoneID: 1, clusterID: nil, hostID: nil, tags: ["zonewide"], allocationLimit: 1 << 52))
    for i in 0..<hostCount {
        let c = i % clusterCount
        var tags: Set<String> = []
        if i % 5 == 0 { tags.insert("ssd") }
        if i % 10 == 3 { tags.insert("gpu") }
        let id = Int64(i + 1)
        hosts.append(PlacementHost(id: id, zoneID: 1, podID: Int64(c % 5 + 1), clusterID: Int64(c + 1), hypervisor: .simulator, isAvailable: i % 50 != 7,
                                   tags: tags, cores: 32, coreSpeed: 2500, cpuTotal: 32 * 2500 * 4, memoryTotal: 256 << 30))
        pools.append(PlacementPool(id: 3_000_000 + id, zoneID: 1, clusterID: Int64(c + 1), hostID: id, allocationLimit: 4 << 40))
    }
    return PlacementSnapshot(hosts: hosts, clusters: clusters, pools: pools)
}

func benchPlanners(_ options: Options) {
    let hostCount = options.int("hosts", 10_000), clusterCount = options.int("clusters", 100), requests = options.int("requests", 20_000)
    let sizes: [(cores: Int, speed: Int64, memory: Int64)] = [(1, 500, 512 << 20), (2, 1000, 2 << 30), (4, 2000, 8 << 30), (8, 2000, 32 << 30)]
    for planner in [DeploymentPlannerName.firstFit, .userDispersing, .userConcentratedPod] {
        var snapshot = syntheticSnapshot(hosts: hostCount, clusters: clusterCount)
        var rng = SplitMix(state: 42)
        var perHost: [Int64: [Int64: Int]] = [:], perPod: [Int64: [Int64: Int]] = [:]
        var times: [Double] = []
        times.reserveCapacity(requests)
        var placed = 0, refused = 0
        for r in 0..<requests {
            let size = sizes[r % sizes.count]
            let account = Int64(r % 50)
            var tags: Set<String> = []
            if r % 7 == 0 { tags.insert("ssd") }
            if r % 31 == 0 { tags.insert("gpu") }
            var volumes = [VolumeDemand(size: 20 << 30, local: r % 4 == 0)]
            if r % 3 == 0 { volumes.append(VolumeDemand(size: 100 << 30)) }
            if r % 11 == 0 { volumes.append(VolumeDemand(size: 50 << 30, tags: ["zonewide"])) }
            let request = PlacementRequest(zoneID: 1, cpuCores: size.cores, cpuSpeed: size.speed, memoryBytes: size.memory, hostTags: tags, volumes: volumes,
                                           planner: planner, algorithm: planner == .userDispersing ? .userDispersing : .firstFit,
                                           accountInstancesPerHost: planner == .firstFit ? [:] : perHost[account, default: [:]],
                                           accountInstancesPerPod: planner == .userConcentratedPod ? perPod[account, default: [:]] : [:])
            let t0 = ContinuousClock.now
            let result = snapshot.plan(request, random: &rng)
            times.append(milliseconds(since: t0))
            guard let p = result else { refused += 1; continue }
            placed += 1
            snapshot.allocate(hostID: p.hostID, cpu: request.cpuDemand, memory: request.memoryBytes)
            for (v, pool) in zip(volumes, p.poolIDs) { snapshot.allocate(poolID: pool, bytes: v.size) }
            perHost[account, default: [:]][p.hostID, default: 0] += 1
            perPod[account, default: [:]][p.podID, default: 0] += 1
        }
        emit(["planner": planner.rawValue, "hosts": hostCount, "clusters": clusterCount, "requests": requests, "placed": placed, "refused": refused,
              "p50_ms": percentile(times, 50), "p99_ms": percentile(times, 99), "max_ms": times.max() ?? 0, "mean_ms": times.reduce(0, +) / Double(times.count)])
    }
}

func benchRebuild(_ options: Options, logger: Logger) async throws {
    guard let dir = options.string("data-dir") else { return }
    let hostCount = options.int("hosts", 10_000), clusterCount = options.int("clusters", 100), rounds = options.int("rounds", 5)
    let db = try await openDatabase(dir, logger: logger)
    let zone = try await db.read { sql in try await demoZone(sql) }
    let insertStart = ContinuousClock.now
    try await db.transaction { sql in
        var clusterIDs: [Int64] = []
        for c in 0..<clusterCount {
            let cluster = try await ClusterRepository.insert(sql, Cluster(id: 0, uuid: UUID(), zoneID: zone.zoneID, podID: zone.podID, name: "bench-place-\(c)",
                                                                           hypervisorType: .simulator, allocationState: .enabled, created: Date()))
            clusterIDs.append(cluster.id)
        }
        for i in 0..<hostCount {
            _ = try await HostRepository.insert(sql, host(named: "bench-place-h\(i)", zone: zone, podID: zone.podID, clusterID: clusterIDs[i % clusterCount],
                                                          status: .up, cores: 32, speed: 2500, memory: 256 << 30, index: 100_000 + i,
                                                          tags: i % 5 == 0 ? ["ssd"] : []))
        }
    }
    let insertSeconds = milliseconds(since: insertStart) / 1000
    let service = PlacementService(db: db, config: ConfigService(db: db), logger: logger)
    var times: [Double] = []
    var size = 0
    for _ in 0..<(rounds + 1) {
        service.invalidate()
        let t0 = ContinuousClock.now
        let snapshot = try await service.snapshot()
        times.append(milliseconds(since: t0))
        size = snapshot.hosts.count
    }
    await db.shutdown()
    let measured = Array(times.dropFirst())
    emit(["rebuild_hosts": size, "inserted_hosts": hostCount, "insert_seconds": insertSeconds, "first_ms": times[0],
          "median_ms": percentile(measured, 50), "max_ms": measured.max() ?? 0, "rounds": rounds])
}

var logger = Logger(label: "cirrus-bench-seed")
logger.logLevel = .error
let arguments = CommandLine.arguments
let options = Options(arguments.dropFirst(2))
switch arguments.count > 1 ? arguments[1] : "" {
case "instances":
    try await seedInstances(options, logger: logger)
case "routerdoc":
    try await benchRouterDocument(options, logger: logger)
case "placement":
    benchPlanners(options)
    try await benchRebuild(options, logger: logger)
default:
    fail("usage: cirrus-bench-seed instances --data-dir DIR --count N --accounts a,b [--hosts 200] | placement [--hosts 10000] [--clusters 100] [--requests 20000] [--data-dir DIR]")
}
