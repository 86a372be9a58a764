/// A mailbox: an address (`local@domain`) and an optional display name.
///
/// The address is checked on creation against a deliberately narrow grammar: an RFC 5322
/// dot-atom local part and an ASCII host name (letters, digits, hyphens, dots). Quoted local
/// parts, domain literals, comments and internationalized addresses are refused rather than
/// half-supported. A display name may hold any Unicode text except control characters, so no
/// value of this type can inject a header line.
public struct MailAddress: Sendable, Hashable, CustomStringConvertible {
    /// The address proper (`addr-spec`), e.g. `alice@example.com`.
    public let address: String
    /// The name shown beside the address, e.g. `Alice Example`; nil when there is none.
    public let displayName: String?

    /// Creates a mailbox from an address and an optional display name; throws
    /// ``MailError/Code/invalidMessage`` when either is not valid.
    public init(_ address: String, displayName: String? = nil) throws(MailError) {
        try Self.validate(address: address)
        let name = displayName?.trimmingSpaces
        if let name, name.unicodeScalars.contains(where: Self.isControl) {
            throw .invalidMessage("the display name of \(address) contains a control character or a line break")
        }
        self.address = address
        self.displayName = (name?.isEmpty ?? true) ? nil : name
    }

    /// Parses `alice@example.com`, `Alice <alice@example.com>` or `"Example, Inc." <a@example.com>`.
    public init(parsing text: String) throws(MailError) {
        let trimmed = text.trimmingSpaces
        guard trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") else {
            try self.init(trimmed)
            return
        }
        let address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
        var name = trimmed[..<open].trimmingSpaces
        if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") {
            name = Self.unquote(name.dropFirst().dropLast())
        } else if name.contains(where: { "<>\"".contains($0) }) {
            throw .invalidMessage("the display name in \"\(trimmed.prefix(80))\" has unbalanced quotes or brackets")
        }
        try self.init(address, displayName: name)
    }

    /// The part after the `@`.
    public var domain: Substring {
        address[address.index(after: address.lastIndex(of: "@")!)...]
    }

    /// `Name <address>`, or the bare address; for logs and messages, not for headers.
    public var description: String {
        displayName.map { "\($0) <\(address)>" } ?? address
    }

    private static let atextSymbols = Set("!#$%&'*+-/=?^_`{|}~".unicodeScalars)

    private static func validate(address: String) throws(MailError) {
        let scalars = Array(address.unicodeScalars)
        guard let at = scalars.lastIndex(of: "@"), scalars.count <= 254 else {
            throw .invalidMessage("\"\(address.prefix(80).filter { !$0.isNewline })\" is not an e-mail address")
        }
        let local = scalars[..<at]
        let domain = scalars[(at + 1)...]
        let localValid = !local.isEmpty && local.count <= 64
            && local.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { atom in
                !atom.isEmpty && atom.allSatisfy(isAtext)
            }
        let domainValid = !domain.isEmpty && domain.count <= 253
            && domain.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
                !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                    && label.allSatisfy { $0.isASCII && ($0 == "-" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
            }
        guard localValid, domainValid else {
            throw .invalidMessage("\"\(address.prefix(80).filter { !$0.isNewline })\" is not an e-mail address")
        }
    }

    private static func isAtext(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || atextSymbols.contains(scalar))
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}"
    }

    private static func unquote(_ quoted: Substring) -> String {
        var result = ""
        var escaped = false
        for character in quoted {
            if !escaped, character == "\\" {
                escaped = true
                continue
            }
            escaped = false
            result.append(character)
        }
        return result
    }
}
