extension DesiredStateRenderer {
    /// Namespace, ResourceQuota, LimitRange, NetworkPolicy, then the vCluster HelmChart.
    static func hostObjects(_ snapshot: WorkspaceSnapshot, virtualObjects: [KubernetesObject]) -> [KubernetesObject] {
        let workspace = snapshot.workspace
        let namespace = workspace.hostNamespace
        let labels = HostLabels.common(workspace)
        var quota = computeQuota(cpu: snapshot.plan.cpu, memory: snapshot.plan.memory, storage: snapshot.plan.storage, pods: snapshot.plan.pods)
        quota["services"] = .string(String(snapshot.plan.services))
        quota["persistentvolumeclaims"] = .string(String(snapshot.plan.persistentVolumeClaims))
        return [
            KubernetesObject(apiVersion: "v1", kind: "Namespace", name: namespace, labels: labels),
            KubernetesObject(
                apiVersion: "v1", kind: "ResourceQuota", name: "workspace-quota", namespace: namespace, labels: labels,
                body: ["spec": ["hard": .object(quota)]]
            ),
            KubernetesObject(
                apiVersion: "v1", kind: "LimitRange", name: "workspace-defaults", namespace: namespace, labels: labels,
                body: ["spec": ["limits": [[
                    "type": "Container",
                    "defaultRequest": ["cpu": "100m", "memory": "128Mi"],
                    "default": ["cpu": "500m", "memory": "512Mi"],
                ]]]]
            ),
            networkPolicy(namespace: namespace, labels: labels),
            helmChart(snapshot, labels: labels, virtualObjects: virtualObjects),
        ]
    }

    /// Isolates the workspace namespace from the other workspaces:
    /// - ingress from pods of the same namespace, and from `kube-system` (K3s's Traefik ingress
    ///   controller and the Helm jobs live there), nothing else;
    /// - egress to the same namespace, to cluster DNS (`kube-system`, port 53), to the host API
    ///   server (TCP 6443, which the vCluster syncer needs; the `kubernetes` service is
    ///   DNAT-ed to the node address on that port), and to the internet: every address but the
    ///   private ranges, where the pods of other workspaces live.
    static func networkPolicy(namespace: String, labels: [String: String]) -> KubernetesObject {
        let kubeSystem: JSONValue = ["namespaceSelector": ["matchLabels": ["kubernetes.io/metadata.name": "kube-system"]]]
        let sameNamespace: JSONValue = ["podSelector": [:]]
        let dnsPorts: JSONValue = [["protocol": "UDP", "port": 53], ["protocol": "TCP", "port": 53]]
        let internet: JSONValue = ["ipBlock": [
            "cidr": "0.0.0.0/0",
            "except": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"],
        ]]
        return KubernetesObject(
            apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", name: "workspace-isolation", namespace: namespace,
            labels: labels,
            body: ["spec": [
                "podSelector": [:],
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [["from": [sameNamespace, kubeSystem]]],
                "egress": [
                    ["to": [sameNamespace]],
                    ["to": [kubeSystem], "ports": dnsPorts],
                    ["ports": [["protocol": "TCP", "port": 6443]]],
                    ["to": [internet]],
                ],
            ]]
        )
    }

    static func helmChart(_ snapshot: WorkspaceSnapshot, labels: [String: String], virtualObjects: [KubernetesObject]) -> KubernetesObject {
        let workspace = snapshot.workspace
        return KubernetesObject(
            apiVersion: "helm.cattle.io/v1", kind: "HelmChart",
            name: VClusterChart.releaseName(workspaceID: workspace.id), namespace: VClusterChart.chartNamespace,
            labels: labels,
            body: ["spec": [
                "chart": .string(VClusterChart.name),
                "repo": .string(VClusterChart.repository),
                "version": .string(VClusterChart.version),
                "targetNamespace": .string(workspace.hostNamespace),
                "valuesContent": .string(YAMLWriter.document(vClusterValues(snapshot, virtualObjects: virtualObjects))),
            ]]
        )
    }

    /// The chart values: OIDC flags, the manifests to apply inside, and node placement for a
    /// dedicated plan.
    static func vClusterValues(_ snapshot: WorkspaceSnapshot, virtualObjects: [KubernetesObject]) -> JSONValue {
        let workspace = snapshot.workspace
        let oidcFlags = [
            "--oidc-issuer-url=" + snapshot.issuer,
            "--oidc-client-id=" + workspace.oidcClientID,
            "--oidc-username-claim=sub",
            "--oidc-username-prefix=" + snapshot.usernamePrefix,
            "--oidc-groups-claim=groups",
            "--oidc-groups-prefix=" + snapshot.groupsPrefix,
        ]
        var controlPlane: [String: JSONValue] = [
            "distro": ["k8s": ["enabled": true, "apiServer": ["extraArgs": .strings(oidcFlags)]]],
        ]
        var values: [String: JSONValue] = [
            "experimental": ["deploy": ["vcluster": ["manifests": .string(virtualManifests(snapshot, virtualObjects))]]],
        ]
        if snapshot.plan.dedicatedNodes > 0 {
            let selector = [HostLabels.workspace: workspace.id]
            let toleration: JSONValue = [
                "key": .string(HostLabels.workspace), "operator": "Equal", "value": .string(workspace.id), "effect": "NoSchedule",
            ]
            controlPlane["statefulSet"] = ["scheduling": ["nodeSelector": .strings(selector), "tolerations": [toleration]]]
            values["sync"] = [
                "fromHost": ["nodes": ["enabled": true, "selector": ["labels": .strings(selector)]]],
                "toHost": ["pods": ["enforceTolerations": [.string("\(HostLabels.workspace)=\(workspace.id):NoSchedule")]]],
            ]
        }
        values["controlPlane"] = .object(controlPlane)
        return .object(values)
    }

    /// What vCluster applies inside: HNC's release manifest first when configured, then the
    /// workspace's objects.
    static func virtualManifests(_ snapshot: WorkspaceSnapshot, _ virtualObjects: [KubernetesObject]) -> String {
        let own = YAMLWriter.documents(virtualObjects.map(\.document))
        guard var hnc = snapshot.hncManifests, !hnc.allSatisfy(\.isWhitespace) else { return own }
        while hnc.last?.isWhitespace == true { hnc.removeLast() }
        return hnc + "\n---\n" + own
    }
}
