/// Checks custom role rules the way the Kubernetes API server would accept them, and refuses
/// verbs that would let a project role escalate (`bind`, `escalate`, `impersonate`).
enum RuleValidation {
    static let verbs: Set<String> = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "*"]
    static let maximumRules = 50

    /// The violations, as (field, description) pairs; empty when the rules are valid.
    static func problems(_ rules: [PolicyRule]) -> [(String, String)] {
        var problems: [(String, String)] = []
        if rules.isEmpty { problems.append(("rules", "needs at least one rule")) }
        if rules.count > maximumRules { problems.append(("rules", "has more than \(maximumRules) rules")) }
        for (index, rule) in rules.prefix(maximumRules).enumerated() {
            let field = "rules[\(index)]"
            if rule.verbs.isEmpty { problems.append(("\(field).verbs", "needs at least one verb")) }
            for verb in rule.verbs where !verbs.contains(verb) {
                problems.append(("\(field).verbs", "\(verb.prefix(40)) is not one of \(verbs.sorted().joined(separator: ", "))"))
            }
            if rule.apiGroups.isEmpty { problems.append(("\(field).api_groups", "needs at least one API group (\"\" is the core group)")) }
            for group in rule.apiGroups where !(group.isEmpty || group == "*" || KubernetesName.subdomainProblem(group) == nil) {
                problems.append(("\(field).api_groups", "\(group.prefix(40)) is not an API group"))
            }
            if rule.resources.isEmpty { problems.append(("\(field).resources", "needs at least one resource")) }
            for resource in rule.resources where !isResource(resource) {
                problems.append(("\(field).resources", "\(resource.prefix(40)) is not a resource (e.g. pods, deployments, pods/log, *)"))
            }
            for name in rule.resourceNames where KubernetesName.subdomainProblem(name) != nil {
                problems.append(("\(field).resource_names", "\(name.prefix(40)) is not a valid object name"))
            }
        }
        return problems
    }

    private static func isResource(_ value: String) -> Bool {
        if value == "*" { return true }
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return false }
        return parts.allSatisfy { part in
            part == "*" || (!part.isEmpty && part.count <= 63 && part.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == ".") })
        }
    }
}
