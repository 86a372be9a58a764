extension DesiredStateRenderer {
    private static let rbacGroup = "rbac.authorization.k8s.io"
    private static let rbacVersion = "rbac.authorization.k8s.io/v1"

    /// Preset ClusterRoles, workspace-scope ClusterRoleBindings, project namespaces and
    /// sub-namespace anchors (plain labelled namespaces without HNC), custom Roles, project
    /// RoleBindings and project quotas, in apply order.
    static func virtualObjects(_ snapshot: WorkspaceSnapshot) -> [KubernetesObject] {
        let labels = HostLabels.common(snapshot.workspace)
        let projects = Dictionary(snapshot.projects.map { ($0.id, $0) }) { first, _ in first }
        let groups = Dictionary(snapshot.groups.map { ($0.id, $0) }) { first, _ in first }
        let roles = Dictionary(snapshot.roles.map { ($0.id, $0) }) { first, _ in first }

        // (apply rank, depth of a sub-namespace anchor, object): sorted before returning.
        var ranked: [(rank: Int, depth: Int, object: KubernetesObject)] = []
        for preset in PresetRole.allCases {
            ranked.append((1, 0, clusterRole(preset, labels: labels)))
        }
        for project in snapshot.projects {
            let projectLabels = labels.merging([HostLabels.project: project.id]) { _, new in new }
            switch (project.parentID.flatMap { projects[$0] }, snapshot.hncManifests) {
            case (let parent?, _?):
                let anchor = KubernetesObject(
                    apiVersion: "hnc.x-k8s.io/v1alpha2", kind: "SubnamespaceAnchor", name: project.name,
                    namespace: parent.name, labels: projectLabels
                )
                ranked.append((2, depth(of: project, in: projects), anchor))
            case (nil, _) where project.parentID != nil:
                continue  // a parent that is gone: nothing to anchor to
            case (let parent, _):
                // A top-level project, or a sub-project without HNC (labelled with its parent).
                let namespaceLabels = parent.map { projectLabels.merging([HostLabels.parentProject: $0.id]) { _, new in new } } ?? projectLabels
                ranked.append((0, 0, KubernetesObject(apiVersion: "v1", kind: "Namespace", name: project.name, labels: namespaceLabels)))
            }
            if !project.quota.isEmpty {
                let hard = computeQuota(cpu: project.quota.cpu, memory: project.quota.memory, storage: project.quota.storage, pods: project.quota.pods)
                ranked.append((5, 0, KubernetesObject(
                    apiVersion: "v1", kind: "ResourceQuota", name: "project-quota", namespace: project.name, labels: projectLabels,
                    body: ["spec": ["hard": .object(hard)]]
                )))
            }
        }
        for role in snapshot.roles {
            guard let project = projects[role.projectID] else { continue }
            ranked.append((3, 0, KubernetesObject(
                apiVersion: rbacVersion, kind: "Role", name: role.name, namespace: project.name, labels: labels,
                body: ["rules": .array(role.rules.map(policyRule))]
            )))
        }
        for binding in snapshot.bindings {
            guard let group = groups[binding.groupID] else { continue }
            let subjects: JSONValue = [["kind": "Group", "apiGroup": .string(rbacGroup), "name": .string(snapshot.groupsPrefix + group.name)]]
            let name = objectName(binding.id)
            switch (binding.projectID.flatMap { projects[$0] }, binding.role) {
            case (nil, .preset(let preset)) where binding.projectID == nil:
                ranked.append((4, 0, KubernetesObject(
                    apiVersion: rbacVersion, kind: "ClusterRoleBinding", name: name, labels: labels,
                    body: ["roleRef": roleReference("ClusterRole", preset.rawValue), "subjects": subjects]
                )))
            case (let project?, .preset(let preset)):
                ranked.append((4, 0, KubernetesObject(
                    apiVersion: rbacVersion, kind: "RoleBinding", name: name, namespace: project.name, labels: labels,
                    body: ["roleRef": roleReference("ClusterRole", preset.rawValue), "subjects": subjects]
                )))
            case (let project?, .custom(let roleID)):
                guard let role = roles[roleID], role.projectID == project.id else { continue }
                ranked.append((4, 0, KubernetesObject(
                    apiVersion: rbacVersion, kind: "RoleBinding", name: name, namespace: project.name, labels: labels,
                    body: ["roleRef": roleReference("Role", role.name), "subjects": subjects]
                )))
            default:
                continue
            }
        }
        return ranked.sorted { left, right in
            (left.rank, left.depth, left.object.kind, left.object.namespace ?? "", left.object.name)
                < (right.rank, right.depth, right.object.kind, right.object.namespace ?? "", right.object.name)
        }.map(\.object)
    }

    /// A preset ClusterRole, from ``PresetRules`` (the admin preset also reaches every
    /// non-resource URL, which only a ClusterRole can grant).
    static func clusterRole(_ preset: PresetRole, labels: [String: String]) -> KubernetesObject {
        var rules = PresetRules.rules(for: preset).map(policyRule)
        if preset == .workspaceAdmin { rules.append(["nonResourceURLs": ["*"], "verbs": ["*"]]) }
        return KubernetesObject(apiVersion: rbacVersion, kind: "ClusterRole", name: preset.rawValue, labels: labels, body: ["rules": .array(rules)])
    }

    private static func roleReference(_ kind: String, _ name: String) -> JSONValue {
        ["apiGroup": .string(rbacGroup), "kind": .string(kind), "name": .string(name)]
    }

    private static func policyRule(_ rule: PolicyRule) -> JSONValue {
        var fields: [String: JSONValue] = [
            "apiGroups": .strings(rule.apiGroups), "resources": .strings(rule.resources), "verbs": .strings(rule.verbs),
        ]
        if !rule.resourceNames.isEmpty { fields["resourceNames"] = .strings(rule.resourceNames) }
        return .object(fields)
    }

    /// How many ancestors a sub-project has (a cycle stops the count instead of looping).
    private static func depth(of project: Project, in projects: [String: Project]) -> Int {
        var depth = 0
        var current = project
        while let parentID = current.parentID, let parent = projects[parentID], depth < projects.count {
            depth += 1
            current = parent
        }
        return depth
    }

    /// A DNS-1123 label made from an id: lower case, other characters replaced by `-`, at most
    /// 63 characters.
    static func objectName(_ id: String) -> String {
        var name = String(id.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" }.prefix(63))
        while name.hasPrefix("-") { name.removeFirst() }
        while name.hasSuffix("-") { name.removeLast() }
        return name.isEmpty ? "binding" : name
    }
}
