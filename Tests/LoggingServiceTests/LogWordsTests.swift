@testable import LoggingService
import Testing

@Suite struct LogWordsTests {
    @Test func wordsAreRunsOfLettersDigitsAndNonASCII() {
        #expect(LogWords.words(in: "Disk FULL, on node-1!") == ["Disk", "FULL", "on", "node", "1"])
        #expect(LogWords.words(in: "über a→b 1.5 disk disk") == ["über", "a→b", "1", "5", "disk"])
        #expect(LogWords.words(in: "GET /api/v1/orders/42?x=user@example.com") == ["GET", "api", "v1", "orders", "42", "x", "user", "example", "com"])
        #expect(LogWords.words(in: "  !!! ''; -- \t\n\0 ").isEmpty)
        #expect(LogWords.words(in: "").isEmpty)
    }

    @Test func lexemesAreLowerCaseTsvectorText() {
        func lexemes(_ message: String) -> String {
            var output: [UInt8] = []
            LogWords.lexemes(of: message, into: &output)
            return String(decoding: output, as: UTF8.self)
        }
        #expect(lexemes("GET /API/v1 200 ok OK") == "'get' 'api' 'v1' '200' 'ok' 'ok'")
        #expect(lexemes("ÜBER Straße ÉTÉ") == "'über' 'straße' 'été'")
        // Quotes and backslashes separate words, so a lexeme never needs escaping.
        #expect(lexemes(#"it's a\b "q""#) == "'it' 's' 'a' 'b' 'q'")
        #expect(lexemes("... --- !!!").isEmpty)
    }

    @Test func longWordsAreCutToTheSameLexemeInRecordsAndSearches() {
        let long = String(repeating: "Ab", count: 200)
        var output: [UInt8] = []
        LogWords.lexemes(of: "x \(long) y", into: &output)
        let cut = String(repeating: "ab", count: 200).prefix(LogWords.maximumLexemeScalars)
        #expect(String(decoding: output, as: UTF8.self) == "'x' '\(cut)' 'y'")
        #expect(LogWords.query(for: long) == "'\(cut)'")
        let wide = String(repeating: "Ж", count: 300)
        #expect(LogWords.query(for: wide) == "'\(String(repeating: "ж", count: LogWords.maximumLexemeScalars))'")
    }

    @Test func aQueryRequiresEveryWordOnce() {
        #expect(LogWords.query(for: "Disk full, disk FULL!") == "'disk' & 'full'")
        #expect(LogWords.query(for: "' OR '1'='1") == "'or' & '1'")
        #expect(LogWords.query(for: "payment & | ! ( ) : *") == "'payment'")
        #expect(LogWords.query(for: "!!! --") == nil)
    }
}
