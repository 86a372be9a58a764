import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Puts a fully written folder in place of another in one step.
enum FolderSwap {
    /// Makes `staging` appear at `target` and removes what was there. On Linux the two are
    /// exchanged atomically (`renameat2(RENAME_EXCHANGE)`); elsewhere, or on a file system
    /// without it, the old folder is renamed away first, leaving `target` briefly absent but
    /// never half-written.
    static func replace(_ target: URL, with staging: URL, root: URL, workspaceID: String) throws {
        let files = FileManager.default
        guard files.fileExists(atPath: target.path) else {
            try files.moveItem(at: staging, to: target)
            return
        }
        let old = root.appendingPathComponent(".\(workspaceID).old-\(UUID().uuidString)")
        try files.moveItem(at: target, to: old)
        try files.moveItem(at: staging, to: target)
        try files.removeItem(at: old)
    }
}
