import CLibPQ

extension PostgresConnection {
    /// Runs `body` inside `BEGIN ... COMMIT` on this connection.
    ///
    /// Any error thrown by `body`, cancellation included, rolls the transaction back and is
    /// rethrown. A failing `COMMIT` throws (nothing was committed); so does a `COMMIT` the
    /// server turned into a rollback because a statement had failed and its error was
    /// swallowed. Transactions do not nest: beginning one while another is open throws.
    @discardableResult
    nonisolated(nonsending)
    public func transaction<Result>(
        isolation: TransactionIsolation = .readCommitted,
        _ body: nonisolated(nonsending) (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let begin = isolation.beginStatement
        try await perform { libpq in
            guard PQtransactionStatus(libpq.pointer) == PQTRANS_IDLE else {
                throw DatabaseError(
                    code: .invalidQuery,
                    message: "a transaction is already open on this connection; use a savepoint"
                )
            }
            _ = try libpq.simpleQuery(begin)
        }
        let result: Result
        do {
            result = try await body(self)
        } catch {
            await rollback()
            throw error
        }
        // The body succeeded: commit even if the task was cancelled in the meantime.
        let commit = try await perform(cancellable: false) { try $0.simpleQuery("COMMIT") }
        guard commit.commandTag == "COMMIT" else {
            throw DatabaseError(
                code: .other,
                message: "the transaction had failed and was rolled back instead of committed",
                sqlState: "25P02"
            )
        }
        return result
    }

    /// Rolls back the open transaction, ignoring errors: a connection that cannot roll back is
    /// broken and is discarded when it returns to the pool.
    func rollback() async {
        do {
            try await perform(cancellable: false) { _ = try $0.simpleQuery("ROLLBACK") }
        } catch {
            logger.debug("postgres rollback failed", metadata: ["error": "\(error)"])
        }
    }
}
