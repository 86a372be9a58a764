-- The tenancy model of the workspace service: people (as auth announces them), organizations,
-- workspaces and their asynchronous tasks, members, groups, projects, roles and bindings,
-- plus the audit trail and the outbox of events.

-- The people auth announced (hxb.events.auth.user.created), so members can be shown and
-- invited by e-mail without asking auth for every row.
CREATE TABLE users (
    id              text        PRIMARY KEY,
    email           text        NOT NULL UNIQUE CHECK (email = lower(email)),
    display_name    text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Events already handled (consumers are idempotent by event id).
CREATE TABLE processed_events (
    event_id        text        PRIMARY KEY,
    processed_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE organizations (
    id              text        PRIMARY KEY,
    name            text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- The organization created for a user at sign-up (at most one per user).
    personal_owner  text        REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz
);
CREATE UNIQUE INDEX organizations_one_personal ON organizations (personal_owner) WHERE personal_owner IS NOT NULL;

CREATE TABLE organization_members (
    organization_id text        NOT NULL REFERENCES organizations (id),
    user_id         text        NOT NULL REFERENCES users (id),
    role            text        NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX organization_members_user ON organization_members (user_id);

CREATE TABLE invitations (
    id              text        PRIMARY KEY,
    organization_id text        NOT NULL REFERENCES organizations (id),
    email           text        NOT NULL CHECK (email = lower(email)),
    role            text        NOT NULL CHECK (role IN ('admin', 'member')),
    -- SHA-256 of the mailed token; the token itself is never stored.
    token_hash      bytea       NOT NULL UNIQUE,
    invited_by      text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    accepted_at     timestamptz,
    accepted_by     text,
    revoked_at      timestamptz
);
CREATE INDEX invitations_organization ON invitations (organization_id, id);

CREATE TABLE workspaces (
    id              text        PRIMARY KEY,
    organization_id text        NOT NULL REFERENCES organizations (id),
    name            text        NOT NULL,
    plan_id         text        NOT NULL,
    state           text        NOT NULL CHECK (state IN ('pending', 'provisioning', 'running', 'updating', 'deleting', 'deleted', 'failed')),
    state_reason    text        NOT NULL DEFAULT '',
    -- Bumped by every change to what is rendered; the worker records what it applied.
    desired_generation bigint   NOT NULL DEFAULT 1,
    applied_generation bigint   NOT NULL DEFAULT 0,
    created_by      text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- Names are unique within an organization among workspaces that still exist.
CREATE UNIQUE INDEX workspaces_name ON workspaces (organization_id, name) WHERE state <> 'deleted';

-- Long work on a workspace (DESIGN §6): claimed with FOR UPDATE SKIP LOCKED, held by a lease
-- (a crashed worker's task is claimed again once the lease runs out), retried with backoff.
CREATE TABLE tasks (
    id              text        PRIMARY KEY,
    workspace_id    text        NOT NULL REFERENCES workspaces (id),
    kind            text        NOT NULL CHECK (kind IN ('provision', 'update', 'sync', 'delete')),
    state           text        NOT NULL CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
    attempts        integer     NOT NULL DEFAULT 0,
    max_attempts    integer     NOT NULL,
    step            text        NOT NULL DEFAULT '',
    last_error      text        NOT NULL DEFAULT '',
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    lease_until     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_due ON tasks (next_attempt_at) WHERE state IN ('pending', 'running');
CREATE INDEX tasks_workspace ON tasks (workspace_id, created_at);
-- At most one unfinished task per workspace: changes while one runs coalesce into it.
CREATE UNIQUE INDEX tasks_one_open ON tasks (workspace_id) WHERE state IN ('pending', 'running');

CREATE TABLE workspace_members (
    workspace_id    text        NOT NULL REFERENCES workspaces (id),
    user_id         text        NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX workspace_members_user ON workspace_members (user_id);

CREATE TABLE groups (
    id              text        PRIMARY KEY,
    workspace_id    text        NOT NULL REFERENCES workspaces (id),
    name            text        NOT NULL,
    parent_id       text        REFERENCES groups (id),
    is_default      boolean     NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, name)
);

CREATE TABLE group_members (
    group_id        text        NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    workspace_id    text        NOT NULL,
    user_id         text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, user_id),
    FOREIGN KEY (workspace_id, user_id) REFERENCES workspace_members (workspace_id, user_id) ON DELETE CASCADE
);
CREATE INDEX group_members_user ON group_members (user_id, workspace_id);

CREATE TABLE projects (
    id              text        PRIMARY KEY,
    workspace_id    text        NOT NULL REFERENCES workspaces (id),
    name            text        NOT NULL,
    parent_id       text        REFERENCES projects (id),
    quota_cpu       text,
    quota_memory    text,
    quota_storage   text,
    quota_pods      integer,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, name)
);

CREATE TABLE roles (
    id              text        PRIMARY KEY,
    workspace_id    text        NOT NULL REFERENCES workspaces (id),
    project_id      text        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name            text        NOT NULL,
    rules           jsonb       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, name)
);

CREATE TABLE role_bindings (
    id              text        PRIMARY KEY,
    workspace_id    text        NOT NULL REFERENCES workspaces (id),
    project_id      text        REFERENCES projects (id) ON DELETE CASCADE,
    -- A preset ClusterRole name, or a custom role's id.
    role_id         text        NOT NULL,
    group_id        text        NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX role_bindings_unique ON role_bindings (workspace_id, coalesce(project_id, ''), role_id, group_id);
CREATE INDEX role_bindings_group ON role_bindings (group_id);

-- Every mutation, who did it and from where (until the logging service takes the trail).
CREATE TABLE audit_events (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at     timestamptz NOT NULL DEFAULT now(),
    action          text        NOT NULL,
    outcome         text        NOT NULL CHECK (outcome IN ('success', 'failure')),
    actor_id        text,
    organization_id text,
    workspace_id    text,
    subject         text,
    source_address  text,
    request_id      text,
    details         jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_occurred_at ON audit_events (occurred_at);
CREATE INDEX audit_events_organization ON audit_events (organization_id, occurred_at);

-- Events and mails written in the same transaction as the change (ServiceStore's Outbox);
-- the relay publishes events to JetStream (`hxb.events.workspace.<entity>.<verb>`, deduplicated
-- by message id) and sends invitation mails.
CREATE TABLE outbox (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text        NOT NULL CHECK (kind IN ('event', 'mail')),
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
