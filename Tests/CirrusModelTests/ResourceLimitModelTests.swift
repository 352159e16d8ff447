import CirrusModel
import Testing

@Suite("Resource limit arithmetic")
struct ResourceLimitModelTests {
    @Test("Types carry CloudStack's ordinals and names")
    func ordinalsAndNames() {
        let expected: [(Int, String)] = [(0, "user_vm"), (1, "public_ip"), (2, "volume"), (3, "snapshot"), (4, "template"), (5, "project"),
                                         (6, "network"), (7, "vpc"), (8, "cpu"), (9, "memory"), (10, "primary_storage"), (11, "secondary_storage")]
        #expect(ResourceType.allCases.map { ($0.rawValue) } == expected.map(\.0))
        #expect(ResourceType.allCases.map(\.name) == expected.map(\.1))
        for (ordinal, name) in expected {
            #expect(ResourceType(name: name)?.rawValue == ordinal)
            #expect(ResourceType(name: name.uppercased())?.rawValue == ordinal)
        }
        #expect(ResourceType(rawValue: 12) == nil)
        #expect(ResourceType(name: "gpu") == nil)
        #expect(ResourceType.allCases.filter(\.isStorage) == [.primaryStorage, .secondaryStorage])
    }

    @Test("A check passes up to the limit and not beyond; -1 is unlimited; shrinking always passes")
    func allows() {
        #expect(ResourceLimits.allows(count: 4, delta: 1, limit: 5))
        #expect(!ResourceLimits.allows(count: 5, delta: 1, limit: 5))
        #expect(!ResourceLimits.allows(count: 0, delta: 6, limit: 5))
        #expect(ResourceLimits.allows(count: 0, delta: 0, limit: 0))
        #expect(!ResourceLimits.allows(count: 0, delta: 1, limit: 0))
        #expect(ResourceLimits.allows(count: 1_000_000, delta: 1_000_000, limit: -1))
        #expect(ResourceLimits.allows(count: 9, delta: -3, limit: 5))
        #expect(!ResourceLimits.allows(count: Int64.max, delta: 1, limit: Int64.max))
    }

    @Test("Counts never go below zero")
    func adjusted() {
        #expect(ResourceLimits.adjusted(5, by: -2) == 3)
        #expect(ResourceLimits.adjusted(1, by: -2) == 0)
        #expect(ResourceLimits.adjusted(0, by: 7) == 7)
        #expect(ResourceLimits.adjusted(Int64.max, by: 1) == Int64.max)
        #expect(ResourceLimits.available(count: 3, limit: 5) == 2)
        #expect(ResourceLimits.available(count: 7, limit: 5) == 0)
        #expect(ResourceLimits.available(count: 7, limit: -1) == nil)
    }

    @Test("Storage limits are GiB on the API and bytes when stored")
    func units() {
        let gib = ResourceLimits.bytesPerGiB
        #expect(ResourceLimits.storedValue(200, for: .primaryStorage) == 200 * gib)
        #expect(ResourceLimits.storedValue(200, for: .memory) == 200)
        #expect(ResourceLimits.storedValue(-1, for: .secondaryStorage) == -1)
        #expect(ResourceLimits.storedValue(-2, for: .cpu) == nil)
        #expect(ResourceLimits.storedValue(Int64.max, for: .primaryStorage) == nil)
        #expect(ResourceLimits.apiValue(200 * gib, for: .primaryStorage) == 200)
        #expect(ResourceLimits.apiValue(gib + 1, for: .primaryStorage) == 2)
        #expect(ResourceLimits.apiValue(-1, for: .primaryStorage) == -1)
        #expect(ResourceLimits.apiValue(40960, for: .memory) == 40960)
        #expect(ResourceLimits.fromSetting(400, for: .secondaryStorage) == 400 * gib)
        #expect(ResourceLimits.fromSetting(-5, for: .userVM) == -1)
    }

    @Test("Effective limits: root admins and ROOT unlimited, own row, nearest ancestor's row, default")
    func effective() {
        #expect(ResourceLimits.accountLimit(isRootAdmin: true, row: 3, defaultValue: 20) == -1)
        #expect(ResourceLimits.accountLimit(isRootAdmin: false, row: 3, defaultValue: 20) == 3)
        #expect(ResourceLimits.accountLimit(isRootAdmin: false, row: nil, defaultValue: 20) == 20)
        #expect(ResourceLimits.domainLimit(isRoot: true, rows: [5], defaultValue: 40) == -1)
        #expect(ResourceLimits.domainLimit(isRoot: false, rows: [7, 5], defaultValue: 40) == 7)
        #expect(ResourceLimits.domainLimit(isRoot: false, rows: [nil, 5], defaultValue: 40) == 5)
        #expect(ResourceLimits.domainLimit(isRoot: false, rows: [nil, nil], defaultValue: 40) == 40)
        #expect(ResourceLimits.domainLimit(isRoot: false, rows: [nil, -1], defaultValue: 40) == -1)
    }

    @Test("Messages follow CloudStack's ResourceAllocationException text, with readable sizes")
    func messages() {
        #expect(ResourceLimits.readableSize(512) == "512 bytes")
        #expect(ResourceLimits.readableSize(1536) == "1.50 KB")
        #expect(ResourceLimits.readableSize(ResourceLimits.bytesPerGiB * 2) == "2.00 GB")
        let e = ResourceLimits.accountExceeded(type: .userVM, accountName: "acme", domainUUID: "d-1", limit: 5, count: 5, requested: 1)
        #expect(e.code == .resourceAllocation)
        #expect(e.csCode == .resourceAllocation)
        #expect(e.message == "Maximum amount of resources of Type = 'user_vm' for Account Name = acme in Domain Id = d-1 is exceeded: "
            + "Account Resource Limit = 5, Current Account Resource Amount = 5, Current Account Resource Reservation = 0, Requested Resource Amount = 1.")
        let d = ResourceLimits.domainExceeded(type: .primaryStorage, domainUUID: "d-2", limit: ResourceLimits.bytesPerGiB, count: 0,
                                              requested: 2 * ResourceLimits.bytesPerGiB)
        #expect(d.code.rawValue == 535)
        #expect(d.message.hasPrefix("Maximum domain resource limits of Type 'primary_storage' for Domain Id = d-2 is exceeded: Domain Resource Limit = 1.00 GB"))
        #expect(d.message.hasSuffix("Requested Resource Amount = 2.00 GB."))
    }
}
