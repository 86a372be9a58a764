import LoggingService
import Testing

@Suite struct LoggingLevelTests {
    @Test func lenientLevelNames() {
        #expect(LogLevel(lenient: "WARN") == .warning)
        #expect(LogLevel(lenient: "fatal") == .critical)
        #expect(LogLevel(lenient: "Info") == .info)
        #expect(LogLevel(lenient: "verbose") == nil)
        #expect(LogLevel.warning > .info)
    }
}
