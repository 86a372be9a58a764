import Foundation
import Logging
import ServiceKit
import Synchronization

/// Answers "may this user do that?" for every handler and for CheckAccess, with a short-lived
/// cache of each user's access facts and of resource placements. Any mutation that changes
/// access flushes the cache here and, through ``invalidationSubject``, on every replica; the
/// time-to-live bounds staleness if such a broadcast is lost.
final class AccessControl: Sendable {
    /// Core NATS subject every replica listens on (no queue group) to flush its cache.
    static let invalidationSubject = "hxb.workspace.internal.access.invalidate"

    private let store: WorkspaceStore
    private let platformAdmins: Set<String>
    private let timeToLive: Duration
    private let broadcast: @Sendable () -> Void
    private let logger: Logger
    private let users = Mutex<[String: (UserAccess, ContinuousClock.Instant)]>([:])
    private let placements = Mutex<[ResourceName: (ResourcePlacement, ContinuousClock.Instant)]>([:])

    init(
        store: WorkspaceStore, platformAdmins: Set<String>, timeToLive: Duration, logger: Logger,
        broadcast: @escaping @Sendable () -> Void
    ) {
        self.store = store
        self.platformAdmins = platformAdmins
        self.timeToLive = timeToLive
        self.logger = logger
        self.broadcast = broadcast
    }

    /// The user's access facts (cached).
    func access(for userID: String) async throws -> UserAccess {
        let now = ContinuousClock.now
        if let access = cachedAccess(userID, at: now) { return access }
        let access = try await store.userAccess(userID: userID, isPlatformAdmin: platformAdmins.contains(userID))
        users.withLock { cache in
            if cache.count > 50_000 { cache.removeAll(keepingCapacity: true) }
            cache[userID] = (access, now + timeToLive)
        }
        return access
    }

    private func cachedAccess(_ userID: String, at now: ContinuousClock.Instant) -> UserAccess? {
        guard let (access, expiry) = users.withLock({ $0[userID] }), expiry > now else { return nil }
        return access
    }

    private func cachedPlacement(_ resource: ResourceName, at now: ContinuousClock.Instant) -> ResourcePlacement? {
        guard let (placement, expiry) = placements.withLock({ $0[resource] }), expiry > now else { return nil }
        return placement
    }

    /// Where a resource sits (cached); nil when it does not exist.
    func placement(of resource: ResourceName) async throws -> ResourcePlacement? {
        let now = ContinuousClock.now
        if let placement = cachedPlacement(resource, at: now) { return placement }
        guard let placement = try await store.placement(of: resource) else { return nil }
        placements.withLock { cache in
            if cache.count > 100_000 { cache.removeAll(keepingCapacity: true) }
            cache[resource] = (placement, now + timeToLive)
        }
        return placement
    }

    /// The decision for one action on one resource; nil placement when the resource does not exist.
    /// (The resource and the user's facts are loaded side by side when neither is cached.)
    func decide(userID: String, action: Action, on resource: ResourceName) async throws -> (AccessDecision, ResourcePlacement?) {
        let now = ContinuousClock.now
        if let placement = cachedPlacement(resource, at: now), let access = cachedAccess(userID, at: now) {
            return (AccessPolicy.decide(action, on: placement, for: access), placement)
        }
        async let loadedAccess = access(for: userID)
        guard let placement = try await placement(of: resource) else {
            return (AccessDecision(allowed: false, visible: false, reason: "no such resource"), nil)
        }
        return (AccessPolicy.decide(action, on: placement, for: try await loadedAccess), placement)
    }

    /// Authorizes `action` on `resource` for `actor`: returns where the resource sits, or
    /// throws 404 when the actor cannot see it (or it does not exist) and 403 when they can see
    /// it but not do this (recorded as a denied audit record). A visible resource tags the
    /// request's logs with its organization, workspace and project.
    @discardableResult
    func require(_ actionName: String, on resource: ResourceName, by actor: Actor) async throws -> ResourcePlacement {
        guard let action = Action.named(actionName) else {
            throw ServiceError(.internalError, "Internal error.", cause: ConfigurationError("unknown action \(actionName)"))
        }
        let (decision, placement) = try await decide(userID: actor.id, action: action, on: resource)
        guard let placement, decision.visible else { throw Self.notFound(resource) }
        RequestLogContext.current?.tagTenant(
            organizationID: placement.organizationID, workspaceID: placement.workspaceID, projectID: placement.projectChain.first
        )
        guard decision.allowed else {
            await recordDenied(action.name, on: resource, at: placement, by: actor, reason: decision.reason)
            throw ServiceError(.permissionDenied, "You may not do this (\(action.name): \(decision.reason)).")
        }
        return placement
    }

    /// Records a refused action as a denied audit record (a failure to write it is logged).
    func recordDenied(_ action: String, on resource: ResourceName, at placement: ResourcePlacement, by actor: Actor, reason: String) async {
        await store.recordDenied(action: action, actor: actor, resource: resource, placement: placement, reason: reason, logger: logger)
    }

    /// Flushes this replica's cache and tells the others to flush theirs.
    func invalidate() {
        flushLocal()
        broadcast()
    }

    /// Flushes this replica's cache (on a broadcast from another replica).
    func flushLocal() {
        users.withLock { $0.removeAll() }
        placements.withLock { $0.removeAll() }
    }

    static func notFound(_ resource: ResourceName) -> ServiceError {
        let noun = switch resource.kind {
        case .organization: "organization"
        case .workspace: "workspace"
        case .project: "project"
        }
        return ServiceError(.notFound, "The \(noun) does not exist.")
    }
}
