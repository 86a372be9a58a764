import Contracts
import Foundation
import ServiceKit
import ServiceStore

extension WorkspaceAPI {
    static func email(_ value: String) throws -> String {
        let email = value.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !email.contains(where: { $0.isWhitespace || $0.isNewline })
        else { throw ServiceError.invalidField("email", "is not an e-mail address", code: .unprocessableEntity) }
        return email
    }

    @Sendable func createInvitation(_ request: Hexabase_Workspace_V1_CreateInvitationRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_Invitation {
        let actor = try await caller(context)
        let organizationID = try PrefixedID.required(request.organizationID, "organization_id", prefix: "org")
        try await access.require("organization.invitations.manage", on: ResourceName(kind: .organization, id: organizationID), by: actor)
        let email = try Self.email(request.email)
        guard let role = OrganizationRole(rawValue: request.role.isEmpty ? "member" : request.role), role != .owner else {
            throw ServiceError.invalidField("role", "must be admin or member")
        }
        guard let organization = try await store.organization(id: organizationID) else {
            throw AccessControl.notFound(ResourceName(kind: .organization, id: organizationID))
        }
        let token = InvitationToken.make()
        let now = Date()
        let invitation = Invitation(
            id: PrefixedID.make("inv"), organizationID: organizationID, email: email, role: role, invitedBy: actor.id,
            createdAt: now, expiresAt: now.addingTimeInterval(Invitation.lifetime), acceptedAt: nil, revokedAt: nil
        )
        let link = invitationURL + (invitationURL.contains("?") ? "&" : "?") + "token=" + token
        let mail = InvitationMail(
            to: email, subject: "You are invited to \(organization.name) on Hexabase",
            text: """
                You have been invited to join the organization "\(organization.name)" as \(role.rawValue).

                Sign in with this e-mail address, then open:
                \(link)

                or accept through the API: POST /api/v1/invitations/accept with {"token": "\(token)"}.
                The invitation expires in 7 days and works once.
                """
        )
        let created = try await store.createInvitation(
            invitation, tokenHash: InvitationToken.hash(token),
            mail: OutboxItem(kind: InvitationMail.kind, topic: InvitationMail.topic, payload: try JSONEncoder().encode(mail)),
            changes: [change("invitation", "created", invitation.id, organization: organizationID, by: actor, details: ["role": role.rawValue])]
        )
        return created.message
    }

    @Sendable func listInvitations(_ request: Hexabase_Workspace_V1_ListInvitationsRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_ListInvitationsResponse {
        let actor = try await caller(context)
        let organizationID = try PrefixedID.required(request.organizationID, "organization_id", prefix: "org")
        try await access.require("organization.invitations.manage", on: ResourceName(kind: .organization, id: organizationID), by: actor)
        let result = try await store.invitations(organizationID: organizationID, page: try PageRequest(size: request.pageSize, token: request.pageToken))
        var response = Hexabase_Workspace_V1_ListInvitationsResponse()
        response.invitations = result.items.map(\.message)
        response.nextPageToken = result.nextToken
        return response
    }

    @Sendable func revokeInvitation(_ request: Hexabase_Workspace_V1_RevokeInvitationRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_Invitation {
        let actor = try await caller(context)
        let organizationID = try PrefixedID.required(request.organizationID, "organization_id", prefix: "org")
        let invitationID = try PrefixedID.required(request.invitationID, "invitation_id", prefix: "inv")
        try await access.require("organization.invitations.manage", on: ResourceName(kind: .organization, id: organizationID), by: actor)
        guard let invitation = try await store.revokeInvitation(
            organizationID: organizationID, id: invitationID,
            changes: [change("invitation", "deleted", invitationID, organization: organizationID, by: actor)]
        ) else { throw ServiceError(.notFound, "The invitation does not exist.") }
        return invitation.message
    }

    @Sendable func acceptInvitation(_ request: Hexabase_Workspace_V1_AcceptInvitationRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_AcceptInvitationResponse {
        let actor = try await caller(context)
        guard !request.token.isEmpty, request.token.count <= 100 else { throw ServiceError.invalidField("token", "is required") }
        guard let user = try await store.directoryUser(id: actor.id) else {
            throw ServiceError(.failedPrecondition, "Your account is not known to the workspace service yet; try again in a moment.")
        }
        let organization = try await store.acceptInvitation(tokenHash: InvitationToken.hash(request.token), user: user) { invitation in
            [
                change("invitation", "accepted", invitation.id, organization: invitation.organizationID, by: actor),
                change("member", "created", actor.id, organization: invitation.organizationID, by: actor, details: ["role": invitation.role.rawValue]),
            ]
        }
        access.invalidate()
        var response = Hexabase_Workspace_V1_AcceptInvitationResponse()
        response.organization = organization.message
        return response
    }
}
