import ArgumentParser
import Foundation
import Logging
import ServiceKit

/// `make bench`: measures the RPC runtime against raw libnats and `GET /api/v1/auth/me`
/// through the whole stack, and prints a Markdown table (figures for the README).
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hxb-bench", abstract: "Hexabase control-plane benchmarks.")

    @Option(help: "Measured round trips per echo round.") var iterations = 20_000
    @Option(help: "Unmeasured round trips before each echo round.") var warmup = 2_000
    @Option(help: "Echo payload size in bytes.") var payloadBytes = 128
    @Option(help: "Alternating Swift/C echo rounds (the median is reported).") var rounds = 5
    @Option(help: "Seconds per wrk run.") var httpSeconds = 10
    @Option(help: "Measured CheckAccess calls per cache setting.") var checks = 5_000
    @Option(help: "Workspaces created one after the other (after 3 unmeasured).") var workspaces = 30
    @Option(help: "Records ingested through hxb.logs.v1.Ingest (and copied raw).") var ingestRecords = 300_000
    @Option(help: "Concurrent Ingest producers.") var ingestProducers = 4
    @Option(help: "Offered load of the paced ingest run, records/s (0: skip it).") var sustainedRate = 55_000
    @Option(help: "Records sent in the paced ingest run.") var sustainedRecords = 660_000
    @Option(help: "Workload records the scoped search runs over.") var searchRows = 5_000_000
    @Option(help: "Measured scoped searches.") var searches = 500
    @Option(help: "Which benchmarks: all, rpc, http, tokens, workspace or logging.") var only = "all"
    @Option(help: .hidden) var serveEcho: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        func required(_ name: String) throws -> String {
            guard let value = environment[name], !value.isEmpty else { throw ValidationError("\(name) is not set: run `make bench`") }
            return value
        }
        // The services' own log handler, so request logging costs what it costs in production.
        let logger = Logger(label: "hxb-bench") { JSONLogHandler(label: $0, level: .info) }
        if let serveEcho {
            try await RPCEchoBenchmark.serve(natsURL: serveEcho, logger: logger)
            return
        }
        var report = ["| benchmark | p50 | p99 | other |", "|---|---|---|---|"]
        if only == "all" || only == "rpc" {
            let echo = try await RPCEchoBenchmark(
                natsURL: try required("HXB_BENCH_NATS_URL"), cEchoDirectory: try required("HXB_BENCH_C_ECHO_DIR"),
                payloadBytes: payloadBytes, iterations: iterations, warmup: warmup, rounds: rounds, logger: logger
            ).run()
            let swift50 = median(echo.swiftP50), c50 = median(echo.cP50)
            report.append("| ServiceKit echo, \(payloadBytes) B, sequential | \(Self.format(swift50)) | \(Self.format(median(echo.swiftP99))) | \(String(format: "%.2f", swift50 / c50))× raw C p50 |")
            report.append("| C client → ServiceKit server, \(payloadBytes) B, sequential | \(Self.format(median(echo.mixedP50))) | — | \(String(format: "%.2f", median(echo.mixedP50) / c50))× raw C p50 |")
            report.append("| ServiceKit client → C server, \(payloadBytes) B, sequential | \(Self.format(median(echo.clientP50))) | — | \(String(format: "%.2f", median(echo.clientP50) / c50))× raw C p50 |")
            report.append("| raw libnats C echo, \(payloadBytes) B, sequential | \(Self.format(c50)) | \(Self.format(median(echo.cP99))) | baseline |")
        }
        if only == "all" || only == "http" {
            let figures = try await HTTPStackBenchmark(
                natsURL: try required("HXB_BENCH_NATS_URL"), postgresURL: try required("HXB_BENCH_POSTGRES_URL"),
                binDirectory: try required("HXB_BIN_DIR"), duration: httpSeconds, logger: logger
            ).run()
            for figure in figures {
                report.append("| \(figure.label), \(figure.connections) client(s) | \(Self.format(figure.p50)) | \(Self.format(figure.p99)) | \(Int(figure.requestsPerSecond)) req/s |")
            }
        }
        if only == "all" || only == "tokens" {
            let tokens = try await TokenBenchmark(iterations: 2_000, logger: logger).run()
            report.append("| RS256 access token signing in process, 1 task | — | — | \(Int(tokens.signPerSecondOneCore)) tokens/s |")
            report.append("| RS256 access token signing in process, 2 tasks | — | — | \(Int(tokens.signPerSecondTwoCores)) tokens/s |")
            report.append("| JWT verification (RS256, claims) in process | \(Self.format(tokens.verifyMicroseconds)) | — | per token |")
            if let sign = tokens.opensslSignPerSecond, let verify = tokens.opensslVerifyPerSecond {
                report.append("| openssl speed rsa2048, 1 core (ceiling) | — | — | \(Int(sign)) sign/s, \(Int(verify)) verify/s |")
            }
            if let signTwo = tokens.opensslSignPerSecondTwoCores {
                report.append("| openssl speed -multi 2 rsa2048 (ceiling) | — | — | \(Int(signTwo)) sign/s |")
            }
        }
        if only == "all" || only == "workspace" {
            let figures = try await WorkspaceBenchmark(
                natsURL: try required("HXB_BENCH_NATS_URL"), postgresURL: try required("HXB_BENCH_POSTGRES_URL"),
                binDirectory: try required("HXB_BIN_DIR"), checks: checks, workspaces: workspaces, logger: logger
            ).run()
            func row(_ label: String, _ latencies: Latencies, _ other: String) -> String {
                "| \(label) | \(Self.format(latencies.percentile(50))) | \(Self.format(latencies.percentile(99))) | \(other) |"
            }
            report.append(row("CheckAccess over NATS, access cache warm", figures.checkCached, "\(checks) sequential calls from a service; in the handler \(Self.format(figures.checkCachedHandler)) mean"))
            report.append(row("CheckAccess over NATS, cache off (Postgres)", figures.checkUncached, "in the handler \(Self.format(figures.checkUncachedHandler)) mean"))
            report.append(row("CreateWorkspace accepted", figures.createAccept, "\(workspaces) workspaces, one after the other"))
            report.append(row("CreateWorkspace → running (manifests provider)", figures.createToRunning, "polled every 2 ms"))
        }
        if only == "logging-cpu" {
            for (label, micros) in try LoggingCPUProbe.run() { print("\(label): \(String(format: "%.2f", micros)) µs per record") }
            return
        }
        if only == "all" || only == "logging" {
            let figures = try await LoggingBenchmark(
                natsURL: try required("HXB_BENCH_NATS_URL"), postgresURL: try required("HXB_BENCH_POSTGRES_URL"),
                binDirectory: try required("HXB_BIN_DIR"), ingestRecords: ingestRecords, producers: ingestProducers,
                sustainedRate: sustainedRate, sustainedRecords: sustainedRecords, searchRows: searchRows, searches: searches, logger: logger
            ).run()
            report.append("| Log ingest through hxb.logs.v1.Ingest → JetStream → Postgres | — | — | \(Int(figures.ingestPerSecond)) records/s (\(ingestRecords) records, \(ingestProducers) producers, 1,000 per batch); \(String(format: "%.0f", 100 * figures.ingestPerSecond / figures.copyPerSecond)) % of raw COPY; Ingest answered (JetStream stored) at \(Int(figures.acceptPerSecond)) records/s |")
            if sustainedRate > 0 {
                report.append("| Log ingest, paced: \(sustainedRecords) records offered at \(sustainedRate)/s by \(ingestProducers) producers | — | — | \(Int(figures.sustainedPerSecond)) records/s stored (first send to last commit); last record stored \(Self.format(figures.sustainedDrain.timeInterval * 1_000_000)) after the last send; \(String(format: "%.0f", 100 * figures.sustainedPerSecond / figures.copyPerSecond)) % of raw COPY |")
            }
            report.append("| Raw COPY of the same rows into the same table (ceiling) | — | — | \(Int(figures.copyPerSecond)) records/s |")
            report.append("| Workspace-scoped full-text search, newest 100 | \(Self.format(figures.search.percentile(50))) | \(Self.format(figures.search.percentile(99))) | over \(figures.searchRows) rows (50 workspaces, 30 days); \(searches) searches, \(String(format: "%.0f", figures.searchMatches)) rows each on average; filled at \(Int(figures.fillPerSecond)) records/s |")
        }
        print(report.joined(separator: "\n"))
    }

    static func format(_ microseconds: Double) -> String {
        microseconds >= 1000 ? String(format: "%.2f ms", microseconds / 1000) : String(format: "%.0f µs", microseconds)
    }
}
