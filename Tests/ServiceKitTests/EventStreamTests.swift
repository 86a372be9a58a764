import Foundation
import ServiceKit
import Synchronization
import Testing
import TestSupport

/// Events over JetStream against a real nats-server (a private one per test, JetStream on).
@Suite("JetStream events: stream, publisher, durable consumer")
struct EventStreamTests {
    /// Messages a test's handlers saw, with the instance that saw each.
    final class Received: Sendable {
        private let messages = Mutex<[(instance: Int, message: NATSMessage)]>([])
        func record(_ message: NATSMessage, instance: Int = 0) { messages.withLock { $0.append((instance, message)) } }
        var all: [(instance: Int, message: NATSMessage)] { messages.withLock { $0 } }
        var ids: [String] { all.map { $0.message.headers["Nats-Msg-Id"] ?? "" } }
        func count(of id: String) -> Int { ids.filter { $0 == id }.count }
    }

    struct HandlerFailed: Error {}

    static func withJetStream(_ body: (NATSConnection, EventPublisher) async throws -> Void) async throws {
        try await withPrivateNATS { connection, _ in try await body(connection, try EventPublisher(connection: connection)) }
    }

    static func consumer(
        _ connection: NATSConnection, name: String = "test-consumer", subject: String = "hxb.events.test.>",
        batchSize: Int = 16, maxDeliver: Int = 10, handler: @escaping @Sendable (NATSMessage) async throws -> Void
    ) -> EventConsumer {
        EventConsumer(
            connection: connection,
            configuration: EventConsumer.Configuration(
                name: name, subject: subject, batchSize: batchSize, fetchWait: .milliseconds(200), maxDeliver: maxDeliver,
                retryDelay: .milliseconds(50), maxRetryDelay: .milliseconds(200)
            ),
            logger: TestLogging.logger("consumer"), handler: handler
        )
    }

    @Test("an event published before any consumer runs is delivered when it starts; an acknowledged one is not delivered again after a restart")
    func eventWaitsForTheConsumer() async throws {
        try await Self.withJetStream { connection, publisher in
            let jetStream = try JetStream(connection: connection)
            // Two processes starting together both ensure the stream.
            async let first: Void = EventStream.events.ensure(on: jetStream)
            async let second: Void = EventStream.events.ensure(on: jetStream)
            _ = try await (first, second)
            let ack = try await publisher.publish(subject: "hxb.events.test.thing.created", payload: [1, 2, 3], messageID: "evt-early")
            #expect(ack.stream == "HXB_EVENTS")
            #expect(!ack.duplicate)

            let received = Received()
            let consumer = Self.consumer(connection) { received.record($0) }
            try await withRunningService(consumer, logger: TestLogging.logger("consumer"), isReady: { true }) { _ in
                try await waitUntil("the early event arrives") { received.all.count == 1 }
            }
            let message = try #require(received.all.first?.message)
            #expect(message.subject == "hxb.events.test.thing.created")
            #expect(message.payload == [1, 2, 3])
            #expect(message.headers["Nats-Msg-Id"] == "evt-early")

            try await publisher.publish(subject: "hxb.events.test.thing.created", payload: [4], messageID: "evt-while-stopped")
            try await withRunningService(consumer, logger: TestLogging.logger("consumer"), isReady: { true }) { _ in
                try await waitUntil("the event published while stopped arrives") { received.all.count == 2 }
            }
            #expect(received.ids == ["evt-early", "evt-while-stopped"])
        }
    }

    @Test("a failing handler gets the event again after a delay; after maxDeliver failures the event is dropped")
    func failureRedelivers() async throws {
        try await Self.withJetStream { connection, publisher in
            let received = Received()
            let consumer = Self.consumer(connection, maxDeliver: 3) { message in
                received.record(message)
                let id = message.headers["Nats-Msg-Id"] ?? ""
                if id == "evt-poison" || received.count(of: id) == 1 { throw HandlerFailed() }
            }
            try await publisher.publish(subject: "hxb.events.test.flaky", payload: [], messageID: "evt-flaky")
            try await publisher.publish(subject: "hxb.events.test.poison", payload: [], messageID: "evt-poison")
            try await withRunningService(consumer, logger: TestLogging.logger("consumer"), isReady: { true }) { _ in
                try await waitUntil("redeliveries") { received.count(of: "evt-flaky") == 2 && received.count(of: "evt-poison") == 3 }
                // Longer than the retry delays and a fetch: nothing more arrives.
                try await Task.sleep(for: .milliseconds(800))
            }
            #expect(received.count(of: "evt-flaky") == 2, "acknowledged on the second delivery")
            #expect(received.count(of: "evt-poison") == 3, "maxDeliver")
        }
    }

    @Test("publishing twice with the same message id stores and delivers the event once")
    func duplicatePublishIsDeliveredOnce() async throws {
        try await Self.withJetStream { connection, publisher in
            let first = try await publisher.publish(subject: "hxb.events.test.dup", payload: [1], messageID: "evt-dup")
            let again = try await publisher.publish(subject: "hxb.events.test.dup", payload: [1], messageID: "evt-dup")
            #expect(!first.duplicate)
            #expect(again.duplicate)
            #expect(again.sequence == first.sequence)
            try await publisher.publish(subject: "hxb.events.test.dup", payload: [2], messageID: "evt-marker")
            let received = Received()
            let consumer = Self.consumer(connection) { received.record($0) }
            try await withRunningService(consumer, logger: TestLogging.logger("consumer"), isReady: { true }) { _ in
                // One consumer gets events in stream order: the marker comes after any duplicate.
                try await waitUntil("the marker arrives") { received.count(of: "evt-marker") == 1 }
            }
            #expect(received.ids == ["evt-dup", "evt-marker"])
        }
    }

    @Test("two instances of one durable consumer share the events: each event reaches exactly one")
    func instancesShareTheWork() async throws {
        try await Self.withJetStream { connection, publisher in
            let received = Received()
            func instance(_ number: Int) -> EventConsumer {
                Self.consumer(connection, name: "test-shared", batchSize: 1) { message in
                    received.record(message, instance: number)
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            let logger = TestLogging.logger("consumer")
            try await withRunningService(instance(1), logger: logger, isReady: { true }) { _ in
                try await withRunningService(instance(2), logger: logger, isReady: { true }) { _ in
                    for number in 0..<30 {
                        try await publisher.publish(subject: "hxb.events.test.work", payload: [UInt8(number)], messageID: "evt-work-\(number)")
                    }
                    try await waitUntil("all events are handled") { received.all.count >= 30 }
                    try await Task.sleep(for: .milliseconds(300))
                }
            }
            #expect(received.all.count == 30)
            #expect(Set(received.ids).count == 30, "no event handled twice")
            #expect(Set(received.all.map(\.instance)) == [1, 2], "both instances took events")
        }
    }

    @Test("redelivery delays double from retryDelay and stop at maxRetryDelay")
    func redeliveryDelays() {
        let configuration = EventConsumer.Configuration(name: "n", subject: "s", retryDelay: .seconds(1), maxRetryDelay: .seconds(5))
        #expect((1...5).map { configuration.redeliveryDelay(afterDeliveries: $0) } == [.seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5)])
    }
}
