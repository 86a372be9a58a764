/// The groups of one workspace as a tree: flattening (a member of a group is a member of
/// every ancestor) and cycle checks for moves.
public struct GroupTree: Sendable {
    private let parents: [String: String]
    private let names: [String: String]

    public init(_ groups: [Group]) {
        var parents: [String: String] = [:]
        var names: [String: String] = [:]
        for group in groups {
            names[group.id] = group.name
            if let parent = group.parentID { parents[group.id] = parent }
        }
        self.parents = parents
        self.names = names
    }

    /// The group and its ancestors, nearest first. Stops at a cycle rather than looping.
    public func lineage(of groupID: String) -> [String] {
        var result: [String] = []
        var seen = Set<String>()
        var current: String? = groupID
        while let id = current, names[id] != nil, seen.insert(id).inserted {
            result.append(id)
            current = parents[id]
        }
        return result
    }

    /// The sorted, de-duplicated names of the given groups and all their ancestors.
    public func flattenedNames(of groupIDs: some Sequence<String>) -> [String] {
        var result = Set<String>()
        for id in groupIDs {
            for ancestor in lineage(of: id) { if let name = names[ancestor] { result.insert(name) } }
        }
        return result.sorted()
    }

    /// Whether making `newParent` the parent of `groupID` would close a cycle.
    public func wouldCycle(moving groupID: String, under newParent: String) -> Bool {
        lineage(of: newParent).contains(groupID)
    }
}
