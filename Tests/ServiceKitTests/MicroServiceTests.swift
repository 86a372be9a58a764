import Foundation
import ServiceKit
import Synchronization
import Testing
import TestSupport

/// The NATS service API (ADR-32) every RPC server answers, checked field by field against the
/// `io.nats.micro.v1.*_response` documents.
@Suite("ADR-32 service API")
struct MicroServiceTests {
    @Test("PING, INFO and STATS are answered on $SRV.<VERB>, $SRV.<VERB>.<name> and $SRV.<VERB>.<name>.<id>")
    func answersAllThreeSubjectForms() async throws {
        try await withEchoService { harness in
            let name = harness.description.name
            let id = harness.server.instanceID
            for verb in ["PING", "INFO", "STATS"] {
                for subject in ["$SRV.\(verb)", "$SRV.\(verb).\(name)", "$SRV.\(verb).\(name).\(id)"] {
                    let document = try await microResponse(harness.clientConnection, subject: subject, instanceID: id)
                    #expect(document["type"] as? String == "io.nats.micro.v1.\(verb.lowercased())_response", "\(subject)")
                    try expectIdentity(document, harness, subject: subject)
                }
            }
        }
    }

    @Test("the named forms are answered only by instances of that service")
    func namedFormsAreAnsweredOnlyByThatService() async throws {
        try await withEchoService { harness in
            let name = harness.description.name
            for subject in ["$SRV.PING.\(name)", "$SRV.PING.\(name).\(harness.server.instanceID)"] {
                let replies = try await collectReplies(harness.clientConnection, subject: subject, for: .milliseconds(300))
                #expect(replies.count == 1, "\(subject)")
                #expect(replies.allSatisfy { $0["name"] as? String == name })
            }
            // Another instance id of the same name: nobody answers.
            let other = try await collectReplies(harness.clientConnection, subject: "$SRV.PING.\(name).\(RPCServer.makeInstanceID())", for: .milliseconds(300))
            #expect(other.isEmpty)
        }
    }

    @Test("INFO describes the service and every endpoint with its subject, queue group and metadata")
    func infoDescribesEndpoints() async throws {
        try await withEchoService { harness in
            let name = harness.description.name
            let info = try await microResponse(harness.clientConnection, subject: "$SRV.INFO.\(name)", instanceID: harness.server.instanceID)
            #expect(info["type"] as? String == "io.nats.micro.v1.info_response")
            try expectIdentity(info, harness, subject: "INFO")
            #expect(info["description"] as? String == "Echoes requests for the ServiceKit tests")
            let endpoints = try #require(info["endpoints"] as? [[String: Any]])
            #expect(endpoints.compactMap { $0["name"] as? String } == ["Echo", "Conflict", "Crash"])
            for endpoint in endpoints {
                let method = try #require(endpoint["name"] as? String)
                #expect(endpoint["subject"] as? String == "hxb.\(name).v1.\(method)")
                #expect(endpoint["queue_group"] as? String == "q")
                let metadata = try #require(endpoint["metadata"] as? [String: String], "endpoint metadata must be an object of strings")
                #expect(metadata["request"] == "hexabase.diagnostics.v1.EchoRequest")
                #expect(metadata["response"] == "hexabase.diagnostics.v1.EchoResponse")
            }
        }
    }

