/// The REST path of a Kubernetes object: `/api/v1/namespaces/<ns>/<plural>/<name>` for the
/// core group, `/apis/<group>/<version>/…` for the others, without the namespace part for a
/// cluster-scoped object.
struct KubernetesResourcePath: Sendable, Equatable {
    let apiVersion: String
    let kind: String
    let namespace: String?
    let name: String

    init(apiVersion: String, kind: String, namespace: String?, name: String) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    init(_ object: KubernetesObject) {
        self.init(apiVersion: object.apiVersion, kind: object.kind, namespace: object.namespace, name: object.name)
    }

    /// The lower-case plural resource name of the kinds the platform uses (`NetworkPolicy` →
    /// `networkpolicies`, `HelmChart` → `helmcharts`).
    var resource: String {
        let lower = kind.lowercased()
        if lower.hasSuffix("y") { return lower.dropLast() + "ies" }
        if lower.hasSuffix("s") { return lower + "es" }
        return lower + "s"
    }

    /// The path, each segment percent-encoded.
    var path: String {
        let prefix = apiVersion.contains("/") ? "/apis/" + apiVersion : "/api/" + apiVersion
        let scope = namespace.map { "/namespaces/" + Self.segment($0) } ?? ""
        return prefix + scope + "/" + resource + "/" + Self.segment(name)
    }

    /// Names are DNS-1123 or RBAC path segments (`hexabase:workspace-admin`): only `%`, `/`
    /// and other reserved bytes need escaping.
    private static func segment(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            let character = Character(Unicode.Scalar(byte))
            if byte < 0x80, character.isLetter || character.isNumber || "-._~:".contains(character) {
                output.append(character)
            } else {
                output += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return output
    }
}
