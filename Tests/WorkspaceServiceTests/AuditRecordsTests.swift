import Contracts
import Foundation
import ServiceKit
import Testing
import TestSupport

/// The audit records auth and workspace hand to the logging service, read back from JetStream's
/// HXB_LOGS the way the logging service consumes them.
@Suite("Audit records of auth and workspace in HXB_LOGS")
struct AuditRecordsTests {
    static func metadata(token: String, requestID: String, address: String) -> CallMetadata {
        var metadata = CallMetadata.bearer(token)
        metadata.requestID = requestID
        metadata.extraHeaders[RPCHeader.clientAddress] = address
        return metadata
    }

    @Test("sign-up, login, a service token, creating an organization and a denied rename each leave an audit record with actor, initiator, resource, tenant, outcome, address and request")
    func recordsReachTheLogsStream() async throws {
        try await WorkspaceTestStack.with { stack, _ in
            let owner = try await stack.user("aria")
            let guest = try await stack.user("gil")
            _ = try await stack.serviceToken()

            var create = Hexabase_Workspace_V1_CreateOrganizationRequest()
            create.name = "Audited"
            let organization = try await stack.rpc.call(
                "hxb.workspace.v1.CreateOrganization", create, as: Hexabase_Workspace_V1_Organization.self,
                metadata: Self.metadata(token: owner.token, requestID: "req-audit-create", address: "198.51.100.7")
            )
            var invite = Hexabase_Workspace_V1_CreateInvitationRequest()
            invite.organizationID = organization.id
            invite.email = try await stack.email(of: guest.id)
            _ = try await stack.call("CreateInvitation", invite, as: Hexabase_Workspace_V1_Invitation.self, token: owner.token)
            var accept = Hexabase_Workspace_V1_AcceptInvitationRequest()
            accept.token = try await stack.mailer.invitationToken(to: invite.email)
            _ = try await stack.call("AcceptInvitation", accept, as: Hexabase_Workspace_V1_AcceptInvitationResponse.self, token: guest.token)
            var rename = Hexabase_Workspace_V1_UpdateOrganizationRequest()
            rename.organizationID = organization.id
            rename.name = "Mine now"
            await expectError(.permissionDenied, "a member renames the organization") {
                try await stack.rpc.call(
                    "hxb.workspace.v1.UpdateOrganization", rename, as: Hexabase_Workspace_V1_Organization.self,
                    metadata: Self.metadata(token: guest.token, requestID: "req-audit-denied", address: "198.51.100.8")
                )
            }

            let connection = try await NATSConnection.connect(configuration: NATSConfiguration(servers: stack.natsURL), logger: TestLogging.logger("audit"))
            do {
                try await withLogStreamReader(connection: connection) { received in
                    let signUp = try await received.first("the owner's auth.signup") { $0.action == "auth.signup" && $0.actorID == owner.id }
                    #expect(signUp.tier == .audit)
                    #expect(signUp.service == "auth")
                    #expect(signUp.initiatedBy == "user")
                    #expect(signUp.outcome == "success")
                    #expect(signUp.resource == "users/\(owner.id)")
                    #expect(signUp.userID == owner.id)
                    #expect(!signUp.requestID.isEmpty && signUp.traceID.count == 32)
                    #expect(signUp.attributes["subject"]?.hasSuffix("@example.com") == true)

                    let login = try await received.first("the owner's auth.login") { $0.action == "auth.login" && $0.actorID == owner.id }
                    #expect(login.outcome == "success")
                    #expect(login.attributes["session_id"]?.hasPrefix("ses-") == true)

                    let issued = try await received.first("the service token's auth.token.issue") {
                        $0.action == "auth.token.issue" && $0.attributes["grant_type"] == "client_credentials"
                    }
                    #expect(issued.actorID == "test-service")
                    #expect(issued.initiatedBy == "service")
                    #expect(issued.userID.isEmpty)
                    #expect(issued.resource == "clients/test-service")

                    let created = try await received.first("organization.create") { $0.action == "organization.create" && $0.organizationID == organization.id }
                    #expect(created.service == "workspace")
                    #expect(created.actorID == owner.id)
                    #expect(created.initiatedBy == "user")
                    #expect(created.resource == "organizations/\(organization.id)")
                    #expect(created.outcome == "success")
                    #expect(created.level == "info")
                    #expect(created.message == "\(owner.id) organization.create organizations/\(organization.id) success")
                    #expect(created.sourceAddress == "198.51.100.7")
                    #expect(created.requestID == "req-audit-create")
                    #expect(created.traceID.count == 32)
                    #expect(created.attributes["name"] == "Audited")

                    let denied = try await received.first("the denied organization.update") { $0.action == "organization.update" && $0.outcome == "denied" }
                    #expect(denied.actorID == guest.id)
                    #expect(denied.organizationID == organization.id)
                    #expect(denied.resource == "organizations/\(organization.id)")
                    #expect(denied.level == "warning")
                    #expect(denied.sourceAddress == "198.51.100.8")
                    #expect(denied.requestID == "req-audit-denied")
                    #expect(denied.attributes["reason"]?.isEmpty == false)

                    let joined = try await received.first("the guest's membership") { $0.action == "member.create" && $0.organizationID == organization.id }
                    #expect(joined.resource == "organizations/\(organization.id)/members/\(guest.id)")
                    #expect(received.messageIDs.contains(created.id), "the record id is the JetStream message id")
                }
            } catch {
                await connection.close()
                throw error
            }
            await connection.close()
            // The service's own copy of the trail is still written.
            let local = try await stack.workspaceDatabase.query("""
                SELECT outcome, organization_id, request_id FROM \(unescaped: stack.workspaceDatabase.schema).audit_events
                WHERE action = 'organization.update'
                """)
            #expect(local.count == 1)
            #expect(try local.first?.decode(String.self, column: "outcome") == "failure")
            #expect(try local.first?.decode(String.self, column: "organization_id") == organization.id)
            #expect(try local.first?.decode(String.self, column: "request_id") == "req-audit-denied")
        }
    }
}
