import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation

extension RouterService {
    /// The document a router should run now (nil when it has no network).
    public func document(routerID: Int64) async throws -> RouterDocument? {
        try await db.read { try await RouterDocumentBuilder.build($0, routerID: routerID) }
    }

    /// Builds a Running router's document and sends it to the router's host with
    /// ApplyRouterDocumentCommand; records the generation the host reports as applied.
    /// Returns that generation, or nil when the router is not Running on a host or the host
    /// did not apply it (it stays dirty and the next sweep tries again).
    @discardableResult
    public func push(routerID: Int64) async throws -> Int64? {
        let target = try await db.read { sql -> (RouterDocument, Int64)? in
            guard let r = try await RouterRepository.find(sql, id: routerID), r.state == .running, let host = r.hostID,
                  let doc = try await RouterDocumentBuilder.build(sql, routerID: r.id) else { return nil }
            return (doc, host)
        }
        guard let (doc, hostID) = target else { return nil }
        let answer = try await agents.send(.applyRouterDocument(doc), to: hostID, timeout: .seconds(60))
        guard answer.result, case .routerDocumentApplied(let generation)? = answer.payload else {
            logger.warning("Router document not applied", metadata: ["router": "\(doc.router.name)", "generation": "\(doc.generation)",
                                                                   "details": "\(answer.details)"])
            return nil
        }
        try await db.transaction { try await RouterRepository.setApplied($0, id: routerID, generation: generation) }
        return generation
    }

    /// Pushes a router right after a change that raised its generation (start, reboot, patch).
    /// A failure is logged and left to the sweep. Returns the router as stored afterwards.
    func pushing(_ r: Router) async -> Router {
        do {
            if try await push(routerID: r.id) != nil, let fresh = try await db.read({ try await RouterRepository.find($0, id: r.id) }) { return fresh }
        } catch {
            logger.warning("Router document push failed", metadata: ["router": "\(r.name)", "error": "\(StoreError.describe(error))"])
        }
        return r
    }

    /// Pushes the Running routers serving a network (its own, or its VPC's) that are behind
    /// now (after implement, restart or an instance start on it); failures are logged and
    /// left to the sweep.
    public func pushNetwork(networkID: Int64) async {
        let routers = (try? await db.read { try await RouterRepository.serving($0, networkID: networkID) }) ?? []
        for r in routers where r.state == .running && r.documentGeneration > r.appliedGeneration { _ = await pushing(r) }
    }

    /// Pushes a VPC's Running routers that are behind now.
    public func pushVPC(vpcID: Int64) async {
        let routers = (try? await db.read { try await RouterRepository.of($0, vpcID: vpcID) }) ?? []
        for r in routers where r.state == .running && r.documentGeneration > r.appliedGeneration { _ = await pushing(r) }
    }

    /// Pushes every Running router whose document generation is ahead of what its host
    /// applied, a few at a time. Returns how many were brought up to date.
    @discardableResult
    public func pushDirty() async throws -> Int {
        let dirty = try await db.read { try await RouterRepository.dirty($0) }
        var done = 0
        for start in stride(from: 0, to: dirty.count, by: 8) {
            done += await withTaskGroup(of: Bool.self) { group in
                for id in dirty[start..<min(start + 8, dirty.count)] {
                    group.addTask { [self] in
                        do { return try await self.push(routerID: id) != nil } catch {
                            self.logger.warning("Router document push failed", metadata: ["router": "\(id)", "error": "\(StoreError.describe(error))"])
                            return false
                        }
                    }
                }
                var n = 0
                for await ok in group where ok { n += 1 }
                return n
            }
        }
        return done
    }

    /// The background sweep that keeps routers' configuration applied
    /// (`router.document.push.interval` seconds); every server runs it, pushes are idempotent.
    public func startPusher(serverID: String) -> PeriodicTask {
        PeriodicTask(name: "router-push", db: db, serverID: serverID, singleton: false, logger: logger,
                     interval: { [config] in .seconds((try? await config.int(Settings.routerPushInterval)) ?? 2) },
                     body: { [self] in try await self.pushDirty() })
    }
}
