import Foundation

/// The servers of the integration tests, as the test harness (`make test`) exports them.
public enum TestEnvironment {
    /// A superuser libpq URI of the test database, from `HXB_TEST_POSTGRES_URL`.
    /// Throws when the variable is missing, so integration tests fail instead of passing silently.
    public static func postgresURL() throws -> String {
        try value(of: "HXB_TEST_POSTGRES_URL")
    }

    /// The URL of the test nats-server, from `HXB_TEST_NATS_URL`; throws when it is missing.
    public static func natsURL() throws -> String {
        try value(of: "HXB_TEST_NATS_URL")
    }

    private static func value(of variable: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
            throw TestEnvironmentError(variable: variable)
        }
        return value
    }
}

/// A required test-environment variable is missing.
public struct TestEnvironmentError: Error, CustomStringConvertible {
    /// The missing variable.
    public let variable: String

    /// Says which variable is missing and how to run the tests.
    public var description: String {
        "\(variable) is not set: run the tests with `make test`, which starts the test servers and exports it"
    }
}
