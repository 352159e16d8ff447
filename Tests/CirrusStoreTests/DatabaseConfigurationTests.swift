import CirrusStore
import Testing

@Suite("Database URL parsing")
struct DatabaseConfigurationTests {
    @Test func missingOrEmptyURLMeansSQLiteInTheDataDirectory() throws {
        #expect(try DatabaseConfiguration.parse(nil, dataDirectory: "/var/lib/cirrus") == .sqlite(path: "/var/lib/cirrus/cirrus.sqlite"))
        #expect(try DatabaseConfiguration.parse("", dataDirectory: "/var/lib/cirrus/") == .sqlite(path: "/var/lib/cirrus/cirrus.sqlite"))
        #expect(try DatabaseConfiguration.parse("  ", dataDirectory: "data") == .sqlite(path: "data/cirrus.sqlite"))
        #expect(try DatabaseConfiguration.parse(nil, dataDirectory: "/x").isEmbedded)
    }

    @Test func fullPostgresURL() throws {
        let configuration = try DatabaseConfiguration.parse("postgres://cirrus:secret@db.example.com:6543/cloud", dataDirectory: "/d")
        #expect(configuration == .postgres(host: "db.example.com", port: 6543, username: "cirrus", password: "secret", database: "cloud", tls: .prefer))
        #expect(!configuration.isEmbedded)
    }

    @Test func postgresqlSchemeDefaultPortAndNoPassword() throws {
        #expect(try DatabaseConfiguration.parse("postgresql://cirrus@localhost/cloud", dataDirectory: "/d")
            == .postgres(host: "localhost", port: 5432, username: "cirrus", password: nil, database: "cloud"))
        #expect(try DatabaseConfiguration.parse("POSTGRES://cirrus@localhost/cloud", dataDirectory: "/d")
            == .postgres(host: "localhost", port: 5432, username: "cirrus", password: nil, database: "cloud"))
    }

    @Test func userAndPasswordArePercentDecoded() throws {
        let configuration = try DatabaseConfiguration.parse("postgres://us%40er:p%40ss%2Fw%3Ard%20x@h:5432/db", dataDirectory: "/d")
        #expect(configuration == .postgres(host: "h", port: 5432, username: "us@er", password: "p@ss/w:rd x", database: "db"))
    }

    @Test func ipv6HostAndSSLMode() throws {
        #expect(try DatabaseConfiguration.parse("postgres://u:p@[::1]:5433/db?sslmode=disable", dataDirectory: "/d")
            == .postgres(host: "::1", port: 5433, username: "u", password: "p", database: "db", tls: .disable))
        #expect(try DatabaseConfiguration.parse("postgres://u@h/db?sslmode=verify-full", dataDirectory: "/d")
            == .postgres(host: "h", port: 5432, username: "u", password: nil, database: "db", tls: .verifyFull))
        #expect(try DatabaseConfiguration.parse("postgres://u@h/db?sslmode=allow", dataDirectory: "/d")
            == .postgres(host: "h", port: 5432, username: "u", password: nil, database: "db", tls: .prefer))
    }

    @Test(arguments: [
        "mysql://u:p@h/db",
        "sqlite:///var/lib/cirrus.db",
        "not a url",
        "/var/lib/cirrus/cirrus.sqlite",
        "postgres://h/db",             // no user
        "postgres://u@h",              // no database
        "postgres://u@h/",             // no database
        "postgres://u@h/db/extra",     // more than a database
        "postgres://u@/db",            // no host
        "postgres://u@h:0/db",         // bad port
        "postgres://u@h/db?sslmode=sometimes",
        "postgres://u@h/db?application_name=x",
    ])
    func rejectsOtherURLs(_ url: String) throws {
        let error = #expect(throws: StoreError.self) {
            try DatabaseConfiguration.parse(url, dataDirectory: "/d")
        }
        #expect(error?.message.isEmpty == false)
    }

    @Test func passwordsNeverAppearInMessages() throws {
        let error = #expect(throws: StoreError.self) {
            try DatabaseConfiguration.parse("mysql://cirrus:hunter2@h/db", dataDirectory: "/d")
        }
        #expect(error?.description.contains("hunter2") == false)
        #expect(error?.description.contains("cirrus:***@h") == true)

        let configuration = try DatabaseConfiguration.parse("postgres://cirrus:hunter2@h/db", dataDirectory: "/d")
        #expect(!configuration.description.contains("hunter2"))
        #expect(configuration.description == "postgres://cirrus:***@h:5432/db?sslmode=prefer")
    }
}
