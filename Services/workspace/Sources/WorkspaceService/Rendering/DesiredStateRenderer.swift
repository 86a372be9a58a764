/// Turns a ``WorkspaceSnapshot`` into the ``DesiredState`` of its workspace.
///
/// Pure and deterministic: no clock, no randomness, no I/O; every list is sorted, so the same
/// snapshot (in whatever order its lists come) renders byte-identical YAML. Objects that refer to
/// something missing from the snapshot (a binding of an unknown group, a custom role of another
/// project) are left out rather than rendered half-valid.
public enum DesiredStateRenderer {
    /// The desired state of `snapshot.workspace`.
    public static func render(_ snapshot: WorkspaceSnapshot) -> DesiredState {
        let virtualObjects = virtualObjects(snapshot)
        return DesiredState(
            workspaceID: snapshot.workspace.id,
            hostObjects: hostObjects(snapshot, virtualObjects: virtualObjects),
            virtualObjects: virtualObjects
        )
    }

    /// `requests.cpu`, `limits.cpu`, … of a quota: limits equal requests, so the quota caps both.
    static func computeQuota(cpu: Quantity?, memory: Quantity?, storage: Quantity?, pods: Int?) -> [String: JSONValue] {
        var hard: [String: JSONValue] = [:]
        if let cpu {
            hard["requests.cpu"] = .string(cpu.text)
            hard["limits.cpu"] = .string(cpu.text)
        }
        if let memory {
            hard["requests.memory"] = .string(memory.text)
            hard["limits.memory"] = .string(memory.text)
        }
        if let storage { hard["requests.storage"] = .string(storage.text) }
        if let pods { hard["pods"] = .string(String(pods)) }
        return hard
    }
}
