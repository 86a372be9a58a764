import Foundation

/// A Kubernetes resource quantity ("500m", "2", "8Gi", "1.5G"), kept as written and compared
/// by value. Only the forms the API server accepts are accepted: a decimal number with an
/// optional binary (Ki…Ei) or decimal (n, u, m, k, M, G, T, P, E) suffix; no exponents.
public struct Quantity: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The quantity as written, e.g. "8Gi".
    public let text: String
    /// Its value in base units (cores, bytes), exact to the thousandth.
    public let milliValue: Decimal

    private static let suffixes: [(String, Decimal)] = [
        ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776),
        ("Pi", 1_125_899_906_842_624), ("Ei", 1_152_921_504_606_846_976),
        ("n", Decimal(string: "0.000000001")!), ("u", Decimal(string: "0.000001")!), ("m", Decimal(string: "0.001")!),
        ("k", 1000), ("M", 1_000_000), ("G", 1_000_000_000), ("T", 1_000_000_000_000),
        ("P", 1_000_000_000_000_000), ("E", 1_000_000_000_000_000_000),
    ]

    /// Parses a quantity; nil when it is not one.
    public init?(_ text: String) {
        guard !text.isEmpty, text.count <= 32 else { return nil }
        var number = Substring(text)
        var multiplier: Decimal = 1
        for (suffix, factor) in Self.suffixes where text.hasSuffix(suffix) {
            number = number.dropLast(suffix.count)
            multiplier = factor
            break
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              number.filter({ $0 == "." }).count <= 1, number.first != ".", number.last != ".",
              let value = Decimal(string: String(number))
        else { return nil }
        self.text = text
        self.milliValue = value * multiplier * 1000
    }

    public var description: String { text }

    public static func == (lhs: Quantity, rhs: Quantity) -> Bool { lhs.milliValue == rhs.milliValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(milliValue) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = Quantity(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a Kubernetes quantity: \(text)"))
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
