import CirrusModel
import Foundation
import Testing

@Suite("Template model")
struct TemplateModelTests {
    // Owners: account 10 in domain 2 (/a/), account 20 in domain 3 (/b/).
    func facts(owner: Int64 = 10, domain: Int64 = 2, path: String = "/a/", isPublic: Bool = false, isFeatured: Bool = false,
               ready: Bool = true, shared: Bool = false) -> TemplateFilter.Facts {
        TemplateFilter.Facts(ownerAccountID: owner, ownerDomainID: domain, ownerDomainPath: path, isPublic: isPublic, isFeatured: isFeatured,
                             isReady: ready, isSharedWithCaller: shared)
    }

    let user20 = TemplateFilter.Audience(accountID: 20, isRootAdmin: false, isAdmin: false, scope: .account(id: 20))
    let user10 = TemplateFilter.Audience(accountID: 10, isRootAdmin: false, isAdmin: false, scope: .account(id: 10))

    @Test func selfMeansOwnedByTheCallersAccount() {
        #expect(TemplateFilter.own.admits(facts(), audience: user10))
        #expect(TemplateFilter.own.admits(facts(ready: false), audience: user10))
        #expect(!TemplateFilter.own.admits(facts(isPublic: true, isFeatured: true), audience: user20))
    }

    @Test func selfExecutableNeedsReady() {
        #expect(TemplateFilter.selfExecutable.admits(facts(), audience: user10))
        #expect(!TemplateFilter.selfExecutable.admits(facts(ready: false), audience: user10))
        #expect(!TemplateFilter.selfExecutable.admits(facts(), audience: user20))
    }

    @Test func sharedExecutableIsOnlyWhatWasShared() {
        #expect(!TemplateFilter.sharedExecutable.admits(facts(), audience: user20))
        #expect(TemplateFilter.sharedExecutable.admits(facts(shared: true), audience: user20))
        #expect(!TemplateFilter.sharedExecutable.admits(facts(ready: false, shared: true), audience: user20))
        // Public is not shared.
        #expect(!TemplateFilter.sharedExecutable.admits(facts(isPublic: true), audience: user20))
    }

    @Test func executableIsFeaturedPublicOwnAndSharedWhenReady() {
        #expect(TemplateFilter.executable.admits(facts(isPublic: true), audience: user20))
        #expect(TemplateFilter.executable.admits(facts(isFeatured: true), audience: user20))
        #expect(TemplateFilter.executable.admits(facts(shared: true), audience: user20))
        #expect(TemplateFilter.executable.admits(facts(owner: 20, domain: 3, path: "/b/"), audience: user20))
        #expect(!TemplateFilter.executable.admits(facts(), audience: user20))
        #expect(!TemplateFilter.executable.admits(facts(isPublic: true, ready: false), audience: user20))
    }

    @Test func communityIsPublicButNotFeatured() {
        #expect(TemplateFilter.community.admits(facts(isPublic: true), audience: user20))
        #expect(!TemplateFilter.community.admits(facts(isPublic: true, isFeatured: true), audience: user20))
        #expect(!TemplateFilter.community.admits(facts(), audience: user20))
    }

    @Test func featuredIsFeaturedAndReady() {
        #expect(TemplateFilter.featured.admits(facts(isPublic: true, isFeatured: true), audience: user20))
        #expect(!TemplateFilter.featured.admits(facts(isPublic: true, isFeatured: true, ready: false), audience: user20))
        #expect(!TemplateFilter.featured.admits(facts(isPublic: true), audience: user20))
    }

    @Test func allIsForAdmins() {
        #expect(TemplateFilter.all.isAdminOnly)
        #expect(!TemplateFilter.all.admits(facts(owner: 20), audience: user20))
        let root = TemplateFilter.Audience(accountID: 2, isRootAdmin: true, isAdmin: true, scope: .account(id: 2))
        #expect(TemplateFilter.all.admits(facts(ready: false), audience: root))
        // A domain admin of /b/ sees its subtree and public templates, not /a/'s private ones.
        let domainAdmin = TemplateFilter.Audience(accountID: 30, isRootAdmin: false, isAdmin: true, scope: .domainTree(path: "/b/"))
        #expect(TemplateFilter.all.admits(facts(owner: 20, domain: 3, path: "/b/"), audience: domainAdmin))
        #expect(TemplateFilter.all.admits(facts(isPublic: true), audience: domainAdmin))
        #expect(!TemplateFilter.all.admits(facts(), audience: domainAdmin))
    }

