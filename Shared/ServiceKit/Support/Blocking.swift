import Dispatch

/// Runs a blocking call (a libnats flush, connect or drain wait) on a Dispatch worker thread,
/// so the Swift cooperative pool never blocks on C I/O.
public func runBlocking<T: Sendable, E: Error>(
    _ body: @escaping @Sendable () throws(E) -> T
) async throws(E) -> T {
    let result: Result<T, E> = await withCheckedContinuation { continuation in
        DispatchQueue.global().async {
            do throws(E) {
                continuation.resume(returning: .success(try body()))
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
    }
    return try result.get()
}
