import Foundation

/// Header field values of RFC 5322, with RFC 2047 encoded words for text that is not plain
/// ASCII. Every line it produces stays within 78 characters (except a header's first line
/// holding a long address), and long values are folded with CRLF + space.
enum HeaderEncoding {
    /// UTF-8 bytes per encoded word: 39 bytes are 52 base64 characters, a 64-character word.
    private static let bytesPerWord = 39
    /// Longest value written as is; longer text is written as (folded) encoded words.
    private static let maxPlainLength = 62
    private static let fold = "\r\n "
    private static let atomSymbols = Set("!#$%&'*+-/=?^_`{|}~ ".unicodeScalars)

    /// The value of an unstructured field such as `Subject`: as is when it is short printable
    /// ASCII, otherwise encoded words.
    static func unstructured(_ text: String) -> String {
        isPrintableASCII(text) && text.utf8.count <= maxPlainLength && !text.contains("=?")
            ? text : encodedWords(text)
    }

    /// A mailbox: `phrase <address>`, or the bare address when there is no display name.
    static func mailbox(_ mailbox: MailAddress) -> String {
        guard let name = mailbox.displayName else { return mailbox.address }
        return "\(phrase(name)) <\(mailbox.address)>"
    }

    /// A display name as an RFC 5322 phrase: atoms as they are, a quoted string when it holds
    /// special characters, encoded words when it is not short printable ASCII.
    static func phrase(_ name: String) -> String {
        guard isPrintableASCII(name), name.utf8.count <= maxPlainLength, !name.contains("=?") else {
            return encodedWords(name)
        }
        if name.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || atomSymbols.contains($0) }) {
            return name
        }
        let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(escaped)\""
    }

    /// `text` as `=?UTF-8?B?…?=` words, split between Unicode scalars, folded one per line.
    static func encodedWords(_ text: String) -> String {
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > bytesPerWord, !chunk.isEmpty {
                words.append(encodedWord(chunk))
                chunk.removeAll(keepingCapacity: true)
            }
            chunk.append(contentsOf: bytes)
        }
        if !chunk.isEmpty || words.isEmpty { words.append(encodedWord(chunk)) }
        return words.joined(separator: fold)
    }

    /// Mailboxes separated by commas, one per line.
    static func mailboxList(_ mailboxes: [MailAddress]) -> String {
        mailboxes.map(mailbox).joined(separator: "," + fold)
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?\(Data(bytes).base64EncodedString())?="
    }

    private static func isPrintableASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }
}
