-- Collaborative sessions: one live exploration of an app shared by several people. The
-- session's row is the one holder of its state (sheet, selections by value, history), so that
-- every server process serves the same session; `version` grows with each change, and each
-- change is announced to the other processes (LISTEN/NOTIFY on PostgreSQL). Same schema as ../sqlite.

ALTER TABLE tenants ADD COLUMN collab_enabled BIGINT NOT NULL DEFAULT 1;
ALTER TABLE apps ADD COLUMN collab_enabled BIGINT NOT NULL DEFAULT 1;

CREATE TABLE collab_sessions (
    id                 TEXT PRIMARY KEY,
    tenant_id          TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    app_id             TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    initiator_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- The digest of the initiator's portal session: when it ends, so does this.
    initiator_session  TEXT NOT NULL,
    mode               TEXT NOT NULL,           -- open | signed_in | lobby
    state              TEXT NOT NULL,           -- JSON: rules::SharedState
    version            BIGINT NOT NULL,
    started_at         BIGINT NOT NULL,
    ended_at           BIGINT,
    end_message        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX collab_sessions_app ON collab_sessions (app_id, ended_at);

CREATE TABLE collab_invitations (
    id           TEXT PRIMARY KEY,
    session_id   TEXT NOT NULL REFERENCES collab_sessions(id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    ended_early  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX collab_invitations_session ON collab_invitations (session_id);

CREATE TABLE collab_participants (
    id           TEXT PRIMARY KEY,
    session_id   TEXT NOT NULL REFERENCES collab_sessions(id) ON DELETE CASCADE,
    -- The digest of the secret in the participant's cookie (the initiator's is never sent).
    secret_hash  TEXT NOT NULL UNIQUE,
    user_id      TEXT,
    name         TEXT NOT NULL,
    email        TEXT NOT NULL,
    email_key    TEXT NOT NULL,
    initiator    BIGINT NOT NULL DEFAULT 0,
    standing     TEXT NOT NULL,                 -- waiting | in | refused | removed
    joined_at    BIGINT NOT NULL,
    -- When a connection of this participant last said it was alive (0: none open).
    seen_at      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX collab_participants_session ON collab_participants (session_id);
