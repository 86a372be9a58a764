import PackagePlugin

/// Compiles every `*.sql` file of a target into a Swift source file, so that a service's
/// migrations are part of its binary (DESIGN §6) and need no resource bundle at run time.
@main
struct EmbedSQL: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let sqlFiles = target.sourceFiles
            .filter { $0.url.pathExtension == "sql" }
            .map(\.url)
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        guard !sqlFiles.isEmpty else { return [] }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedSQL.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(sqlFiles.count) SQL file(s) into \(target.name)",
                executable: try context.tool(named: "embed-sql").url,
                arguments: [output.path()] + sqlFiles.map { $0.path() },
                inputFiles: sqlFiles,
                outputFiles: [output]
            )
        ]
    }
}
