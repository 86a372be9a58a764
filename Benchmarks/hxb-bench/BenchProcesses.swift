import Foundation
import Store

/// What the stack benchmarks share: the release executables as processes, a schema and role
/// of their own per service, free ports.
enum BenchProcesses {
    /// Starts `executable` from `binDirectory` with the environment plus `environment`; its
    /// stdout is discarded (the figures are the benchmark's output).
    static func launch(_ binDirectory: String, _ executable: String, _ environment: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binDirectory + "/" + executable)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Creates a schema owned by a login role of the same name, as `make run` gives each
    /// service; returns the schema and the role's connection URL.
    static func createSchema(_ admin: PostgresPool, postgresURL: String, prefix: String) async throws -> (schema: String, url: String) {
        let schema = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        try await admin.simpleQuery("CREATE ROLE \(schema) LOGIN PASSWORD '\(schema)'; CREATE SCHEMA \(schema) AUTHORIZATION \(schema)")
        return (schema, url(postgresURL, user: schema, password: schema))
    }

    static func dropSchema(_ admin: PostgresPool, _ schema: String) async throws {
        try await admin.simpleQuery("DROP SCHEMA \(schema) CASCADE; DROP ROLE \(schema)")
    }

    static func url(_ base: String, user: String, password: String) -> String {
        guard var components = URLComponents(string: base) else { return base }
        components.user = user
        components.password = password
        return components.string ?? base
    }

    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw BenchmarkError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
