-- The logging service's schema: one table per tier, partitioned by the day its records expire
-- (so retention drops whole partitions, each holding exactly the records due that day, even
-- when organizations keep their records for different numbers of days); ingestion tokens;
-- per-organization retention; the batches already stored (exactly-once ingest); the outbox.
--
-- The three tier tables have the same columns; a tier leaves the columns it does not use
-- NULL. Partitions (`<table>_pYYYYMMDD`) are created by the service as records need them.

CREATE FUNCTION create_log_table(name text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format($ddl$
        CREATE TABLE %I (
            sequence        bigint      NOT NULL DEFAULT nextval(%L),
            id              text        NOT NULL,
            time            timestamptz NOT NULL,
            expires_on      date        NOT NULL,
            level           smallint    NOT NULL,
            service         text        NOT NULL DEFAULT '',
            message         text        NOT NULL DEFAULT '',
            request_id      text,
            trace_id        text,
            organization_id text,
            workspace_id    text,
            project_id      text,
            user_id         text,
            actor_id        text,
            initiated_by    text,
            on_behalf_of    text,
            action          text,
            resource        text,
            outcome         text,
            source_address  text,
            attributes      jsonb,
            search          tsvector GENERATED ALWAYS AS (to_tsvector('simple', message)) STORED
        ) PARTITION BY RANGE (expires_on)
        $ddl$, name, name || '_sequence');
    EXECUTE format('CREATE INDEX %I ON %I (sequence)', name || '_by_sequence', name);
    EXECUTE format('CREATE INDEX %I ON %I USING gin (search)', name || '_by_words', name);
END;
$$;

CREATE SEQUENCE logs_system_sequence;
CREATE SEQUENCE logs_audit_sequence;
CREATE SEQUENCE logs_workload_sequence;
SELECT create_log_table('logs_system');
SELECT create_log_table('logs_audit');
SELECT create_log_table('logs_workload');
DROP FUNCTION create_log_table(text);

-- The scoped, newest-first reads of each tier.
CREATE INDEX logs_system_by_time ON logs_system (time DESC, sequence DESC);
CREATE INDEX logs_audit_by_time ON logs_audit (time DESC, sequence DESC);
CREATE INDEX logs_audit_by_organization ON logs_audit (organization_id, time DESC, sequence DESC);
CREATE INDEX logs_audit_by_workspace ON logs_audit (workspace_id, time DESC, sequence DESC) WHERE workspace_id IS NOT NULL;
CREATE INDEX logs_workload_by_workspace ON logs_workload (workspace_id, time DESC, sequence DESC);

-- Ingest batches already stored: a JetStream message redelivered after a crash (stored, not
-- yet acknowledged) is skipped. Pruned after the stream's max age.
CREATE TABLE ingested_batches (
    batch_id  text        PRIMARY KEY,
    tier      smallint    NOT NULL,
    records   integer     NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ingested_batches_stored_at ON ingested_batches (stored_at);

-- Tokens with which a workspace's log shipper (Vector, Fluent Bit) sends workload logs.
-- Only a SHA-256 of the secret is kept.
CREATE TABLE ingestion_tokens (
    id              text        PRIMARY KEY,
    workspace_id    text        NOT NULL,
    organization_id text        NOT NULL,
    name            text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    prefix          text        NOT NULL,
    secret_hash     bytea       NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      text        NOT NULL,
    revoked_at      timestamptz,
    last_used_at    timestamptz
);
CREATE INDEX ingestion_tokens_workspace ON ingestion_tokens (workspace_id, created_at);

-- An organization's retention, where it differs from the platform's defaults. `purged_at`:
-- when the records already stored were last cut to this retention (a change applies to new
-- records through their expiry day, and to stored ones through the retention job's DELETE).
CREATE TABLE retention_settings (
    organization_id text        PRIMARY KEY,
    audit_days      integer     NOT NULL CHECK (audit_days > 0),
    workload_days   integer     NOT NULL CHECK (workload_days > 0),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    updated_by      text        NOT NULL,
    purged_at       timestamptz
);

CREATE TABLE outbox (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text        NOT NULL,
    topic           text        NOT NULL,
    payload         bytea       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    last_error      text,
    message_id      text        NOT NULL DEFAULT gen_random_uuid()::text
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE sent_at IS NULL;
