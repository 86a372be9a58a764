-- Accounts, sessions, signing keys and the audit trail of the auth service.

CREATE TABLE users (
    id              text        PRIMARY KEY,
    email           text        NOT NULL UNIQUE CHECK (email = lower(email)),
    display_name    text        NOT NULL DEFAULT '',
    password_hash   text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
    id              text        PRIMARY KEY,
    user_id         text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    source_address  text,
    user_agent      text
);
CREATE INDEX sessions_user_id ON sessions (user_id);

-- RS256 signing keys. Exactly one is active (retired_at IS NULL); retired keys stay published
-- in the JWKS until every token they signed has expired.
CREATE TABLE signing_keys (
    kid             text        PRIMARY KEY,
    algorithm       text        NOT NULL DEFAULT 'RS256' CHECK (algorithm = 'RS256'),
    private_key_pem text        NOT NULL,
    public_jwk      jsonb       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    retired_at      timestamptz
);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys ((true)) WHERE retired_at IS NULL;

-- Security events: sign-ups, logins (success and failure), token checks that matter.
CREATE TABLE audit_events (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at     timestamptz NOT NULL DEFAULT now(),
    action          text        NOT NULL,
    outcome         text        NOT NULL CHECK (outcome IN ('success', 'failure')),
    actor_id        text,
    subject         text,
    source_address  text,
    request_id      text,
    details         jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_occurred_at ON audit_events (occurred_at);
