/// A workspace plan: the limits of the workspace's ResourceQuota and whether it gets nodes of
/// its own. Plans come from the catalog; a workspace stores only the plan id.
public struct Plan: Sendable, Equatable, Codable {
    /// "shared" or "dedicated".
    public var id: String
    public var displayName: String
    /// Kubernetes quantities.
    public var cpu: Quantity
    public var memory: Quantity
    public var storage: Quantity
    public var pods: Int
    public var services: Int
    public var persistentVolumeClaims: Int
    /// Nodes reserved for the workspace alone; 0 on a shared plan.
    public var dedicatedNodes: Int

    public init(
        id: String, displayName: String, cpu: Quantity, memory: Quantity, storage: Quantity,
        pods: Int, services: Int, persistentVolumeClaims: Int, dedicatedNodes: Int
    ) {
        self.id = id
        self.displayName = displayName
        self.cpu = cpu
        self.memory = memory
        self.storage = storage
        self.pods = pods
        self.services = services
        self.persistentVolumeClaims = persistentVolumeClaims
        self.dedicatedNodes = dedicatedNodes
    }
}

/// The plans a workspace can be created with.
public struct PlanCatalog: Sendable {
    public var plans: [Plan]

    public init(plans: [Plan]) {
        self.plans = plans
    }

    /// The plan with this id, if the catalog has it.
    public func plan(_ id: String) -> Plan? {
        plans.first { $0.id == id }
    }

    /// The built-in catalog: a small shared plan and a dedicated one with two nodes.
    public static let standard = PlanCatalog(plans: [
        Plan(
            id: "shared", displayName: "Shared", cpu: Quantity("4")!, memory: Quantity("8Gi")!, storage: Quantity("50Gi")!,
            pods: 50, services: 20, persistentVolumeClaims: 10, dedicatedNodes: 0
        ),
        Plan(
            id: "dedicated", displayName: "Dedicated", cpu: Quantity("16")!, memory: Quantity("64Gi")!, storage: Quantity("500Gi")!,
            pods: 500, services: 100, persistentVolumeClaims: 100, dedicatedNodes: 2
        ),
    ])
}
