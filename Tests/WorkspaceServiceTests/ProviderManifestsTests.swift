import Foundation
import Testing
@testable import WorkspaceService

@Suite("Manifests provider")
struct ProviderManifestsTests {
    typealias F = RenderingFixtures

    private func listing(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    @Test("apply writes one file per object and a kustomization; stale files go; delete removes the folder")
    func applyAndDelete() async throws {
        let root = try F.temporaryFolder("manifests")
        defer { try? FileManager.default.removeItem(at: root) }
        let provider = ManifestsProvider(configuration: .init(root: root))
        let state = DesiredStateRenderer.render(F.snapshot())
        #expect(try await provider.readiness(workspaceID: state.workspaceID) == .progressing("the manifests are not written yet"))
        try await provider.apply(state)
        let folder = await provider.folder(workspaceID: state.workspaceID)
        #expect(listing(folder) == (state.hostObjects.map(\.fileName) + ["kustomization.yaml"]).sorted())
        #expect(listing(root) == [state.workspaceID], "no staging folder is left behind")
        let kustomization = try String(contentsOf: folder.appendingPathComponent("kustomization.yaml"), encoding: .utf8)
        let parsed = try #require(try await F.readWithPyYAML(kustomization).first)
        #expect(parsed["resources"] == .strings(state.hostObjects.map(\.fileName)))
        #expect(try await provider.readiness(workspaceID: state.workspaceID) == .ready)

        var smaller = state
        smaller.hostObjects.removeAll { $0.kind == "LimitRange" }
        try await provider.apply(smaller)
        #expect(listing(folder) == (smaller.hostObjects.map(\.fileName) + ["kustomization.yaml"]).sorted())

        #expect(try await provider.delete(workspaceID: state.workspaceID) == .gone)
        #expect(try await provider.delete(workspaceID: state.workspaceID) == .gone)
        #expect(listing(root).isEmpty)
    }

    @Test("leftovers of a crashed apply are cleaned up and the re-run converges")
    func crashLeftovers() async throws {
        let root = try F.temporaryFolder("manifests-crash")
        defer { try? FileManager.default.removeItem(at: root) }
        let state = DesiredStateRenderer.render(F.snapshot())
        let leftover = root.appendingPathComponent(".\(state.workspaceID).new-crashed")
        try FileManager.default.createDirectory(at: leftover, withIntermediateDirectories: true)
        try Data("half".utf8).write(to: leftover.appendingPathComponent("core_namespace.yaml"))
        let provider = ManifestsProvider(configuration: .init(root: root))
        try await provider.apply(state)
        try await provider.apply(state)
        #expect(listing(root) == [state.workspaceID])
    }

    @Test("a workspace id that is not a DNS label is refused before touching the disk")
    func badID() async throws {
        let root = try F.temporaryFolder("manifests-bad")
        defer { try? FileManager.default.removeItem(at: root) }
        let provider = ManifestsProvider(configuration: .init(root: root))
        let error = await #expect(throws: ClusterProviderError.self) { try await provider.delete(workspaceID: "../etc") }
        #expect(error?.code == .invalid)
        #expect(error?.isRetryable == false)
    }

    @Test("with git, each change is one commit naming the workspace, and no change makes no commit")
    func gitCommits() async throws {
        let root = try F.temporaryFolder("manifests-git")
        defer { try? FileManager.default.removeItem(at: root) }
        _ = try await Self.git(root, ["init", "--quiet"])
        let provider = ManifestsProvider(configuration: .init(root: root, commitsToGit: true))
        let state = DesiredStateRenderer.render(F.snapshot())
        try await provider.apply(state)
        try await provider.apply(state)
        #expect(try await Self.git(root, ["rev-list", "--count", "HEAD"]) == "1")
        #expect(try await Self.git(root, ["log", "-1", "--format=%s"]) == "workspace \(state.workspaceID): apply")

        var changed = F.snapshot()
        changed.plan.pods = 60
        try await provider.apply(DesiredStateRenderer.render(changed))
        #expect(try await Self.git(root, ["rev-list", "--count", "HEAD"]) == "2")
        #expect(try await Self.git(root, ["status", "--porcelain"]) == "")

        _ = try await provider.delete(workspaceID: state.workspaceID)
        #expect(try await Self.git(root, ["rev-list", "--count", "HEAD"]) == "3")
        #expect(try await Self.git(root, ["ls-files"]) == "")
    }

    private static func git(_ folder: URL, _ arguments: [String]) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", folder.path] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
