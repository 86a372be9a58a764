import Foundation

/// The rule that the quotas of a workspace's projects, added up, stay within its plan.
struct QuotaBudget: Sendable {
    let plan: Plan

    /// What exceeds the plan, or nil when the quotas fit.
    func problem(with quotas: [ProjectQuota]) -> String? {
        func sum(_ values: [Quantity?]) -> Decimal { values.compactMap { $0?.milliValue }.reduce(0, +) }
        if sum(quotas.map(\.cpu)) > plan.cpu.milliValue {
            return "the projects' CPU quotas together exceed the plan's \(plan.cpu)"
        }
        if sum(quotas.map(\.memory)) > plan.memory.milliValue {
            return "the projects' memory quotas together exceed the plan's \(plan.memory)"
        }
        if sum(quotas.map(\.storage)) > plan.storage.milliValue {
            return "the projects' storage quotas together exceed the plan's \(plan.storage)"
        }
        if quotas.compactMap(\.pods).reduce(0, +) > plan.pods {
            return "the projects' pod quotas together exceed the plan's \(plan.pods)"
        }
        return nil
    }
}
