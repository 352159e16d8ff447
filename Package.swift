// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Cirrus",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "cirrus", targets: ["cirrus"]),
        .executable(name: "cirrus-bench-bare", targets: ["CirrusBenchBare"]),
        .executable(name: "cirrus-bench-seed", targets: ["CirrusBenchSeed"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
    ],
    targets: [
        // Pure value types: identifiers, entities, state machines, errors. No I/O.
        .target(
            name: "CirrusModel",
            dependencies: []
        ),
        // Codable agent envelopes, commands and answers shared by the management server and agents.
        .target(
            name: "CirrusProtocol",
            dependencies: []
        ),
        // SQLKit repositories, migrations, job queue and leases over SQLite and PostgreSQL.
        .target(
            name: "CirrusStore",
            dependencies: [
                "CirrusModel",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Services: identity, roles, tenancy, jobs, events, settings. No HTTP, no SQL strings.
        .target(
            name: "CirrusEngine",
            dependencies: [
                "CirrusModel",
                "CirrusStore",
                "CirrusProtocol",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The CloudStack API: command declarations, parameter parsing, signatures,
        // response serialisation (JSON and XML), listApis and OpenAPI. No HTTP server.
        .target(
            name: "CirrusAPI",
            dependencies: [
                "CirrusModel",
                "CirrusEngine",
                "CirrusStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // HTTP front: Hummingbird routes, sessions, the API endpoint.
        .target(
            name: "CirrusServer",
            dependencies: [
                "CirrusAPI",
                "CirrusEngine",
                "CirrusStore",
                "CirrusProtocol",
                "CirrusAgent",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The host agent: the WebSocket link to management servers and the hypervisor
        // drivers behind it (the Simulator now; KVM through libvirt later).
        .target(
            name: "CirrusAgent",
            dependencies: [
                "CirrusProtocol",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Test helpers shared by test targets: a fresh database on either engine.
        .target(
            name: "CirrusTestSupport",
            dependencies: ["CirrusStore", .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "cirrus",
            dependencies: [
                "CirrusServer",
                "CirrusAgent",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "CirrusStoreTests",
            dependencies: [
                "CirrusStore",
                "CirrusTestSupport",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Baseline HTTP server for the API throughput benchmark (bench/run_benchmarks.py).
        .executableTarget(
            name: "CirrusBenchBare",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "Benchmarks/BareServer"
        ),
        // Seeds instances and hosts straight into a data directory and times placement (bench/instances_bench.py).
        .executableTarget(
            name: "CirrusBenchSeed",
            dependencies: [
                "CirrusModel",
                "CirrusStore",
                "CirrusEngine",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "CirrusAgentTests",
            dependencies: ["CirrusAgent", "CirrusProtocol", "CirrusServer", "CirrusEngine", "CirrusModel", "CirrusStore", "CirrusTestSupport"]
        ),
        .testTarget(
            name: "CirrusModelTests",
            dependencies: ["CirrusModel"]
        ),
        .testTarget(
            name: "CirrusAPITests",
            dependencies: ["CirrusAPI", "CirrusEngine", "CirrusStore", "CirrusTestSupport", "CirrusModel", "CirrusAgent", "CirrusProtocol"]
        ),
        .testTarget(
            name: "CirrusWireTests",
            dependencies: ["CirrusAPI", "CirrusModel"]
        ),
        .testTarget(
            name: "CirrusServerTests",
            dependencies: [
                "CirrusServer",
                "CirrusModel",
                "CirrusStore",
                "CirrusTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ]
)
