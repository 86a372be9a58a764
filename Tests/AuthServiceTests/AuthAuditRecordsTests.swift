import Contracts
import Foundation
import ServiceKit
import Testing
import TestSupport

/// auth's audit records in JetStream's HXB_LOGS, next to its own `audit_events` copy.
@Suite("Auth audit records in HXB_LOGS")
struct AuthAuditRecordsTests {
    @Test("a sign-up and a failed login leave audit records with the caller's address, request and trace ids; the local trail keeps its rows")
    func signUpAndFailedLogin() async throws {
        try await AuthServiceTests.withAuth { client, database, configuration in
            let created = try await AuthServiceTests.signUp(client, email: "audit@example.com")
            var login = Hexabase_Auth_V1_LoginRequest()
            login.email = "audit@example.com"
            login.password = "not the password at all"
            let trace = TraceContext()
            var metadata = CallMetadata(trace: trace, requestID: "req-failed-login")
            metadata.extraHeaders[RPCHeader.clientAddress] = "192.0.2.44"
            await expectError(.unauthenticated, "bad password") {
                try await client.call("hxb.auth.v1.Login", login, as: Hexabase_Auth_V1_LoginResponse.self, metadata: metadata)
            }

            let connection = try await NATSConnection.connect(configuration: configuration.service.nats, logger: TestLogging.logger("audit"))
            do {
                try await withLogStreamReader(connection: connection) { received in
                    let signUp = try await received.first("auth.signup") { $0.action == "auth.signup" && $0.actorID == created.user.id }
                    #expect(signUp.outcome == "success")
                    #expect(signUp.level == "info")
                    #expect(signUp.resource == "users/\(created.user.id)")

                    let failed = try await received.first("the failed auth.login") { $0.action == "auth.login" && $0.requestID == "req-failed-login" }
                    #expect(failed.tier == .audit)
                    #expect(failed.service == "auth")
                    #expect(failed.outcome == "failure")
                    #expect(failed.level == "notice")
                    #expect(failed.actorID == created.user.id)
                    #expect(failed.initiatedBy == "user")
                    #expect(failed.resource == "users/\(created.user.id)")
                    #expect(failed.sourceAddress == "192.0.2.44")
                    #expect(failed.traceID == trace.traceID)
                    #expect(failed.attributes["reason"] == "bad_credentials")
                    #expect(failed.attributes["subject"] == "audit@example.com")
                    #expect(received.messageIDs.contains(failed.id))
                }
            } catch {
                await connection.close()
                throw error
            }
            await connection.close()
            let local = try await database.query("SELECT action || ':' || outcome AS event FROM audit_events ORDER BY id")
            #expect(try local.map { try $0.decode(String.self, column: "event") }.suffix(2) == ["auth.signup:success", "auth.login:failure"])
        }
    }
}
