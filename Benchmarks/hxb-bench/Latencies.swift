/// Round-trip samples and their summary (nearest-rank percentiles, as the C baseline computes them).
struct Latencies {
    private(set) var microseconds: [Double] = []

    mutating func record(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        microseconds.append(Double(seconds) * 1_000_000 + Double(attoseconds) / 1_000_000_000_000)
    }

    func percentile(_ p: Double) -> Double {
        guard !microseconds.isEmpty else { return 0 }
        let sorted = microseconds.sorted()
        let rank = max(1, Int((p / 100 * Double(sorted.count)).rounded(.up)))
        return sorted[min(rank, sorted.count) - 1]
    }

    var mean: Double { microseconds.isEmpty ? 0 : microseconds.reduce(0, +) / Double(microseconds.count) }
}

/// The median of a few runs' figures: robust to one noisy run on a shared 2-core machine.
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}
