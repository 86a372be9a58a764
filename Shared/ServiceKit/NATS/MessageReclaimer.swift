import CNATS
import Synchronization

/// Destroys libnats messages in batches.
///
/// `natsMsg_Destroy` does not free a message: it hands it to libnats's garbage-collector
/// thread and wakes that thread whenever it sleeps, which at request/reply rates means one
/// thread wake-up per message sent or received (two per round trip on each side). Handing them
/// over a batch at a time wakes that thread once per batch. A batch is released once it holds
/// `maxMessages` messages or `maxBytes` of payload, so what waits here stays small.
final class MessageReclaimer: Sendable {
    private struct Batch {
        var messages: [UInt] = []
        var bytes = 0
    }

    private let batch: Mutex<Batch>
    private let maxMessages: Int
    private let maxBytes: Int

    init(maxMessages: Int = 32, maxBytes: Int = 1 << 20) {
        self.maxMessages = max(1, maxMessages)
        self.maxBytes = maxBytes
        var initial = Batch()
        initial.messages.reserveCapacity(self.maxMessages)
        batch = Mutex(initial)
    }

    deinit {
        flush()
    }

    /// Takes ownership of `message` (a natsMsg* nobody uses any more) and destroys it later.
    func destroy(_ message: OpaquePointer) {
        let size = Int(natsMsg_GetDataLength(message))
        let full: [UInt]? = batch.withLock { batch in
            batch.messages.append(UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(message))))
            batch.bytes += size
            guard batch.messages.count >= maxMessages || batch.bytes >= maxBytes else { return nil }
            defer {
                batch.messages.removeAll(keepingCapacity: true)
                batch.bytes = 0
            }
            return batch.messages
        }
        if let full { reclaim(full) }
    }

    /// Messages waiting for the next batch (tests).
    var waitingCount: Int { batch.withLock { $0.messages.count } }

    /// Destroys whatever waits now.
    func flush() {
        let waiting = batch.withLock { batch in
            defer { batch = Batch() }
            return batch.messages
        }
        reclaim(waiting)
    }

    private func reclaim(_ messages: [UInt]) {
        for address in messages {
            natsMsg_Destroy(OpaquePointer(bitPattern: address))
        }
    }
}
