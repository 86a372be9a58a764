/// Kubernetes naming rules (DNS-1123), for workspace, project and role names.
public enum KubernetesName {
    /// A DNS-1123 label: 1–63 characters of `a-z`, `0-9` and `-`, starting and ending with a
    /// letter or digit. Returns what is wrong, or nil when `name` is valid.
    public static func labelProblem(_ name: String, maxLength: Int = 63) -> String? {
        guard !name.isEmpty else { return "is required" }
        guard name.utf8.count <= maxLength else { return "must be at most \(maxLength) characters" }
        guard name.utf8.allSatisfy({ isLower($0) || isDigit($0) || $0 == UInt8(ascii: "-") }) else {
            return "may contain only lower-case letters, digits and '-'"
        }
        guard let first = name.utf8.first, let last = name.utf8.last, first != UInt8(ascii: "-"), last != UInt8(ascii: "-") else {
            return "must start and end with a letter or digit"
        }
        return nil
    }

    /// A DNS-1123 subdomain: at most 253 characters, dot-separated labels.
    public static func subdomainProblem(_ name: String) -> String? {
        guard !name.isEmpty else { return "is required" }
        guard name.utf8.count <= 253 else { return "must be at most 253 characters" }
        for label in name.split(separator: ".", omittingEmptySubsequences: false) {
            if labelProblem(String(label)) != nil {
                return "must be lower-case letters, digits, '-' and '.', each part starting and ending with a letter or digit"
            }
        }
        return nil
    }

    private static func isLower(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
