/// Who the upstream provider says signed in: the result of a completed federated login.
public struct UpstreamIdentity: Sendable, Hashable {
    /// The ``UpstreamProvider/id`` of the provider that vouched for the identity.
    public var providerID: String
    /// The provider's stable identifier of the user (`sub`, or GitHub's numeric id as text).
    /// Link accounts on (providerID, subject), never on the e-mail address.
    public var subject: String
    /// The user's e-mail address at the provider, if it disclosed one.
    public var email: String?
    /// True only when the provider states the address is verified; callers must refuse to link
    /// or create accounts by e-mail otherwise (``FederationError/Code/emailNotVerified``).
    public var emailVerified: Bool
    /// A display name, if the provider has one.
    public var name: String?

    /// An identity; `emailVerified` is false unless given.
    public init(providerID: String, subject: String, email: String? = nil, emailVerified: Bool = false, name: String? = nil) {
        self.providerID = providerID
        self.subject = subject
        self.email = email
        self.emailVerified = emailVerified && email != nil
        self.name = name
    }
}
