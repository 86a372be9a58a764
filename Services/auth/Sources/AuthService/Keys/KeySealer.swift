import Crypto
import Foundation

/// Seals signing keys' private parts with AES-256-GCM under a key from configuration
/// (`auth.keys.encryption.key`, 32 bytes, base64). Earlier keys
/// (`auth.keys.encryption.previous`) still open what they sealed, so the encryption key can be
/// rotated without losing a signing key. The signing key's `kid` is the additional
/// authenticated data: a sealed blob moved to another row does not open.
public struct KeySealer: Sendable {
    /// What went wrong, without the key material.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Identifies a sealing key without revealing it: the first 8 bytes of its SHA-256, hex.
    public let currentKeyID: String
    private let keys: [String: SymmetricKey]

    /// `current` and `previous` are base64 encodings of 32-byte keys.
    public init(current: String, previous: [String] = []) throws {
        let currentKey = try Self.decode(current, name: "auth.keys.encryption.key")
        var keys: [String: SymmetricKey] = [:]
        for (index, text) in previous.enumerated() {
            let key = try Self.decode(text, name: "auth.keys.encryption.previous[\(index)]")
            keys[Self.keyID(key)] = key
        }
        currentKeyID = Self.keyID(currentKey)
        keys[currentKeyID] = currentKey
        self.keys = keys
    }

    /// A fresh random key in the configuration format (for `make run` and tests).
    public static func generateKeyText() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// Seals `plaintext` for the signing key `kid`: nonce ‖ ciphertext ‖ tag.
    public func seal(_ plaintext: String, kid: String) throws -> Data {
        guard let key = keys[currentKeyID],
              let combined = try AES.GCM.seal(Data(plaintext.utf8), using: key, authenticating: Data(kid.utf8)).combined
        else { throw Failure(description: "sealing failed") }
        return combined
    }

    /// Opens what ``seal(_:kid:)`` produced under the key named `keyID`.
    public func open(_ sealed: Data, keyID: String, kid: String) throws -> String {
        guard let key = keys[keyID] else {
            throw Failure(description: "signing key \(kid) is sealed with encryption key \(keyID), which is not configured")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            return String(decoding: try AES.GCM.open(box, using: key, authenticating: Data(kid.utf8)), as: UTF8.self)
        } catch {
            throw Failure(description: "signing key \(kid) does not open with encryption key \(keyID) (wrong key or tampered row)")
        }
    }

    private static func decode(_ text: String, name: String) throws -> SymmetricKey {
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
            throw Failure(description: "\(name) must be 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)")
        }
        return SymmetricKey(data: data)
    }

    private static func keyID(_ key: SymmetricKey) -> String {
        let digest = key.withUnsafeBytes { SHA256.hash(data: $0) }
        return digest.prefix(8).map { String(format: "%02x", $0) }.joined()
    }
}
