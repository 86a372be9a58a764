-- Audit records also leave through the outbox (kind 'audit', ServiceStore's AuditLog): the relay
-- publishes them into JetStream's HXB_LOGS for the logging service. audit_events stays the
-- service's own copy of its trail.
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('event', 'mail', 'audit'));
