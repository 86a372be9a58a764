/// A server a test starts and must stop, whatever happens in the test.
public protocol TestServer: Sendable {
    /// Stops the server and waits until it has exited.
    func stop() async
}

extension TestServer {
    /// Runs `body` with this server and stops the server afterwards, also when `body` throws.
    ///
    ///     try await ScriptedHTTPServer.start().use { server in … }
    public func use<T>(_ body: (Self) async throws -> T) async throws -> T {
        do {
            let result = try await body(self)
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }
}

extension PythonServer: TestServer {}
extension ScriptedHTTPServer: TestServer {}
extension NATSTestServer: TestServer {}
