import Foundation

/// The one-machine ``ClusterProvider`` (DESIGN §7): writes each workspace's host objects as
/// YAML files into `<root>/<workspace-id>/`, one file per object plus a `kustomization.yaml`
/// listing them, for `kubectl apply -k` or a GitOps controller (Flux) watching the folder.
///
/// Guarantees: a workspace folder is replaced as a whole — the new files are written to a
/// temporary folder beside it, which then takes the old one's place in one `renameat2`
/// exchange (two renames where the system has none), so a reader never sees a half-written
/// folder, and files of objects that disappeared are gone with the old folder; an apply that
/// changes nothing touches nothing. With ``Configuration/commitsToGit``, the root must be a git
/// work tree and each change is committed (`git add -A` + `git commit` naming the workspace);
/// no commit is made when nothing changed. Calls are serialized within a process.
public actor ManifestsProvider: ClusterProvider {
    /// Where and how to write.
    public struct Configuration: Sendable {
        /// The folder holding one folder per workspace.
        public var root: URL
        /// Commit every change to the git repository at `root`.
        public var commitsToGit: Bool

        /// A configuration; no git by default.
        public init(root: URL, commitsToGit: Bool = false) {
            self.root = root
            self.commitsToGit = commitsToGit
        }
    }

    /// The configuration in use.
    public let configuration: Configuration
    private let files = FileManager.default

    /// A provider writing under `configuration.root`, created when missing.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// The folder of one workspace.
    public func folder(workspaceID: String) -> URL {
        configuration.root.appendingPathComponent(workspaceID, isDirectory: true)
    }

    /// Writes the host objects' files, replacing the folder as a whole; commits with git when configured.
    public func apply(_ state: DesiredState) async throws {
        try checkWorkspaceID(state.workspaceID)
        let target = folder(workspaceID: state.workspaceID)
        let contents = Self.files(of: state)
        try storage("could not write the manifests of \(state.workspaceID)") {
            try files.createDirectory(at: configuration.root, withIntermediateDirectories: true)
            try removeLeftovers(of: state.workspaceID)
            guard currentFiles(in: target) != contents else { return }
            let staging = configuration.root.appendingPathComponent(".\(state.workspaceID).new-\(UUID().uuidString)", isDirectory: true)
            try files.createDirectory(at: staging, withIntermediateDirectories: false)
            for (name, text) in contents {
                try Data(text.utf8).write(to: staging.appendingPathComponent(name), options: .atomic)
            }
            try FolderSwap.replace(target, with: staging, root: configuration.root, workspaceID: state.workspaceID)
        }
        if configuration.commitsToGit {
            try await commit(workspaceID: state.workspaceID, verb: "apply")
        }
    }

    /// `.ready` once the folder holds a kustomization (a GitOps controller takes it from there).
    public func readiness(workspaceID: String) async throws -> ProvisioningReadiness {
        try checkWorkspaceID(workspaceID)
        let kustomization = folder(workspaceID: workspaceID).appendingPathComponent("kustomization.yaml")
        return files.fileExists(atPath: kustomization.path) ? .ready : .progressing("the manifests are not written yet")
    }

    /// Removes the folder (and commits the removal with git when configured); always `.gone`.
    public func delete(workspaceID: String) async throws -> DeletionProgress {
        try checkWorkspaceID(workspaceID)
        let target = folder(workspaceID: workspaceID)
        try storage("could not remove the manifests of \(workspaceID)") {
            try removeLeftovers(of: workspaceID)
            if files.fileExists(atPath: target.path) {
                // Renamed away first, so the folder disappears at once and as a whole.
                let doomed = configuration.root.appendingPathComponent(".\(workspaceID).old-\(UUID().uuidString)")
                try files.moveItem(at: target, to: doomed)
                try files.removeItem(at: doomed)
            }
        }
        if configuration.commitsToGit {
            try await commit(workspaceID: workspaceID, verb: "delete")
        }
        return .gone
    }

    /// File name → YAML text, the kustomization included.
    static func files(of state: DesiredState) -> [String: String] {
        var contents: [String: String] = [:]
        for object in state.hostObjects {
            contents[object.fileName] = YAMLWriter.document(object.document)
        }
        contents["kustomization.yaml"] = YAMLWriter.document([
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": .strings(state.hostObjects.map(\.fileName)),
        ])
        return contents
    }

    private func currentFiles(in folder: URL) -> [String: String]? {
        guard let names = try? files.contentsOfDirectory(atPath: folder.path) else { return nil }
        var contents: [String: String] = [:]
        for name in names {
            guard let data = files.contents(atPath: folder.appendingPathComponent(name).path) else { return nil }
            contents[name] = String(decoding: data, as: UTF8.self)
        }
        return contents
    }

    /// Staging and old folders a crash left behind (names start with `.<id>.`).
    private func removeLeftovers(of workspaceID: String) throws {
        for name in try files.contentsOfDirectory(atPath: configuration.root.path) where name.hasPrefix(".\(workspaceID).") {
            try files.removeItem(at: configuration.root.appendingPathComponent(name))
        }
    }

    private func commit(workspaceID: String, verb: String) async throws {
        let git = GitRepository(folder: configuration.root)
        try await git.commitChanges(in: workspaceID, message: "workspace \(workspaceID): \(verb)")
    }

    /// Ids become folder names: only a DNS-1123 label may, so no path can escape the root.
    private func checkWorkspaceID(_ workspaceID: String) throws {
        if let problem = KubernetesName.labelProblem(workspaceID) {
            throw ClusterProviderError(.invalid, "workspace id \(problem)", isRetryable: false)
        }
    }

    private func storage(_ message: String, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as ClusterProviderError {
            throw error
        } catch {
            throw ClusterProviderError(.storage, message, cause: error)
        }
    }
}
