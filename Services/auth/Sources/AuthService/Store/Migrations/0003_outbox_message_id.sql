-- Events leave the outbox through JetStream with a deduplication id (Nats-Msg-Id): the
-- event's own id, so a publish retried after an unknown outcome is stored once. Rows written
-- before this migration get a random id. The table now matches the shared outbox
-- (ServiceStore's `Outbox`).
ALTER TABLE outbox ADD COLUMN message_id text NOT NULL DEFAULT gen_random_uuid()::text;
