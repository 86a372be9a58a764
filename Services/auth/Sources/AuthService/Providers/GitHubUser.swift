/// GitHub's `GET /user` answer (the fields this client reads).
struct GitHubUser: Decodable, Sendable {
    var id: Int64
    var login: String
    var name: String?
}

/// One entry of GitHub's `GET /user/emails` answer.
struct GitHubEmail: Decodable, Sendable {
    var email: String
    var primary: Bool
    var verified: Bool
}
