import AuthKit
import AuthService
import Foundation
import Logging

/// Token costs: RS256 signing and verification in process (one task, then two), and the
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

    /// The `openssl speed rsa2048` figures `scripts/bench.sh` measured before this process
    /// started (openssl times its loops with SIGALRM, which a child of this process would
    /// inherit blocked): `HXB_BENCH_OPENSSL_RSA2048` (one core) or `…_MULTI2`, "sign/s verify/s".
    static func opensslSpeed(multi: Int) -> (Double?, Double?) {
        let name = multi > 1 ? "HXB_BENCH_OPENSSL_RSA2048_MULTI2" : "HXB_BENCH_OPENSSL_RSA2048"
        let numbers = (ProcessInfo.processInfo.environment[name] ?? "").split(separator: " ").compactMap { Double($0) }
        guard numbers.count == 2 else { return (nil, nil) }
        return (numbers[0], numbers[1])
    }
}

struct FixedJWKSSource: JWKSSource {
    let json: String
    func fetchJWKS() async throws -> String { json }
}
