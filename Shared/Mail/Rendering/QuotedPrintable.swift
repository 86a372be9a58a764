/// The quoted-printable content transfer encoding of RFC 2045 §6.7, for text bodies.
///
/// Line breaks of any kind become CRLF; every output line, soft breaks included, is at most
/// 76 characters; trailing spaces and tabs are encoded so that no transport can strip them;
/// a line starting with `From ` is encoded so that mbox-style stores do not mangle it.
/// Dot-stuffing is not done here: that is the SMTP transport's job (libcurl does it).
enum QuotedPrintable {
    static let maxLineLength = 76
    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// The encoding of `text` as UTF-8, ending with CRLF.
    static func encode(_ text: String) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count + text.utf8.count / 8)
        for line in lines(of: text) {
            encode(line: line, into: &output)
            output.append(contentsOf: [0x0D, 0x0A])
        }
        return output
    }

    /// The lines of `text`, split at CRLF, LF or a lone CR. A final line break ends the last
    /// line rather than starting an empty one.
    static func lines(of text: String) -> [ArraySlice<UInt8>] {
        let bytes = Array(text.utf8)
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A || byte == 0x0D {
                lines.append(bytes[start..<index])
                index += (byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A) ? 2 : 1
                start = index
            } else {
                index += 1
            }
        }
        if start < bytes.count || lines.isEmpty { lines.append(bytes[start...]) }
        return lines
    }

    private static func encode(line: ArraySlice<UInt8>, into output: inout [UInt8]) {
        let startsWithFrom = line.starts(with: Array("From ".utf8))
        var length = 0
        for index in line.indices {
            let byte = line[index]
            let isLast = index == line.index(before: line.endIndex)
            let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                || ((byte == 0x20 || byte == 0x09) && !isLast)
            let needsEscape = !literal || (startsWithFrom && index == line.startIndex)
            let width = needsEscape ? 3 : 1
            // Keep room for the "=" of a soft break unless this is the line's last token.
            let limit = isLast ? maxLineLength : maxLineLength - 1
            if length + width > limit {
                output.append(contentsOf: [UInt8(ascii: "="), 0x0D, 0x0A])
                length = 0
            }
            if needsEscape {
                output.append(contentsOf: [UInt8(ascii: "="), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]])
            } else {
                output.append(byte)
            }
            length += width
        }
    }
}
