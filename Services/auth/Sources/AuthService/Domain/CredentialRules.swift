import Mail
import ServiceKit

/// The rules for e-mail addresses and passwords at sign-up.
///
/// Passwords follow NIST SP 800-63B: length matters (10 to 256 characters), composition rules
/// do not; common and context-derived passwords are refused.
public enum CredentialRules {
    public static let minimumPasswordLength = 10
    public static let maximumPasswordLength = 256

    /// Lower-cased, trimmed address, or a 422 naming the field. The grammar is the one mail is
    /// sent with (``MailAddress``: a dot-atom local part and an ASCII host name), plus a dot in
    /// the domain, so every account can be sent its verification and reset mails.
    public static func normalizedEmail(_ raw: String) throws(ServiceError) -> String {
        let email = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard let mailbox = try? MailAddress(email), mailbox.domain.contains(".") else {
            throw ServiceError.invalidField("email", "must be a valid e-mail address", code: .unprocessableEntity)
        }
        return email
    }

    /// Throws a 422 when the password is too short, too long, common, or derived from the email.
    public static func checkPassword(_ password: String, email: String) throws(ServiceError) {
        let length = password.count
        func refuse(_ reason: String) -> ServiceError {
            ServiceError(
                .unprocessableEntity, "The password is too weak: \(reason).",
                fieldViolations: [.init(field: "password", description: reason)]
            )
        }
        guard length >= minimumPasswordLength else { throw refuse("use at least \(minimumPasswordLength) characters") }
        guard length <= maximumPasswordLength else { throw refuse("use at most \(maximumPasswordLength) characters") }
        let lowered = password.lowercased()
        guard Set(lowered).count >= 4 else { throw refuse("it repeats too few different characters") }
        let local = email.split(separator: "@").first.map(String.init) ?? ""
        guard lowered != email, local.count < 4 || !lowered.contains(local) else { throw refuse("it must not contain your e-mail address") }
        guard !commonPasswords.contains(lowered) else { throw refuse("it is one of the most common passwords") }
    }

    /// Display names: trimmed, at most 100 characters, no control characters.
    public static func displayName(_ raw: String) throws(ServiceError) -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard name.count <= 100, !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ServiceError.invalidField("display_name", "must be at most 100 characters without control characters", code: .unprocessableEntity)
        }
        return name
    }

    /// Passwords of 10+ characters that lead breach corpora; a sample, not a substitute for a
    /// breached-password service.
    static let commonPasswords: Set<String> = [
        "1234567890", "12345678910", "0123456789", "1234567891", "1q2w3e4r5t", "qwertyuiop", "1qaz2wsx3edc",
        "password123", "password1234", "password12", "passw0rd123", "iloveyou123", "qwerty1234", "qwerty12345",
        "abcdefghij", "abc1234567", "1111111111", "0000000000", "9876543210", "asdfghjkl1", "zxcvbnm123",
        "letmein123", "welcome123", "administrator", "changeme123", "superman123", "football123", "baseball123",
        "princess123", "sunshine123", "monkey12345", "dragon12345", "master12345", "trustno1234", "starwars123",
        "passwordpassword", "qwertyqwerty", "aaaaaaaaaa", "1234512345", "1122334455", "1234qwer", "q1w2e3r4t5",
        "kubernetes", "hexabase123", "correcthorsebatterystaple",
    ]
}
