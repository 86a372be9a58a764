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
        if exchange(staging.path, target.path) {
            // `staging` now holds the old files.
            try files.removeItem(at: staging)
            return
        }
        let old = root.appendingPathComponent(".\(workspaceID).old-\(UUID().uuidString)")
        try files.moveItem(at: target, to: old)
        try files.moveItem(at: staging, to: target)
        try files.removeItem(at: old)
    }

    /// `renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)`, looked up at run time: the
    /// Glibc module does not export it (it needs `_GNU_SOURCE`). False where unavailable.
    private static func exchange(_ first: String, _ second: String) -> Bool {
        #if canImport(Glibc)
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
        guard let symbol = dlsym(nil, "renameat2") else { return false }
        let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
        let renameExchange: UInt32 = 1 << 1
        return renameat2(AT_FDCWD, first, AT_FDCWD, second, renameExchange) == 0
        #else
        return false
        #endif
    }
}
