/// The rules of the preset ClusterRoles: shown by ListRoles and rendered into every vCluster
/// (one definition for both).
public enum PresetRules {
    /// The resource rules of a preset. The admin preset's ClusterRole also gets
    /// `nonResourceURLs: ["*"]`, which only a ClusterRole can carry (see the renderer).
    public static func rules(for preset: PresetRole) -> [PolicyRule] {
        switch preset {
        case .workspaceAdmin:
            [PolicyRule(apiGroups: ["*"], resources: ["*"], verbs: ["*"])]
        case .workspaceViewer:
            // Read everything but Secrets, which would hand out credentials. RBAC cannot
            // subtract, so the core resources are listed one by one; the other groups are
            // wildcards (Secrets are core-only).
            [
                PolicyRule(apiGroups: [""], resources: [
                    "configmaps", "endpoints", "events", "limitranges", "namespaces", "nodes", "persistentvolumeclaims",
                    "persistentvolumes", "pods", "pods/log", "pods/status", "replicationcontrollers", "resourcequotas",
                    "serviceaccounts", "services",
                ], verbs: ["get", "list", "watch"]),
                PolicyRule(apiGroups: [
                    "admissionregistration.k8s.io", "apiextensions.k8s.io", "apps", "autoscaling", "batch", "coordination.k8s.io",
                    "discovery.k8s.io", "events.k8s.io", "hnc.x-k8s.io", "networking.k8s.io", "node.k8s.io", "policy",
                    "rbac.authorization.k8s.io", "scheduling.k8s.io", "storage.k8s.io",
                ], resources: ["*"], verbs: ["get", "list", "watch"]),
            ]
        }
    }
}
