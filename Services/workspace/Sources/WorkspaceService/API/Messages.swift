import Contracts
import Foundation
import SwiftProtobuf

// Domain values as the contract's messages.

extension Organization {
    var message: Hexabase_Workspace_V1_Organization {
        var message = Hexabase_Workspace_V1_Organization()
        message.id = id
        message.name = name
        message.personal = personalOwner != nil
        message.createTime = Google_Protobuf_Timestamp(date: createdAt)
        message.updateTime = Google_Protobuf_Timestamp(date: updatedAt)
        message.callerRole = callerRole?.rawValue ?? ""
        return message
    }
}

extension OrganizationMember {
    var message: Hexabase_Workspace_V1_OrganizationMember {
        var message = Hexabase_Workspace_V1_OrganizationMember()
        message.userID = user.id
        message.email = user.email
        message.displayName = user.displayName
        message.role = role.rawValue
        message.createTime = Google_Protobuf_Timestamp(date: createdAt)
        return message
    }
}

extension Invitation {
    var message: Hexabase_Workspace_V1_Invitation {
        var message = Hexabase_Workspace_V1_Invitation()
        message.id = id
        message.organizationID = organizationID
        message.email = email
        message.role = role.rawValue
        message.state = state().rawValue
        message.invitedBy = invitedBy
        message.createTime = Google_Protobuf_Timestamp(date: createdAt)
        message.expireTime = Google_Protobuf_Timestamp(date: expiresAt)
        return message
    }
}

extension Plan {
    var message: Hexabase_Workspace_V1_Plan {
        var message = Hexabase_Workspace_V1_Plan()
        message.id = id
        message.displayName = displayName
        message.cpu = cpu.text
        message.memory = memory.text
        message.storage = storage.text
        message.pods = Int32(pods)
        message.services = Int32(services)
        message.persistentVolumeClaims = Int32(persistentVolumeClaims)
        message.dedicatedNodes = Int32(dedicatedNodes)
        return message
    }
}

extension WorkspaceRecord {
    var message: Hexabase_Workspace_V1_Workspace {
        var message = Hexabase_Workspace_V1_Workspace()
        message.id = workspace.id
        message.organizationID = workspace.organizationID
        message.name = workspace.name
        message.planID = workspace.planID
        message.state = workspace.state.rawValue
        message.stateReason = workspace.stateReason
        message.oidcClientID = workspace.oidcClientID
        message.hostNamespace = workspace.hostNamespace
        message.createTime = Google_Protobuf_Timestamp(date: workspace.createdAt)
        message.updateTime = Google_Protobuf_Timestamp(date: workspace.updatedAt)
        if let task {
            var progress = Hexabase_Workspace_V1_WorkspaceTask()
            progress.id = task.id
            progress.kind = task.kind.rawValue
            progress.state = task.state.rawValue
            progress.attempts = Int32(task.attempts)
            progress.step = task.step
            progress.lastError = task.lastError
            progress.nextAttemptTime = Google_Protobuf_Timestamp(date: task.nextAttemptAt)
            progress.updateTime = Google_Protobuf_Timestamp(date: task.updatedAt)
            message.task = progress
        }
        return message
    }
}

extension WorkspaceMember {
    var message: Hexabase_Workspace_V1_WorkspaceMember {
        var message = Hexabase_Workspace_V1_WorkspaceMember()
        message.userID = user.id
        message.email = user.email
        message.displayName = user.displayName
        message.groupIds = groupIDs
        message.createTime = Google_Protobuf_Timestamp(date: createdAt)
        return message
    }
}

extension Group {
    func message(workspaceID: String, created: Date) -> Hexabase_Workspace_V1_Group {
        var message = Hexabase_Workspace_V1_Group()
        message.id = id
        message.workspaceID = workspaceID
        message.name = name
        message.parentID = parentID ?? ""
        message.default = isDefault
        message.createTime = Google_Protobuf_Timestamp(date: created)
        return message
    }
}

extension PolicyRule {
    var message: Hexabase_Workspace_V1_PolicyRule {
        var message = Hexabase_Workspace_V1_PolicyRule()
        message.apiGroups = apiGroups
        message.resources = resources
        message.verbs = verbs
        message.resourceNames = resourceNames
        return message
    }

    init(_ message: Hexabase_Workspace_V1_PolicyRule) {
        self.init(apiGroups: message.apiGroups, resources: message.resources, verbs: message.verbs, resourceNames: message.resourceNames)
    }
}

extension ProjectRole {
    func message(workspaceID: String, created: Date) -> Hexabase_Workspace_V1_Role {
        var message = Hexabase_Workspace_V1_Role()
        message.id = id
        message.workspaceID = workspaceID
        message.projectID = projectID
        message.name = name
        message.rules = rules.map(\.message)
        message.createTime = Google_Protobuf_Timestamp(date: created)
        return message
    }
}

extension PresetRole {
    func message(workspaceID: String) -> Hexabase_Workspace_V1_Role {
        var message = Hexabase_Workspace_V1_Role()
        message.id = rawValue
        message.workspaceID = workspaceID
        message.name = rawValue
        message.preset = true
        message.rules = PresetRules.rules(for: self).map(\.message)
        return message
    }
}

extension RoleBinding {
    func message(workspaceID: String, created: Date) -> Hexabase_Workspace_V1_RoleBinding {
        var message = Hexabase_Workspace_V1_RoleBinding()
        message.id = id
        message.workspaceID = workspaceID
        message.projectID = projectID ?? ""
        switch role {
        case .preset(let preset): message.roleID = preset.rawValue
        case .custom(let id): message.roleID = id
        }
        message.groupID = groupID
        message.createTime = Google_Protobuf_Timestamp(date: created)
        return message
    }
}

extension Project {
    func message(workspaceID: String, created: Date, updated: Date) -> Hexabase_Workspace_V1_Project {
        var message = Hexabase_Workspace_V1_Project()
        message.id = id
        message.workspaceID = workspaceID
        message.name = name
        message.parentID = parentID ?? ""
        var quotaMessage = Hexabase_Workspace_V1_ProjectQuota()
        quotaMessage.cpu = quota.cpu?.text ?? ""
        quotaMessage.memory = quota.memory?.text ?? ""
        quotaMessage.storage = quota.storage?.text ?? ""
        quotaMessage.pods = Int32(quota.pods ?? 0)
        message.quota = quotaMessage
        message.createTime = Google_Protobuf_Timestamp(date: created)
        message.updateTime = Google_Protobuf_Timestamp(date: updated)
        return message
    }
}
