import Foundation
import Testing
import TestSupport

/// The OIDC provider driven by third-party client software: authlib (PyPI), the OAuth 2.0 /
/// OpenID Connect library behind many Python relying parties, through the edge.
@Suite("OIDC interoperability with third-party clients", .serialized)
struct InteropTests {
    @Test("authlib as relying party: discovery, code + PKCE, ID token checked against the JWKS, refresh rotation, device flow, userinfo")
    func authlibRelyingParty() async throws {
        try await SuiteStack.with() { stack in
            let email = "authlib-\(UUID().uuidString.prefix(8).lowercased())@example.com"
            let password = "correct horse battery staple"
            let signup = try await stack.http.send("POST", "/api/v1/auth/signup", json: ["email": email, "password": password])
            try #require(signup.status == 201, "sign-up failed: HTTP \(signup.status) \(signup.text)")

            let run = try await PythonScript.run(
                PythonScript.path("Interop", "oidc_relying_party.py"), arguments: [stack.issuer, email, password],
                requiredModules: ["authlib", "requests"]
            )
            print("--- Tests/Interop/oidc_relying_party.py:\n\(run.output)")
            #expect(run.status == 0, "the authlib relying party failed (exit status \(run.status.map(String.init) ?? "none: killed"); its output is above)")
            #expect(run.output.contains("all steps passed"))
            if run.status != 0 { print(stack.logs) }
        }
    }
}
