/// Comparisons whose duration does not depend on where two secrets first differ.
enum ConstantTime {
    /// True when `a` and `b` have the same UTF-8 bytes. Only the lengths can leak through timing.
    static func equal(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8), right = Array(b.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices {
            difference |= left[index] ^ right[index]
        }
        return difference == 0
    }
}
