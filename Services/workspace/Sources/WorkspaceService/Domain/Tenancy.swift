import Foundation

/// A workspace as the rest of the service sees it (the `workspaces` row).
public struct Workspace: Sendable, Equatable {
    /// Lifecycle: `pending → provisioning → running`, `updating`, `deleting → deleted`, `failed`.
    public enum State: String, Sendable, CaseIterable {
        case pending, provisioning, running, updating, deleting, deleted, failed
    }

    public var id: String
    public var organizationID: String
    public var name: String
    public var planID: String
    public var state: State
    public var stateReason: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, organizationID: String, name: String, planID: String, state: State, stateReason: String = "", createdAt: Date, updatedAt: Date) {
        self.id = id
        self.organizationID = organizationID
        self.name = name
        self.planID = planID
        self.state = state
        self.stateReason = stateReason
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The OIDC client its virtual API server trusts (registered with auth).
    public var oidcClientID: String { Self.oidcClientID(id) }
    /// The host-cluster namespace that holds its vCluster.
    public var hostNamespace: String { Self.hostNamespace(id) }

    public static func oidcClientID(_ id: String) -> String { "hxb-" + id }

    /// `ws-<uuid>` is 39 characters: a valid DNS-1123 label as it is.
    public static func hostNamespace(_ id: String) -> String { id }
}

/// A group of workspace members; groups form a tree (`parentID` nil for a root).
public struct Group: Sendable, Equatable {
    public var id: String
    public var name: String
    public var parentID: String?
    public var isDefault: Bool

    public init(id: String, name: String, parentID: String?, isDefault: Bool = false) {
        self.id = id
        self.name = name
        self.parentID = parentID
        self.isDefault = isDefault
    }
}

/// Limits of a project's namespace; nil means "only the workspace plan applies".
public struct ProjectQuota: Sendable, Equatable {
    public var cpu: Quantity?
    public var memory: Quantity?
    public var storage: Quantity?
    public var pods: Int?

    public init(cpu: Quantity? = nil, memory: Quantity? = nil, storage: Quantity? = nil, pods: Int? = nil) {
        self.cpu = cpu
        self.memory = memory
        self.storage = storage
        self.pods = pods
    }

    public var isEmpty: Bool { cpu == nil && memory == nil && storage == nil && pods == nil }
}

/// A project: a namespace in the vCluster (`name` is the namespace); a sub-project is an HNC
/// sub-namespace of its parent's namespace.
public struct Project: Sendable, Equatable {
    public var id: String
    public var name: String
    public var parentID: String?
    public var quota: ProjectQuota

    public init(id: String, name: String, parentID: String?, quota: ProjectQuota) {
        self.id = id
        self.name = name
        self.parentID = parentID
        self.quota = quota
    }
}

/// One Kubernetes RBAC rule.
public struct PolicyRule: Sendable, Equatable, Codable {
    public var apiGroups: [String]
    public var resources: [String]
    public var verbs: [String]
    public var resourceNames: [String]

    public init(apiGroups: [String], resources: [String], verbs: [String], resourceNames: [String] = []) {
        self.apiGroups = apiGroups
        self.resources = resources
        self.verbs = verbs
        self.resourceNames = resourceNames
    }
}

/// A custom project role (a namespaced Role in the project's namespace).
public struct ProjectRole: Sendable, Equatable {
    public var id: String
    public var projectID: String
    public var name: String
    public var rules: [PolicyRule]

    public init(id: String, projectID: String, name: String, rules: [PolicyRule]) {
        self.id = id
        self.projectID = projectID
        self.name = name
        self.rules = rules
    }
}

/// The preset ClusterRoles every vCluster gets.
public enum PresetRole: String, Sendable, CaseIterable {
    case workspaceAdmin = "hexabase:workspace-admin"
    case workspaceViewer = "hexabase:workspace-viewer"
}

/// A grant of a role to a group: workspace scope when `projectID` is nil (presets only),
/// else project scope (a preset or one of that project's roles).
public struct RoleBinding: Sendable, Equatable {
    public enum RoleReference: Sendable, Equatable {
        case preset(PresetRole)
        /// A custom role's id.
        case custom(String)
    }

    public var id: String
    public var projectID: String?
    public var role: RoleReference
    public var groupID: String

    public init(id: String, projectID: String?, role: RoleReference, groupID: String) {
        self.id = id
        self.projectID = projectID
        self.role = role
        self.groupID = groupID
    }
}
