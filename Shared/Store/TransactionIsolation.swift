/// The isolation level of a transaction, as Postgres defines it.
public enum TransactionIsolation: Sendable, Hashable {
    /// Each statement sees data committed before it began (Postgres's default).
    case readCommitted
    /// The transaction sees one snapshot; a concurrent update of a row it writes fails it with
    /// `DatabaseError.Code.serializationFailure`.
    case repeatableRead
    /// The transaction behaves as if run alone; conflicts fail it with
    /// `DatabaseError.Code.serializationFailure`, so run it with `retryingTransaction`.
    case serializable

    /// The `BEGIN` statement for this level.
    var beginStatement: String {
        switch self {
        case .readCommitted: "BEGIN ISOLATION LEVEL READ COMMITTED"
        case .repeatableRead: "BEGIN ISOLATION LEVEL REPEATABLE READ"
        case .serializable: "BEGIN ISOLATION LEVEL SERIALIZABLE"
        }
    }
}
