import Contracts
import Foundation
import Store
import Synchronization

/// How many days each organization keeps its records: the platform's defaults and limits from
/// configuration, and the organizations' own choices from `retention_settings` (remembered for
/// ``lifetime``; an update on this replica applies at once, on others within the lifetime).
final class RetentionBook: Sendable {
    struct Choice: Sendable, Equatable {
        var auditDays: Int
        var workloadDays: Int
    }

    private let pool: PostgresPool
    let systemDays: Int
    let audit: LoggingConfiguration.RetentionLimits
    let workload: LoggingConfiguration.RetentionLimits
    private let lifetime: Duration
    private let cache = Mutex<[String: (choice: Choice, until: ContinuousClock.Instant)]>([:])

    init(pool: PostgresPool, configuration: LoggingConfiguration, lifetime: Duration = .seconds(30)) {
        self.pool = pool
        systemDays = configuration.systemRetentionDays
        audit = configuration.auditRetention
        workload = configuration.workloadRetention
        self.lifetime = lifetime
    }

    var defaults: Choice { Choice(auditDays: audit.defaultDays, workloadDays: workload.defaultDays) }

    /// The organization's choice (the defaults when it made none), kept within today's limits.
    func choice(for organizationID: String) async throws -> Choice {
        guard !organizationID.isEmpty else { return defaults }
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0[organizationID] }), now < cached.until { return cached.choice }
        let rows = try await pool.query("SELECT audit_days, workload_days FROM retention_settings WHERE organization_id = \(organizationID)")
        var choice = defaults
        if let row = rows.first { choice = try stored(row) }
        remember(organizationID, choice)
        return choice
    }

    /// A `retention_settings` row's choice, kept within today's limits (they may have
    /// narrowed since it was stored).
    private func stored(_ row: PostgresRow) throws -> Choice {
        Choice(
            auditDays: min(max(try row.decode(Int.self, column: "audit_days"), audit.minDays), audit.maxDays),
            workloadDays: min(max(try row.decode(Int.self, column: "workload_days"), workload.minDays), workload.maxDays)
        )
    }

    func remember(_ organizationID: String, _ choice: Choice) {
        cache.withLock { $0[organizationID] = (choice, .now + lifetime) }
    }

    /// Days a record of `tier` of `organizationID` is kept.
    func days(_ tier: Hexabase_Logs_V1_Tier, organizationID: String) async throws -> Int {
        switch tier {
        case .audit: try await choice(for: organizationID).auditDays
        case .workload: try await choice(for: organizationID).workloadDays
        default: systemDays
        }
    }

    /// Cuts the records already stored to the retention organizations chose since the last
    /// pass (new records get it through their expiry day). Run by the retention job; a pass
    /// interrupted by a crash is done again by the next one.
    @discardableResult
    func purgeShortened(_ records: any LogStore, now: Date) async throws -> Int {
        let rows = try await pool.query("""
            SELECT organization_id, audit_days, workload_days, updated_at FROM retention_settings
            WHERE purged_at IS NULL OR purged_at < updated_at ORDER BY updated_at LIMIT 100
            """)
        let today = IngestConsumer.startOfDay(now)
        var deleted = 0
        for row in rows {
            let organizationID: String = try row.decode(column: "organization_id")
            let choice = try stored(row)
            deleted += try await records.deleteRecords(of: organizationID, tier: .audit, before: today.addingTimeInterval(-Double(choice.auditDays) * 86_400))
            deleted += try await records.deleteRecords(of: organizationID, tier: .workload, before: today.addingTimeInterval(-Double(choice.workloadDays) * 86_400))
            let updatedAt: Date = try row.decode(column: "updated_at")
            try await pool.execute("UPDATE retention_settings SET purged_at = now() WHERE organization_id = \(organizationID) AND updated_at = \(updatedAt)")
        }
        return deleted
    }
}
