import Contracts
@testable import EdgeService
import Foundation
import HTTPTypes
import ServiceKit
import Testing
import TestSupport

/// The pieces behind the log routes, without I/O: SSE frames, content decoding, ingestion
/// credentials, the service names `/readyz` pings.
@Suite("Log streaming building blocks")
struct LogStreamingTests {
    @Test("SSE frames: id, event and data lines, a blank line after each; multi-line data keeps its lines; comments")
    func serverSentEventFrames() {
        let record = ServerSentEvent(id: "42", event: "record", data: Array(#"{"id":"log-1"}"#.utf8))
        #expect(String(decoding: record.bytes, as: UTF8.self) == "id: 42\nevent: record\ndata: {\"id\":\"log-1\"}\n\n")
        let lines = ServerSentEvent(data: Array("a\nb\r\n".utf8))
        #expect(String(decoding: lines.bytes, as: UTF8.self) == "data: a\ndata: b\ndata: \n\n")
        let injected = ServerSentEvent(id: "1\nevent: forged", data: [])
        #expect(String(decoding: injected.bytes, as: UTF8.self) == "id: 1event: forged\ndata: \n\n")
        #expect(String(decoding: ServerSentEvent.comment("keep-alive").bytes, as: UTF8.self) == ": keep-alive\n\n")
    }

    @Test("a tail answer becomes one event per record, or a keep-alive when it brought none")
    func tailFrames() throws {
        var answer = Hexabase_Logs_V1_TailLogsResponse()
        answer.cursor = 8
        #expect(String(decoding: try LogTail.frames(for: answer), as: UTF8.self) == ": keep-alive\n\n")
        var record = Hexabase_Logs_V1_LogRecord()
        record.id = "log-8"
        record.message = "two\nlines"
        record.sequence = 8
        answer.records = [record]
        #expect(String(decoding: try LogTail.frames(for: answer), as: UTF8.self)
            == "id: 8\nevent: record\ndata: {\"id\":\"log-8\",\"message\":\"two\\nlines\",\"sequence\":\"8\"}\n\n")
    }

    @Test("gzip: one or several members are inflated; output past the bound is a 413; garbage is a 400")
    func gzipDecoding() async throws {
        let text = Array(String(repeating: "a log line\n", count: 500).utf8)
        let member = try Gzip.compress(text)
        #expect(try ContentDecoding.decode(member, encoding: "gzip", maxBytes: text.count) == text)
        #expect(try ContentDecoding.decode(member + member, encoding: "x-gzip", maxBytes: 2 * text.count) == text + text)
        #expect(try ContentDecoding.decode(text, encoding: "identity", maxBytes: text.count) == text)
        #expect(try ContentDecoding.decode(text, encoding: nil, maxBytes: text.count) == text)

        await expectError(.payloadTooLarge) { try ContentDecoding.decode(member, encoding: "gzip", maxBytes: text.count - 1) }
        for (body, encoding) in [(text, "gzip"), (Array(member.dropLast(4)), "gzip"), ([], "gzip"), (member, "gzip, gzip"), (member, "deflate")] {
            await expectError(.invalidArgument, encoding) { try ContentDecoding.decode(body, encoding: encoding, maxBytes: 1 << 20) }
        }
    }

    @Test("an ingestion token comes as Bearer or as the password of HTTP Basic")
    func ingestionCredentials() async throws {
        func token(_ authorization: String?) throws -> String {
            var headers = HTTPFields()
            if let authorization { headers[.authorization] = authorization }
            return try AuthorizationHeader.ingestionToken(headers)
        }
        #expect(try token("Bearer hxi_abc") == "hxi_abc")
        #expect(try token("bearer  hxi_abc ") == "hxi_abc")
        #expect(try token("Basic " + Data("fluent-bit:hxi_abc".utf8).base64EncodedString()) == "hxi_abc")
        #expect(try token("Basic " + Data(":hxi_a:b".utf8).base64EncodedString()) == "hxi_a:b")
        for refused in [nil, "Basic !!!", "Basic " + Data("hxi_abc".utf8).base64EncodedString(), "Token hxi_abc"] {
            await expectError(.unauthenticated, refused ?? "none") { try token(refused) }
        }
    }

    @Test("/readyz pings a service by its ADR-32 name: the logging process answers as logs")
    func serviceNames() {
        #expect(EdgeConfiguration.serviceName(of: "logging") == "logs")
        #expect(EdgeConfiguration.serviceName(of: "logs") == "logs")
        #expect(EdgeConfiguration.serviceName(of: "workspace") == "workspace")
    }
}
