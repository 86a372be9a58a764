/// The words of a log message and of a text search, one definition for every store.
///
/// A word is a maximal run of ASCII letters, ASCII digits and non-ASCII characters; everything
/// else (ASCII punctuation, spaces, control characters) separates words. So `GET
/// /api/v1/orders/42` has the words `GET`, `api`, `v1`, `orders` and `42`, `user@example.com`
/// three words and `a→b` one. This is how ClickHouse's token functions and its `tokenbf_v1` index
/// split text, and Postgres stores the same words (``lexemes(of:)``), so a search finds the same
/// records in either store. (At the edges they differ: ClickHouse's `lowerUTF8` and Swift's
/// lower case disagree on the few mappings that change a character's length, and Postgres
/// compares only a word's first ``maximumLexemeScalars`` characters.)
///
/// Matching ignores case: a word is compared in lower case (Unicode lower case), cut to its first
/// ``maximumLexemeScalars`` Unicode scalars (Postgres refuses lexemes over 2 KiB). Records and
/// searches go through the same function, so in Postgres they always agree. A message is at most
/// 32 KiB (`RecordNormalizer`), far below a `tsvector`'s 1 MB, repeated words included.
enum LogWords {
    /// The most Unicode scalars of a word that are compared (at most 1,020 bytes).
    static let maximumLexemeScalars = 255

    /// The words of `text`, each once, in their original case, in order of appearance.
    static func words(in text: String) -> [String] {
        var words: [String] = []
        forEachWord(in: text) { bytes, _ in
            let word = String(decoding: bytes, as: UTF8.self)
            if !words.contains(word) { words.append(word) }
        }
        return words
    }

    /// The Postgres `tsvector` text of `message`'s words, in lower case (`'get' 'api' …`);
    /// Postgres sorts it and drops repeated words. Empty when the message has no words.
    static func lexemes(of message: String, into output: inout [UInt8]) {
        forEachWord(in: message) { bytes, isASCII in
            if !output.isEmpty { output.append(UInt8(ascii: " ")) }
            output.append(UInt8(ascii: "'"))
            appendLexeme(bytes, isASCII: isASCII, to: &output)
            output.append(UInt8(ascii: "'"))
        }
    }

    /// The Postgres `tsquery` text requiring every word of `text` (`'disk' & 'full'`), or nil
    /// when `text` has no words (such a search matches nothing).
    static func query(for text: String) -> String? {
        var lexemes: [[UInt8]] = []
        forEachWord(in: text) { bytes, isASCII in
            var lexeme: [UInt8] = []
            appendLexeme(bytes, isASCII: isASCII, to: &lexeme)
            if !lexemes.contains(lexeme) { lexemes.append(lexeme) }
        }
        guard !lexemes.isEmpty else { return nil }
        return lexemes.map { "'" + String(decoding: $0, as: UTF8.self) + "'" }.joined(separator: " & ")
    }

    /// Calls `body` with the bytes of each word of `text` in order (repeats included), and
    /// whether the word is all ASCII.
    private static func forEachWord(in text: String, _ body: (UnsafeBufferPointer<UInt8>, Bool) -> Void) {
        var text = text
        text.withUTF8 { bytes in
            var start = -1
            var isASCII = true
            for index in 0...bytes.count {
                let isWordByte: Bool
                if index < bytes.count {
                    let byte = bytes[index]
                    isWordByte = byte >= 0x80 || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                        || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
                    if isWordByte {
                        if start < 0 { start = index; isASCII = true }
                        if byte >= 0x80 { isASCII = false }
                        continue
                    }
                }
                if start >= 0 {
                    body(UnsafeBufferPointer(rebasing: bytes[start..<index]), isASCII)
                    start = -1
                }
            }
        }
    }

    /// Appends `word` in lower case, cut to ``maximumLexemeScalars`` scalars.
    private static func appendLexeme(_ word: UnsafeBufferPointer<UInt8>, isASCII: Bool, to output: inout [UInt8]) {
        if isASCII {
            for byte in word.prefix(maximumLexemeScalars) {
                output.append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte)
            }
        } else {
            let lowered = String(decoding: word, as: UTF8.self).lowercased()
            for scalar in lowered.unicodeScalars.prefix(maximumLexemeScalars) {
                UTF8.encode(scalar) { output.append($0) }
            }
        }
    }
}
