import Foundation

extension UpstreamProviderConfiguration {
    /// Parses a JSON array of providers and validates each one and the set (unique ids).
    /// Throws a `.misconfigured` ``FederationError`` whose ``FederationError/reason`` says which
    /// entry and field is wrong, e.g. `providers[1] (google): issuer must be an https URL`.
    public static func load(json: String) throws -> [UpstreamProviderConfiguration] {
        let data = Data(json.utf8)
        guard let entries = (try? JSONSerialization.jsonObject(with: data)) as? [Any] else {
            throw invalid("the provider list must be a JSON array of objects")
        }
        for (index, entry) in entries.enumerated() {
            guard let object = entry as? [String: Any] else { throw invalid("providers[\(index)] must be a JSON object") }
            let known = Set(CodingKeys.allCases.map(\.stringValue))
            if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
                throw invalid("providers[\(index)]: unknown field \"\(unknown)\"")
            }
        }
        let configurations: [UpstreamProviderConfiguration]
        do {
            configurations = try JSONDecoder().decode([UpstreamProviderConfiguration].self, from: data)
        } catch let error as DecodingError {
            throw invalid(describe(error))
        }
        var seen: Set<String> = []
        for (index, configuration) in configurations.enumerated() {
            do {
                try configuration.checkFields()
            } catch {
                throw invalid("providers[\(index)] (\(configuration.id)): \(error.text)")
            }
            guard seen.insert(configuration.id).inserted else {
                throw invalid("providers[\(index)]: the id \"\(configuration.id)\" is used twice")
            }
        }
        return configurations
    }

    /// Checks the fields of one provider; throws a `.misconfigured` ``FederationError`` naming
    /// the first problem found.
    public func validate() throws {
        do {
            try checkFields()
        } catch {
            throw Self.invalid("\(id): \(error.text)")
        }
    }

    private func checkFields() throws(ConfigurationProblem) {
        guard id.utf8.count <= 32, !id.isEmpty,
              id.utf8.allSatisfy({ (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") })
        else { throw ConfigurationProblem("id must be 1 to 32 characters of a-z, 0-9 and -") }
        guard Kind.all.contains(kind) else {
            throw ConfigurationProblem("kind \"\(kind.rawValue)\" is not supported (use \"oidc\" or \"github\")")
        }
        guard !displayName.trimmingCharacters(in: .whitespaces).isEmpty else { throw ConfigurationProblem("display_name is required") }
        guard !clientID.isEmpty else { throw ConfigurationProblem("client_id is required") }
        switch (clientSecret, clientSecretEnvironmentVariable) {
        case (nil, nil): throw ConfigurationProblem("client_secret or client_secret_env is required")
        case (.some, .some): throw ConfigurationProblem("set only one of client_secret and client_secret_env")
        case (.some(let secret), nil) where secret.isEmpty: throw ConfigurationProblem("client_secret is empty")
        case (nil, .some(let name)) where !Self.isEnvironmentVariableName(name):
            throw ConfigurationProblem("client_secret_env must be an environment variable name")
        default: break
        }
        if let scopes, scopes.isEmpty || scopes.contains(where: { $0.isEmpty || $0.contains(" ") }) {
            throw ConfigurationProblem("scopes must be a non-empty list of words without spaces")
        }
        if kind == .oidc {
            try validateOIDC()
        } else {
            try validateGitHub()
        }
    }

    private func validateOIDC() throws(ConfigurationProblem) {
        guard let issuer else { throw ConfigurationProblem("issuer is required for kind oidc") }
        guard UpstreamURL.isAcceptableBase(issuer) else {
            throw ConfigurationProblem("issuer must be an https URL without query (http only on 127.0.0.1 or localhost)")
        }
        guard webURL == nil, apiURL == nil else { throw ConfigurationProblem("web_url and api_url apply to kind github only") }
        if let scopes, !scopes.contains("openid") { throw ConfigurationProblem("scopes must include openid") }
    }

    private func validateGitHub() throws(ConfigurationProblem) {
        guard issuer == nil else { throw ConfigurationProblem("issuer applies to kind oidc only") }
        for (field, url) in [("web_url", webURL), ("api_url", apiURL)] {
            if let url, !UpstreamURL.isAcceptableBase(url) {
                throw ConfigurationProblem("\(field) must be an https URL without query (http only on 127.0.0.1 or localhost)")
            }
        }
    }

    private static func isEnvironmentVariableName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }

    /// Names the entry and field of a decoding error without quoting any value (it could be a secret).
    private static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "providers[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath)): \(key.stringValue) is required"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context.codingPath)) has the wrong type"
        case .dataCorrupted(let context):
            return "\(path(context.codingPath)) is invalid"
        @unknown default:
            return "the provider list is invalid"
        }
    }

    static func invalid(_ detail: String) -> FederationError {
        FederationError(.misconfigured, "The upstream identity provider configuration is invalid: \(detail).", reason: detail)
    }
}

/// One invalid field of a provider configuration (wrapped into a ``FederationError``).
struct ConfigurationProblem: Error, CustomStringConvertible {
    let text: String

    init(_ text: String) {
        self.text = text
    }

    var description: String { text }
}
