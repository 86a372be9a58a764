/// One Kubernetes object of a desired state: identity (apiVersion, kind, name, namespace), its
/// labels and the rest of its body (`spec`, `rules`, …).
public struct KubernetesObject: Sendable, Equatable {
    /// `v1`, `apps/v1`, `helm.cattle.io/v1`, …
    public var apiVersion: String
    /// `Namespace`, `HelmChart`, …
    public var kind: String
    /// `metadata.name`.
    public var name: String
    /// Nil for a cluster-scoped object.
    public var namespace: String?
    /// `metadata.labels`.
    public var labels: [String: String]
    /// Top-level fields besides `apiVersion`, `kind` and `metadata`.
    public var body: [String: JSONValue]

    /// An object; `labels` and `body` default to empty.
    public init(
        apiVersion: String, kind: String, name: String, namespace: String? = nil,
        labels: [String: String] = [:], body: [String: JSONValue] = [:]
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.body = body
    }

    /// The API group, "" for the core group.
    public var group: String {
        guard let slash = apiVersion.firstIndex(of: "/") else { return "" }
        return String(apiVersion[..<slash])
    }

    /// The whole object as Kubernetes reads it.
    public var document: JSONValue {
        var metadata: [String: JSONValue] = ["name": .string(name)]
        if let namespace { metadata["namespace"] = .string(namespace) }
        if !labels.isEmpty { metadata["labels"] = .strings(labels) }
        var fields = body
        fields["apiVersion"] = .string(apiVersion)
        fields["kind"] = .string(kind)
        fields["metadata"] = .object(metadata)
        return .object(fields)
    }

    /// A file name unique within one workspace's objects, e.g.
    /// `networking.k8s.io-networkpolicy-ws-1-isolation.yaml`.
    public var fileName: String {
        let parts = [group.isEmpty ? "core" : group, kind.lowercased(), namespace ?? "cluster", name]
        let joined = parts.joined(separator: "_")
        return String(joined.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" ? $0 : "-" }) + ".yaml"
    }
}
