import Contracts
import Foundation
import ServiceKit

extension WorkspaceAPI {
    static func organizationName(_ name: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ServiceError.invalidField("name", "is required") }
        guard trimmed.count <= 100, !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ServiceError.invalidField("name", "must be at most 100 characters without control characters", code: .unprocessableEntity)
        }
        return trimmed
    }

    @Sendable func createOrganization(_ request: Hexabase_Workspace_V1_CreateOrganizationRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_Organization {
        let actor = try await caller(context)
        let name = try Self.organizationName(request.name)
        guard try await store.directoryUser(id: actor.id) != nil else {
            throw ServiceError(.failedPrecondition, "Your account is not known to the workspace service yet; try again in a moment.")
        }
        let id = PrefixedID.make("org")
        RequestLogContext.current?.tagTenant(organizationID: id)
        let organization = try await store.createOrganization(
            id: id, name: name, owner: actor.id, changes: [change("organization", "created", id, organization: id, by: actor, details: ["name": name])]
        )
        access.invalidate()
        return organization.message
    }

    @Sendable func getOrganization(_ request: Hexabase_Workspace_V1_GetOrganizationRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_Organization {
        let actor = try await caller(context)
        let id = try PrefixedID.required(request.organizationID, "organization_id", prefix: "org")
        try await access.require("organization.read", on: ResourceName(kind: .organization, id: id), by: actor)
        guard var organization = try await store.organization(id: id) else { throw AccessControl.notFound(ResourceName(kind: .organization, id: id)) }
        organization.callerRole = try await access.access(for: actor.id).organizationRoles[id]
        return organization.message
    }

    @Sendable func listOrganizations(_ request: Hexabase_Workspace_V1_ListOrganizationsRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_ListOrganizationsResponse {
        let actor = try await caller(context)
        let page = try PageRequest(size: request.pageSize, token: request.pageToken)
        let isAdmin = try await access.access(for: actor.id).isPlatformAdmin
        let result = try await store.organizations(of: actor.id, all: isAdmin, page: page)
        var response = Hexabase_Workspace_V1_ListOrganizationsResponse()
        response.organizations = result.items.map(\.message)
        response.nextPageToken = result.nextToken
        return response
    }

    @Sendable func updateOrganization(_ request: Hexabase_Workspace_V1_UpdateOrganizationRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_Organization {
        let actor = try await caller(context)
        let id = try PrefixedID.required(request.organizationID, "organization_id", prefix: "org")
        try await access.require("organization.update", on: ResourceName(kind: .organization, id: id), by: actor)
        let name = try Self.organizationName(request.name)
        guard var organization = try await store.renameOrganization(
            id: id, name: name, changes: [change("organization", "updated", id, organization: id, by: actor, details: ["name": name])]
        ) else { throw AccessControl.notFound(ResourceName(kind: .organization, id: id)) }
        organization.callerRole = try await access.access(for: actor.id).organizationRoles[id]
        return organization.message
    }

    @Sendable func deleteOrganization(_ request: Hexabase_Workspace_V1_DeleteOrganizationRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_DeleteOrganizationResponse {
        let actor = try await caller(context)
        let id = try PrefixedID.required(request.organizationID, "organization_id", prefix: "org")
        try await access.require("organization.delete", on: ResourceName(kind: .organization, id: id), by: actor)
        try await store.deleteOrganization(id: id, changes: [change("organization", "deleted", id, organization: id, by: actor)])
        access.invalidate()
        return Hexabase_Workspace_V1_DeleteOrganizationResponse()
    }

    // MARK: Members

    @Sendable func listOrganizationMembers(_ request: Hexabase_Workspace_V1_ListOrganizationMembersRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_ListOrganizationMembersResponse {
        let actor = try await caller(context)
        let id = try PrefixedID.required(request.organizationID, "organization_id", prefix: "org")
        try await access.require("organization.members.read", on: ResourceName(kind: .organization, id: id), by: actor)
        let result = try await store.organizationMembers(organizationID: id, page: try PageRequest(size: request.pageSize, token: request.pageToken))
        var response = Hexabase_Workspace_V1_ListOrganizationMembersResponse()
        response.members = result.items.map(\.message)
        response.nextPageToken = result.nextToken
        return response
    }

    @Sendable func updateOrganizationMember(_ request: Hexabase_Workspace_V1_UpdateOrganizationMemberRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_OrganizationMember {
        let actor = try await caller(context)
        let id = try PrefixedID.required(request.organizationID, "organization_id", prefix: "org")
        let userID = try PrefixedID.required(request.userID, "user_id", prefix: "usr")
        try await access.require("organization.members.manage", on: ResourceName(kind: .organization, id: id), by: actor)
        guard let role = OrganizationRole(rawValue: request.role), role != .owner else {
            throw ServiceError.invalidField("role", "must be admin or member (ownership moves with transfer-ownership)")
        }
        try await requireNotOutranked(organizationID: id, actor: actor, target: userID)
        guard let member = try await store.setMemberRole(
            organizationID: id, userID: userID, role: role,
            changes: [change("member", "updated", userID, organization: id, by: actor, details: ["role": role.rawValue])]
        ) else { throw ServiceError(.notFound, "The user is not a member of the organization.") }
        access.invalidate()
        return member.message
    }

    @Sendable func removeOrganizationMember(_ request: Hexabase_Workspace_V1_RemoveOrganizationMemberRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_RemoveOrganizationMemberResponse {
        let actor = try await caller(context)
        let id = try PrefixedID.required(request.organizationID, "organization_id", prefix: "org")
        let userID = try PrefixedID.required(request.userID, "user_id", prefix: "usr")
        // Anyone may leave; removing someone else needs members.manage.
        try await access.require(userID == actor.id ? "organization.read" : "organization.members.manage", on: ResourceName(kind: .organization, id: id), by: actor)
        if userID != actor.id { try await requireNotOutranked(organizationID: id, actor: actor, target: userID) }
        guard try await store.removeMember(organizationID: id, userID: userID, changes: [change("member", "deleted", userID, organization: id, by: actor)]) else {
            throw ServiceError(.notFound, "The user is not a member of the organization.")
        }
        access.invalidate()
        return Hexabase_Workspace_V1_RemoveOrganizationMemberResponse()
    }

    @Sendable func transferOwnership(_ request: Hexabase_Workspace_V1_TransferOwnershipRequest, context: RequestContext) async throws -> Hexabase_Workspace_V1_TransferOwnershipResponse {
        let actor = try await caller(context)
        let id = try PrefixedID.required(request.organizationID, "organization_id", prefix: "org")
        let userID = try PrefixedID.required(request.userID, "user_id", prefix: "usr")
        try await access.require("organization.ownership.transfer", on: ResourceName(kind: .organization, id: id), by: actor)
        let members = try await store.transferOwnership(
            organizationID: id, from: actor.id, to: userID,
            changes: [change("organization", "ownership_transferred", id, organization: id, by: actor, details: ["new_owner": userID])]
        )
        access.invalidate()
        var response = Hexabase_Workspace_V1_TransferOwnershipResponse()
        response.members = members.map(\.message)
        return response
    }

    /// An admin cannot change or remove an owner.
    private func requireNotOutranked(organizationID: String, actor: Actor, target: String) async throws {
        let roles = try await access.access(for: actor.id)
        let mine = roles.isPlatformAdmin ? OrganizationRole.owner : roles.organizationRoles[organizationID] ?? .member
        let theirs = try await access.access(for: target).organizationRoles[organizationID]
        if theirs == .owner, mine != .owner {
            let organization = ResourceName(kind: .organization, id: organizationID)
            await access.recordDenied(
                "organization.members.manage", on: organization, at: ResourcePlacement(organizationID: organizationID), by: actor,
                reason: "only an owner can change or remove an owner"
            )
            throw ServiceError(.permissionDenied, "Only an owner can change or remove an owner.")
        }
    }
}
