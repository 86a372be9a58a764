import AuthKit
import AuthService
import Foundation
import Logging

/// Token costs: RS256 signing and verification in process (one core, then two), and the
/// machine's own RSA-2048 rates from `openssl speed` as the ceiling beside them.
struct TokenBenchmark {
    let iterations: Int
    let logger: Logger

    struct Figures {
        var signPerSecondOneCore: Double
        var signPerSecondTwoCores: Double
        var verifyMicroseconds: Double
        var opensslSignPerSecond: Double?
        var opensslSignPerSecondTwoCores: Double?
        var opensslVerifyPerSecond: Double?
    }

    func run() async throws -> Figures {
        let key = try SigningKey.generate()
        let issuer = TokenIssuer(
            keys: try await FixedSigner(key), issuer: "https://bench.example", audience: "hexabase",
            accessTokenLifetime: .seconds(900), idTokenLifetime: .seconds(900)
        )
        _ = try await issuer.accessToken(subject: "usr-bench", sessionID: "ses-bench")
        let oneCore = try await Self.rate(iterations) { _ = try await issuer.accessToken(subject: "usr-bench", sessionID: "ses-bench") }
        let twoCores = try await Self.rate(iterations, tasks: 2) { _ = try await issuer.accessToken(subject: "usr-bench", sessionID: "ses-bench") }
        let token = try await issuer.accessToken(subject: "usr-bench", sessionID: "ses-bench").token
        let verifier = TokenVerifier(source: FixedJWKSSource(json: SigningKey.jwks([key.publicJWK])), issuer: "https://bench.example", logger: logger)
        _ = try await verifier.verify(token)
        let verifyRate = try await Self.rate(iterations * 4) { _ = try await verifier.verify(token) }
        let (sign, verify) = Self.opensslSpeed(multi: 1)
        let (signTwo, _) = Self.opensslSpeed(multi: 2)
        return Figures(
            signPerSecondOneCore: oneCore, signPerSecondTwoCores: twoCores, verifyMicroseconds: 1_000_000 / verifyRate,
            opensslSignPerSecond: sign, opensslSignPerSecondTwoCores: signTwo, opensslVerifyPerSecond: verify
        )
    }

    /// Operations per second of `body`, run `count` times over `tasks` concurrent tasks.
    static func rate(_ count: Int, tasks: Int = 1, _ body: @escaping @Sendable () async throws -> Void) async throws -> Double {
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<tasks {
                group.addTask { for _ in 0..<(count / tasks) { try await body() } }
            }
            try await group.waitForAll()
        }
        return Double(count / tasks * tasks) / (ContinuousClock.now - started).timeInterval
    }

    /// `openssl speed -seconds 2 [-multi N] rsa2048`: (sign/s, verify/s), nil when openssl is absent.
    static func opensslSpeed(multi: Int) -> (Double?, Double?) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["speed", "-seconds", "2"] + (multi > 1 ? ["-multi", String(multi)] : []) + ["rsa2048"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return (nil, nil) }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // The summary line: `rsa 2048 bits 0.000713s 0.000021s   1402.5  47431.2` (sign/s, verify/s last).
        guard let line = text.split(separator: "\n").last(where: { $0.contains("rsa") && $0.contains("2048") && $0.contains("bits") }) else { return (nil, nil) }
        let numbers = line.split(separator: " ").compactMap { Double($0) }
        guard numbers.count >= 2 else { return (nil, nil) }
        return (numbers[numbers.count - 2], numbers[numbers.count - 1])
    }
}

struct FixedJWKSSource: JWKSSource {
    let json: String
    func fetchJWKS() async throws -> String { json }
}
