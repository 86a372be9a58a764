import Testing
@testable import WorkspaceService

@Suite("YAML writer")
struct RenderingYAMLTests {
    static let awkward: [String] = [
        "", " ", "plain", "yes", "No", "ON", "off", "y", "n", "true", "False", "null", "Null", "~", "<<", "=",
        "0", "42", "-1", "+1", "1.5", ".5", "1e3", "0x1F", "0o17", "017", "1_000", "12:30:00", "1:20", "2024-01-31",
        "2001-12-14t21:59:43.10-05:00", ".inf", "-.Inf", ".NaN", "8Gi", "500m", "v1", "1.30",
        "a: b", "a:b", "key:", "a #b", "a#b", "#comment", "- item", "-", "--oidc-issuer-url=https://x", "? q", ": c",
        "[x]", "{x}", "&anchor", "*alias", "!tag", "|", ">", "'single'", "\"double\"", "%directive", "@at", "`tick`",
        " leading", "trailing ", "tab\there", "multi\nline", "multi\nline\n", "multi\nline\n\n", "\nleading newline",
        "  indented\nblock", "crlf\r\nline", "control\u{1}char", "bell\u{7}", "nel\u{85}x", "ls\u{2028}x", "bom\u{FEFF}",
        "ünïcödé", "日本語", "emoji 🚀", "back\\slash", "quote'in", "hxb:", "hexabase:workspace-admin", "---", "...",
    ]

    @Test("every awkward string reads back as itself with PyYAML, as a value and as a key")
    func roundTrip() async throws {
        let values: [JSONValue] = Self.awkward.map { .string($0) }
        var keyed: [String: JSONValue] = [:]
        for (index, text) in Self.awkward.enumerated() { keyed[text.contains("\n") || text.contains("\r") ? "k\(index)" : text] = .int(index) }
        let documents: [JSONValue] = [.array(values), .object(keyed), ["nested": ["list": .array(values)]]]
        let read = try await RenderingFixtures.readWithPyYAML(YAMLWriter.documents(documents))
        #expect(read.count == 3)
        if case .array(let back)? = read.first {
            for (written, seen) in zip(values, back) where written != seen {
                Issue.record("\(written) read back as \(seen)")
            }
        }
        #expect(read == documents)
    }

    @Test("block style: sorted keys, nested lists of maps, empty containers, literal blocks, YAML 1.1 words quoted")
    func layout() {
        let text = YAMLWriter.document([
            "b": [["name": "x", "value": 1], ["name": "y"]],
            "a": ["empty": [:], "none": [], "flag": true, "nothing": .null],
            "script": "line one\nline two\n",
        ])
        #expect(text == """
            a:
              empty: {}
              flag: true
              none: []
              nothing: null
            b:
              - name: x
                value: 1
              - name: 'y'
            script: |
              line one
              line two

            """)
    }

    @Test("documents are separated by ---")
    func multiDocument() {
        #expect(YAMLWriter.documents([["a": 1], ["b": "2"]]) == "---\na: 1\n---\nb: '2'\n")
    }
}
