import HTTPClientKit
import Testing

@Suite("Form URL encoding (no I/O)")
struct FormURLEncodingTests {
    @Test("only unreserved characters stay as they are; +, &, =, / and spaces are escaped")
    func escapesReservedCharacters() {
        #expect(FormURLEncoding.escape("aZ09-._~") == "aZ09-._~")
        #expect(FormURLEncoding.escape("a b+c&d=e/f?g") == "a%20b%2Bc%26d%3De%2Ff%3Fg")
        #expect(FormURLEncoding.escape("é") == "%C3%A9")
    }

    @Test("encoding then decoding gives the same pairs back, in order")
    func roundTrips() {
        let fields: [(name: String, value: String)] = [("redirect_uri", "https://x.test/cb?a=1&b=2"), ("scope", "openid email"), ("s", "+/=")]
        let decoded = FormURLEncoding.decode(FormURLEncoding.encode(fields))
        #expect(decoded.map(\.name) == fields.map(\.name))
        #expect(decoded.map(\.value) == fields.map(\.value))
    }

    @Test("decoding treats + as a space and keeps malformed escapes as they are")
    func decodesLeniently() {
        let decoded = FormURLEncoding.decode("a=b+c&bad=%zz%4&empty=&flag")
        #expect(decoded.map(\.value) == ["b c", "%zz%4", "", ""])
        #expect(decoded.map(\.name) == ["a", "bad", "empty", "flag"])
    }

    @Test("appending fields uses ? or & depending on the URL's query")
    func appendsToURLs() {
        #expect(FormURLEncoding.appending([("a", "1")], to: "https://x.test/p") == "https://x.test/p?a=1")
        #expect(FormURLEncoding.appending([("a", "1")], to: "https://x.test/p?x=y") == "https://x.test/p?x=y&a=1")
        #expect(FormURLEncoding.appending([], to: "https://x.test/p") == "https://x.test/p")
    }
}
