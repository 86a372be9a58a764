import Foundation

/// A test server's process and the processes it started: a launcher such as pyenv's shim runs
/// the interpreter as a child, which outlives a kill of the launcher alone.
enum ProcessTree {
    /// `pid` and its descendants, from the parent ids in `/proc/<pid>/stat`.
    static func family(of pid: Int32) -> [Int32] {
        var children: [Int32: [Int32]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let process = Int32(entry),
                  let stat = read("/proc/\(entry)/stat"),
                  let close = stat.lastIndex(of: ")")
            else { continue }
            // After "pid (comm) ": state, then the parent's pid.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = Int32(fields[1]) { children[parent, default: []].append(process) }
        }
        var family = [pid]
        var index = 0
        while index < family.count {
            family.append(contentsOf: children[family[index]] ?? [])
            index += 1
        }
        return family
    }

    /// Sends SIGKILL to `pid` and its descendants (descendants found through `/proc`; elsewhere
    /// only `pid`).
    static func killAll(_ pid: Int32) {
        for process in family(of: pid).reversed() { _ = kill(process, SIGKILL) }
    }

    /// A /proc file's text (they report a size of 0, so they are read to their end); nil when
    /// it cannot be read, e.g. its process has just exited.
    static func read(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        // readToEnd throws (readDataToEndOfFile would trap) when the process exits meanwhile.
        guard let data = try? handle.readToEnd() else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
