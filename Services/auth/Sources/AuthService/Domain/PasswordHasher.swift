import CArgon2
import Dispatch
import Foundation
import ServiceKit

/// Argon2id password hashing (RFC 9106) through libargon2, with OWASP's parameters
/// (19 MiB, 2 passes, 1 lane) by default. Hashes are PHC strings (`$argon2id$v=19$m=…`), so
/// parameters can be raised later without breaking existing hashes.
///
/// Hashing is deliberately slow and memory-hard: it runs on Dispatch worker threads (never the
/// Swift cooperative pool) and at most `concurrency` at a time, which bounds memory use.
public struct PasswordHasher: Sendable {
    public var memoryKiB: UInt32
    public var iterations: UInt32
    public var parallelism: UInt32
    private let slots: DispatchSemaphoreBox

    public init(memoryKiB: UInt32 = 19_456, iterations: UInt32 = 2, parallelism: UInt32 = 1, concurrency: Int = 2) {
        self.memoryKiB = memoryKiB
        self.iterations = iterations
        self.parallelism = parallelism
        self.slots = DispatchSemaphoreBox(value: concurrency)
    }

    /// Hashes a password with a fresh 16-byte random salt.
    public func hash(_ password: String) async throws -> String {
        let (memory, iterations, parallelism, slots) = (memoryKiB, self.iterations, self.parallelism, self.slots)
        return try await runBlocking {
            slots.semaphore.wait()
            defer { slots.semaphore.signal() }
            var salt = [UInt8](repeating: 0, count: 16)
            var generator = SystemRandomNumberGenerator()
            for index in salt.indices { salt[index] = UInt8.random(in: 0...255, using: &generator) }
            let length = argon2_encodedlen(iterations, memory, parallelism, UInt32(salt.count), 32, Argon2_id)
            var encoded = [CChar](repeating: 0, count: length)
            let password = Array(password.utf8)
            let result = argon2id_hash_encoded(
                iterations, memory, parallelism, password, password.count, salt, salt.count, 32, &encoded, length
            )
            guard result == ARGON2_OK.rawValue else { throw PasswordHashingError(code: result) }
            return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// True when `password` matches `encoded`; false for a mismatch or a malformed hash.
    public func verify(_ password: String, against encoded: String) async -> Bool {
        let slots = self.slots
        return await runBlocking {
            slots.semaphore.wait()
            defer { slots.semaphore.signal() }
            let password = Array(password.utf8)
            return argon2id_verify(encoded, password, password.count) == ARGON2_OK.rawValue
        }
    }

    /// A hash of a random password, verified against when an email is unknown so that a login
    /// takes as long whether or not the account exists.
    public func decoyHash() async throws -> String {
        try await hash(UUID().uuidString)
    }
}

/// libargon2 failed (out of memory, bad parameters).
public struct PasswordHashingError: Error, CustomStringConvertible {
    public let code: Int32
    public var description: String { "argon2 failed: " + String(cString: argon2_error_message(code)) }
}

/// A semaphore that can live in a Sendable struct.
final class DispatchSemaphoreBox: Sendable {
    let semaphore: DispatchSemaphore
    init(value: Int) { semaphore = DispatchSemaphore(value: max(1, value)) }
}
