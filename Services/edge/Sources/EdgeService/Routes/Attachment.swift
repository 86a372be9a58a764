/// `Content-Disposition` values for downloads named after ids.
enum Attachment {
    /// `attachment; filename="<name><suffix>"`, keeping only the ASCII letters, digits, `-` and
    /// `_` of `name` (at most 80), so that no quoting rule of the header applies; `fallback`
    /// when nothing is left.
    static func disposition(name: String, fallback: String, suffix: String) -> String {
        let kept = String(name.prefix(80).filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        return "attachment; filename=\"\(kept.isEmpty ? fallback : kept)\(suffix)\""
    }
}
