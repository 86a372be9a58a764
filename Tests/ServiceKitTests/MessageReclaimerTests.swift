import CNATS
@testable import ServiceKit
import Testing

@Suite("Message reclaimer")
struct MessageReclaimerTests {
    @Test("messages are handed to libnats a batch at a time: at the count limit, at the byte limit, or on flush")
    func batches() throws {
        // Destroying a message needs libnats initialized, as a connection would have done.
        NATSConnection.openLibrary(lockSpinCount: NATSConfiguration(servers: "nats://unused").lockSpinCount)
        let reclaimer = MessageReclaimer(maxMessages: 4, maxBytes: 1_000)
        for _ in 0..<3 { reclaimer.destroy(try Self.message(bytes: 10)) }
        #expect(reclaimer.waitingCount == 3)
        reclaimer.destroy(try Self.message(bytes: 10))
        #expect(reclaimer.waitingCount == 0, "the fourth message completes a batch")
        reclaimer.destroy(try Self.message(bytes: 10))
        reclaimer.destroy(try Self.message(bytes: 2_000))
        #expect(reclaimer.waitingCount == 0, "a large message releases the batch at once")
        reclaimer.destroy(try Self.message(bytes: 10))
        reclaimer.flush()
        #expect(reclaimer.waitingCount == 0)
    }

    static func message(bytes: Int) throws -> OpaquePointer {
        try NATSMessage(subject: "test.reclaimer", payload: [UInt8](repeating: 0x61, count: bytes), headers: ["K": "v"]).makeCMessage()
    }
}
