-- The auth service as a full identity provider: encrypted and rotating signing keys, refresh
-- tokens with reuse detection, OAuth clients, authorization and device codes, login
-- throttling, one-time account tokens (password reset, e-mail verification), federated
-- identities, and an outbox for events and mail.

-- Users may come from an upstream provider and have no local password.
ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL;
ALTER TABLE users ADD COLUMN email_verified boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN password_changed_at timestamptz;

-- Private keys are sealed (AES-256-GCM) with a key from configuration; the PEM column of
-- 0001 is emptied by the service at start.
ALTER TABLE signing_keys ALTER COLUMN private_key_pem DROP NOT NULL;
ALTER TABLE signing_keys ADD COLUMN private_key_sealed bytea;
ALTER TABLE signing_keys ADD COLUMN sealing_key_id text;

-- A session is one sign-in of a user from one device (a browser, a CLI). Refresh-token
-- families, authorization codes and device grants hang off it; revoking it ends them all.
ALTER TABLE sessions ADD COLUMN last_used_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE sessions ADD COLUMN revoked_reason text;
ALTER TABLE sessions ADD COLUMN auth_method text NOT NULL DEFAULT 'password';
-- SHA-256 of the browser cookie of a session started on the login page (NULL for API logins).
ALTER TABLE sessions ADD COLUMN browser_token_hash bytea UNIQUE;
CREATE INDEX sessions_active_by_user ON sessions (user_id, last_used_at) WHERE revoked_at IS NULL;

-- OAuth 2.0 / OIDC clients. `public` clients have no secret and must use PKCE.
CREATE TABLE clients (
    id              text        PRIMARY KEY,
    name            text        NOT NULL,
    kind            text        NOT NULL CHECK (kind IN ('public', 'confidential')),
    secret_hash     bytea,
    redirect_uris   text[]      NOT NULL DEFAULT '{}',
    grant_types     text[]      NOT NULL,
    -- A workspace's vCluster client: ID tokens carry that workspace's groups.
    workspace_id    text        UNIQUE,
    -- Service identities (client_credentials) act as themselves: `sub` = the client id.
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      text,
    CHECK ((kind = 'confidential') = (secret_hash IS NOT NULL))
);

-- A refresh token is opaque; only its SHA-256 is stored. Tokens of one family replace each
-- other on every use; presenting a used one revokes the whole family.
CREATE TABLE refresh_token_families (
    id              text        PRIMARY KEY,
    session_id      text        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    client_id       text        NOT NULL,
    scope           text        NOT NULL DEFAULT '',
    nonce           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz,
    revoked_reason  text
);
CREATE INDEX refresh_token_families_session ON refresh_token_families (session_id);

CREATE TABLE refresh_tokens (
    token_hash      bytea       PRIMARY KEY,
    family_id       text        NOT NULL REFERENCES refresh_token_families (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

-- Authorization codes (single use, short-lived). A second use revokes what the first issued.
CREATE TABLE authorization_codes (
    code_hash       bytea       PRIMARY KEY,
    client_id       text        NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    session_id      text        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    redirect_uri    text        NOT NULL,
    scope           text        NOT NULL,
    nonce           text,
    code_challenge  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    family_id       text
);

-- RFC 8628 device authorization grants.
CREATE TABLE device_authorizations (
    device_code_hash bytea      PRIMARY KEY,
    user_code       text        NOT NULL UNIQUE,
    client_id       text        NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scope           text        NOT NULL,
    status          text        NOT NULL DEFAULT 'pending'
                                CHECK (status IN ('pending', 'approved', 'denied', 'consumed')),
    session_id      text        REFERENCES sessions (id) ON DELETE CASCADE,
    poll_interval   integer     NOT NULL,
    last_polled_at  timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
);

-- Failed logins per key (`account:<email>`, `address:<ip>`) in a fixed window.
CREATE TABLE login_throttle (
    key             text        PRIMARY KEY,
    failures        integer     NOT NULL,
    window_start    timestamptz NOT NULL
);

-- One-time tokens mailed to a user: password reset and e-mail verification.
CREATE TABLE account_tokens (
    token_hash      bytea       PRIMARY KEY,
    purpose         text        NOT NULL CHECK (purpose IN ('password_reset', 'email_verification')),
    user_id         text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email           text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz
);
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose);

-- Sign-ins through upstream providers (an OIDC issuer, GitHub), linked to one user.
CREATE TABLE federated_identities (
    provider        text        NOT NULL,
    subject         text        NOT NULL,
    user_id         text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email           text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, subject)
);

-- A browser's round trip through an upstream provider: what we must check on its return.
CREATE TABLE federation_states (
    state_hash      bytea       PRIMARY KEY,
    provider        text        NOT NULL,
    nonce           text        NOT NULL,
    code_verifier   text        NOT NULL,
    return_to       text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
);

-- Written in the same transaction as the change it announces; a relay publishes events to
-- NATS (`hxb.events.auth.<entity>.<verb>`) and sends mail, then marks the row done.
CREATE TABLE outbox (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text        NOT NULL CHECK (kind IN ('event', 'mail')),
    topic           text        NOT NULL,
    payload         bytea       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    last_error      text
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE sent_at IS NULL;
