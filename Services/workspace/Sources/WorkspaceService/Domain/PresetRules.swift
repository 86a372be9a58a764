/// The rules of the preset ClusterRoles, shown by ListRoles and rendered into every vCluster.
public enum PresetRules {
    public static func rules(for preset: PresetRole) -> [PolicyRule] {
        switch preset {
        case .workspaceAdmin:
            [
                PolicyRule(apiGroups: ["*"], resources: ["*"], verbs: ["*"]),
            ]
        case .workspaceViewer:
            // Read everything but secrets (which would hand out credentials).
            [
                PolicyRule(apiGroups: [""], resources: [
                    "configmaps", "endpoints", "events", "limitranges", "namespaces", "nodes", "persistentvolumeclaims",
                    "persistentvolumes", "pods", "pods/log", "replicationcontrollers", "resourcequotas", "serviceaccounts", "services",
                ], verbs: ["get", "list", "watch"]),
                PolicyRule(apiGroups: ["apps", "batch", "autoscaling", "networking.k8s.io", "policy", "storage.k8s.io", "rbac.authorization.k8s.io"],
                           resources: ["*"], verbs: ["get", "list", "watch"]),
            ]
        }
    }
}
