import Contracts
import Hummingbird

/// The REST API of the platform, one line per route (kept in step with docs/openapi.yaml).
public enum EdgeRoutes {
    public static let all: [RESTRoute] = [
        .rpc(.post, "/api/v1/auth/signup", subject: "hxb.auth.v1.SignUp",
             request: Hexabase_Auth_V1_SignUpRequest.self, response: Hexabase_Auth_V1_SignUpResponse.self,
             authentication: .none, successStatus: .created),
        .rpc(.post, "/api/v1/auth/login", subject: "hxb.auth.v1.Login",
             request: Hexabase_Auth_V1_LoginRequest.self, response: Hexabase_Auth_V1_LoginResponse.self,
             authentication: .none),
        .rpc(.get, "/api/v1/auth/me", subject: "hxb.auth.v1.WhoAmI",
             request: Hexabase_Auth_V1_WhoAmIRequest.self, response: Hexabase_Auth_V1_WhoAmIResponse.self,
             authentication: .bearer),
        .rpc(.get, "/.well-known/jwks.json", subject: "hxb.auth.v1.GetJWKS",
             request: Hexabase_Auth_V1_GetJWKSRequest.self, response: Hexabase_Auth_V1_GetJWKSResponse.self,
             authentication: .none,
             render: { ("application/jwk-set+json", Array($0.jwksJson.utf8)) }),
    ]
}
