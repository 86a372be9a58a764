import Contracts
import Logging
import ServiceKit

/// Reacts to auth's `user.created`: records the person and gives them a personal
/// organization. Idempotent twice over: by event id, and by one personal organization per user.
struct UserWelcome: Sendable {
    static let subject = "hxb.events.auth.user.created"

    let store: WorkspaceStore
    let logger: Logger
    let onAccessChange: @Sendable () -> Void

    @Sendable func handle(_ message: NATSMessage) async throws {
        let event: Hexabase_Auth_V1_UserCreated
        do {
            event = try Hexabase_Auth_V1_UserCreated(serializedBytes: message.payload)
        } catch {
            // Redelivery would not help a body that does not decode: log it and move on.
            logger.error("user.created event does not decode; dropped", metadata: ["error": "\(error)"])
            return
        }
        let user = event.user
        guard PrefixedID.isValid(user.id, prefix: "usr"), !user.email.isEmpty, !event.eventID.isEmpty else {
            logger.error("user.created event without a valid user or event id; dropped", metadata: ["event_id": "\(event.eventID)"])
            return
        }
        let organizationID = PrefixedID.make("org")
        let created = try await store.welcome(
            DirectoryUser(id: user.id, email: user.email.lowercased(), displayName: user.displayName), eventID: event.eventID,
            organizationID: organizationID
        ) { organization in
            [Change(entity: "organization", verb: "created", resourceID: organization.id, organizationID: organization.id,
                    actor: Actor(id: user.id, requestID: nil, sourceAddress: nil), details: ["personal": "true"])]
        }
        if let created {
            logger.info("personal organization created", metadata: ["user_id": "\(user.id)", "organization_id": "\(created.id)"])
            onAccessChange()
        }
    }
}