    @Test("STATS counts requests and errors per endpoint, keeps the last error and reports times in nanoseconds")
    func statsCountRequestsAndErrors() async throws {
        try await withEchoService { harness in
            let name = harness.description.name
            let id = harness.server.instanceID
            let before = try await microResponse(harness.clientConnection, subject: "$SRV.STATS.\(name).\(id)", instanceID: id)
            let initial = try #require((before["endpoints"] as? [[String: Any]])?.first)
            #expect(initial["num_requests"] as? Int == 0)
            #expect(initial["num_errors"] as? Int == 0)
            #expect(initial["last_error"] as? String == "")
            #expect(initial["processing_time"] as? Int == 0)
            #expect(initial["average_processing_time"] as? Int == 0)

            for index in 0..<3 {
                _ = try await harness.echo(EchoFixture.request(payload: "call \(index)", delayMs: 5))
            }
            _ = try await expectServiceError { () async throws(ServiceError) in
                _ = try await harness.echo(EchoFixture.request(failWithCode: 404))
            }
            _ = try await expectServiceError { () async throws(ServiceError) in
                _ = try await harness.client.call(harness.subject("Conflict"), EchoFixture.request(), as: EchoResponse.self, timeout: .seconds(30))
            }

            // The counters are updated right after the reply is published: wait for them.
            var stats: [String: Any] = [:]
            try await waitUntil("STATS to count five requests") {
                stats = try await microResponse(harness.clientConnection, subject: "$SRV.STATS.\(name)", instanceID: id)
                let endpoints = stats["endpoints"] as? [[String: Any]] ?? []
                return endpoints.reduce(0) { $0 + ($1["num_requests"] as? Int ?? 0) } == 5
            }
            #expect(stats["type"] as? String == "io.nats.micro.v1.stats_response")
            try expectIdentity(stats, harness, subject: "STATS")
            let started = try #require(stats["started"] as? String)
            #expect(parseRFC3339(started) != nil, "started must be RFC 3339: \(started)")
            if let date = parseRFC3339(started) {
                #expect(abs(date.timeIntervalSinceNow) < 3600, "started should be about now: \(started)")
            }

            let endpoints = try #require(stats["endpoints"] as? [[String: Any]])
            #expect(endpoints.count == 3)
            let byName = Dictionary(uniqueKeysWithValues: endpoints.compactMap { endpoint in
                (endpoint["name"] as? String).map { ($0, endpoint) }
            })
            let echo = try #require(byName["Echo"])
            #expect(echo["subject"] as? String == "hxb.\(name).v1.Echo")
            #expect(echo["queue_group"] as? String == "q")
            #expect(echo["num_requests"] as? Int == 4)
            #expect(echo["num_errors"] as? Int == 1)
            let echoError = try #require(echo["last_error"] as? String)
            #expect(echoError.contains("404"))
            let processing = try #require(echo["processing_time"] as? Int)
            let average = try #require(echo["average_processing_time"] as? Int)
            // Three calls slept 5 ms each: at least 15 ms in nanoseconds in total.
            #expect(processing >= 15_000_000)
            #expect(average > 0)
            #expect(processing >= average)

            let conflict = try #require(byName["Conflict"])
            #expect(conflict["num_requests"] as? Int == 1)
            #expect(conflict["num_errors"] as? Int == 1)
            let conflictError = try #require(conflict["last_error"] as? String)
            #expect(conflictError.contains("409"))
            #expect(conflictError.contains(EchoFixture.conflictMessage))

            let crash = try #require(byName["Crash"])
            #expect(crash["num_requests"] as? Int == 0)
            #expect(crash["last_error"] as? String == "")
        }
    }

    // MARK: Helpers

    /// Checks `name`, `id`, `version` and `metadata` of a response.
    func expectIdentity(_ document: [String: Any], _ harness: EchoHarness, subject: String) throws {
        #expect(document["name"] as? String == harness.description.name, "\(subject)")
        #expect(document["id"] as? String == harness.server.instanceID, "\(subject)")
        #expect(document["version"] as? String == "1.2.3", "\(subject)")
        let metadata = try #require(document["metadata"] as? [String: String], "\(subject): metadata must be an object of strings")
        #expect(metadata == ["team": "platform", "tier": "test"], "\(subject)")
    }

    func parseRFC3339(_ text: String) -> Date? {
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        return fractional.date(from: text) ?? plain.date(from: text)
    }
}

/// Sends a request on `subject` and returns the JSON reply of the instance `instanceID`. Other
/// services on the shared server answer `$SRV.PING` too, so every reply is collected until ours
/// arrives.
func microResponse(_ connection: NATSConnection, subject: String, instanceID: String) async throws -> [String: Any] {
    let inbox = "_INBOX.test.\(UUID().uuidString.lowercased())"
    let replies = Mutex<[[UInt8]]>([])
    let subscription = try connection.subscribe(subject: inbox) { message in
        // A status-503 "no responders" message has no body: not a service's answer.
        guard !message.isNoResponders else { return }
        replies.withLock { $0.append(message.payload) }
    }
    defer { subscription.unsubscribe() }
    try await connection.flush()
    try connection.publish(NATSMessage(subject: subject, reply: inbox))
    var found: [String: Any]?
    try await waitUntil("a reply from \(instanceID) on \(subject)") {
        for payload in replies.withLock({ $0 }) {
            let document = try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any]
            if let document, document["id"] as? String == instanceID {
                found = document
                return true
            }
        }
        return false
    }
    return try #require(found)
}

/// Every JSON reply to a request on `subject` that arrives within `duration`.
func collectReplies(_ connection: NATSConnection, subject: String, for duration: Duration) async throws -> [[String: Any]] {
    let inbox = "_INBOX.test.\(UUID().uuidString.lowercased())"
    let replies = Mutex<[[UInt8]]>([])
    let subscription = try connection.subscribe(subject: inbox) { message in
        // A status-503 "no responders" message has no body: not a service's answer.
        guard !message.isNoResponders else { return }
        replies.withLock { $0.append(message.payload) }
    }
    defer { subscription.unsubscribe() }
    try await connection.flush()
    try connection.publish(NATSMessage(subject: subject, reply: inbox))
    try await connection.flush()
    try await Task.sleep(for: duration)
    return try replies.withLock { $0 }.map { payload in
        try #require(try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any])
    }
}