    @Test func filterNamesParseLikeCloudStack() {
        #expect(TemplateFilter(caseInsensitive: "SELF") == .own)
        #expect(TemplateFilter(caseInsensitive: "selfexecutable") == .selfExecutable)
        #expect(TemplateFilter(caseInsensitive: "mine") == nil)
    }

    @Test func checksumsParseInEveryAcceptedForm() throws {
        let md5 = String(repeating: "a", count: 32)
        let sha256 = String(repeating: "B", count: 64)
        #expect(TemplateChecksum(parsing: md5) == TemplateChecksum(algorithm: .md5, hex: md5))
        #expect(TemplateChecksum(parsing: "{MD5}\(md5)")?.algorithm == .md5)
        let parsed = try #require(TemplateChecksum(parsing: "{SHA-256}\(sha256)"))
        #expect(parsed.algorithm == .sha256 && parsed.hex == sha256.lowercased())
        #expect(parsed.canonical == "{SHA-256}\(sha256.lowercased())")
        #expect(TemplateChecksum(parsing: "{sha256}\(sha256)")?.algorithm == .sha256)
        #expect(TemplateChecksum(parsing: String(repeating: "c", count: 128))?.algorithm == .sha512)
        #expect(TemplateChecksum(parsing: "{SHA-256}\(md5)") == nil)
        #expect(TemplateChecksum(parsing: "{CRC32}abcd") == nil)
        #expect(TemplateChecksum(parsing: "not-hex") == nil)
        #expect(TemplateChecksum(parsing: "{SHA-256") == nil)
    }

    @Test func statusTextReadsAsCloudStackWritesIt() {
        var ref = TemplateStoreRef(id: 1, templateID: 1, storeID: 1, zoneID: 1, state: .downloadInProgress, downloadPercent: 45, updated: Date(), created: Date())
        #expect(ref.statusText == "45% Downloaded")
        ref.downloadPercent = 100
        #expect(ref.statusText == "Installing Template")
        ref.state = .downloaded
        #expect(ref.statusText == "Download Complete")
        ref.state = .downloadError
        ref.error = "HTTP 404 Not Found "
        #expect(ref.statusText == "HTTP 404 Not Found")
        ref.state = .notDownloaded
        ref.error = nil
        #expect(ref.statusText == "Processing")
    }

    @Test func theReadyCopySpeaksForAZone() {
        let now = Date()
        let failed = TemplateStoreRef(id: 1, templateID: 1, storeID: 1, zoneID: 1, state: .downloadError, updated: now, created: now)
        let ready = TemplateStoreRef(id: 2, templateID: 1, storeID: 2, zoneID: 1, state: .downloaded, updated: now.addingTimeInterval(-60), created: now)
        #expect(TemplateStoreRef.representative([failed, ready])?.id == 2)
        #expect(TemplateStoreRef.representative([failed])?.id == 1)
        #expect(TemplateStoreRef.representative([]) == nil)
        #expect(TemplateDownloadState.notDownloaded.isPending && TemplateDownloadState.downloadInProgress.isPending)
        #expect(!TemplateDownloadState.downloaded.isPending)
    }

    @Test func osCatalogCarriesCloudStackNames() {
        let all = OSCatalog.seed.flatMap(\.types)
        #expect(Set(all).count == all.count)
        for name in ["CentOS 5.3 (64-bit)", "Ubuntu 22.04 LTS", "Debian GNU/Linux 12 (64-bit)", "Other Linux (64-bit)", "Other (64-bit)"] {
            #expect(all.contains(name))
        }
        #expect(all.contains(OSCatalog.builtInTemplateOSType))
    }
}
