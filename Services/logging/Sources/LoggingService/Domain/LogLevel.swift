/// The levels of a log record, in rising severity (swift-log's, which every producer here uses).
public enum LogLevel: String, Sendable, CaseIterable, Comparable {
    case trace, debug, info, notice, warning, error, critical

    /// The rank used for "this level and above" filters (0 = trace).
    public var rank: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rank < rhs.rank }

    /// A producer's level name, leniently: case-insensitive, with the usual aliases of
    /// workload loggers ("warn", "err", "fatal", "panic", "crit"); nil when unknown.
    public init?(lenient text: String) {
        let lowered = text.lowercased()
        if let level = LogLevel(rawValue: lowered) { self = level; return }
        switch lowered {
        case "warn": self = .warning
        case "err": self = .error
        case "fatal", "panic", "crit", "alert", "emerg", "emergency": self = .critical
        case "dbg": self = .debug
        case "information": self = .info
        default: return nil
        }
    }
}
