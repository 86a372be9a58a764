import Foundation

/// The git work tree the ``ManifestsProvider`` commits to, driven through the `git` command.
struct GitRepository: Sendable {
    let folder: URL

    /// Stages everything under `path` (additions, changes, removals) and commits it with
    /// `message`; does nothing when `path` has no change.
    func commitChanges(in path: String, message: String) async throws {
        _ = try await git(["add", "-A", "--", path])
        // `diff --quiet` exits 1 when something is staged, 0 when nothing is.
        let diff = try await git(["diff", "--cached", "--quiet", "--", path], acceptedStatuses: [0, 1])
        guard diff.status == 1 else { return }
        // Only `path` is committed, whatever else another hand staged in the repository.
        _ = try await git([
            "-c", "user.name=hexabase", "-c", "user.email=hexabase@localhost",
            "commit", "--quiet", "--no-verify", "-m", message, "--", path,
        ])
    }

    private func git(_ arguments: [String], acceptedStatuses: Set<Int32> = [0]) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", folder.path] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"]) { _, new in new }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: ClusterProviderError(.storage, "git could not be started", cause: error))
            }
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard acceptedStatuses.contains(status) else {
            throw ClusterProviderError(
                .storage, "git \(arguments.first(where: { !$0.hasPrefix("-") && !$0.contains("=") }) ?? "") failed with status \(status): "
                    + String(text.suffix(500))
            )
        }
        return (status, text)
    }
}
