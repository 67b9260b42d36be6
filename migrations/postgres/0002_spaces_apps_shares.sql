-- Spaces, their members, apps and fine-grained app shares. Same schema as ../sqlite.
-- Roles are stored as a comma-separated list of space-role API names (e.g. "consumer,publisher").

CREATE TABLE spaces (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    type        TEXT NOT NULL,             -- personal | shared | managed
    name        TEXT NOT NULL,             -- '' for a personal space: it is named after its owner
    name_key    TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- A personal space goes with its owner (the user service deletes it); a shared or managed
    -- space outlives its owner and waits for an admin to give it a new one.
    owner_id    TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX spaces_one_personal_per_user ON spaces (owner_id) WHERE type = 'personal';
CREATE UNIQUE INDEX spaces_unique_name ON spaces (tenant_id, name_key) WHERE type <> 'personal';
CREATE INDEX spaces_tenant_type ON spaces (tenant_id, type, name_key);

-- One assignment per user or group per space: exactly one of user_id and group_id is set.
CREATE TABLE space_assignments (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    space_id    TEXT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    user_id     TEXT REFERENCES users(id) ON DELETE CASCADE,
    group_id    TEXT REFERENCES user_groups(id) ON DELETE CASCADE,
    roles       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    updated_at  BIGINT NOT NULL,
    CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
CREATE UNIQUE INDEX space_assignments_user ON space_assignments (space_id, user_id);
CREATE UNIQUE INDEX space_assignments_group ON space_assignments (space_id, group_id);
CREATE INDEX space_assignments_by_user ON space_assignments (user_id);
CREATE INDEX space_assignments_by_group ON space_assignments (group_id);

CREATE TABLE apps (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    space_id      TEXT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    name_key      TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    owner_id      TEXT REFERENCES users(id) ON DELETE SET NULL,
    -- A published app remembers the app it was published from (which may since be deleted).
    source_app_id TEXT,
    published_at  BIGINT,
    -- Bumped when the content is replaced (republish); the engine issue stores content per version.
    content_version BIGINT NOT NULL DEFAULT 1,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX apps_space ON apps (space_id, name_key);
CREATE INDEX apps_source ON apps (source_app_id);

-- A share of one app with a user, a group or everyone in the tenant ("Anyone at <tenant>").
-- space_id is the app's space: moving an app removes its shares.
CREATE TABLE app_shares (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    space_id      TEXT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    app_id        TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    assignee_type TEXT NOT NULL,           -- user | group | everyone
    user_id       TEXT REFERENCES users(id) ON DELETE CASCADE,
    group_id      TEXT REFERENCES user_groups(id) ON DELETE CASCADE,
    roles         TEXT NOT NULL,
    disabled      BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    created_by    TEXT NOT NULL DEFAULT '',
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX app_shares_user ON app_shares (app_id, user_id);
CREATE UNIQUE INDEX app_shares_group ON app_shares (app_id, group_id);
CREATE UNIQUE INDEX app_shares_everyone ON app_shares (app_id) WHERE assignee_type = 'everyone';
CREATE INDEX app_shares_space_user ON app_shares (space_id, user_id);
CREATE INDEX app_shares_space_group ON app_shares (space_id, group_id);
CREATE INDEX app_shares_by_group ON app_shares (group_id);

-- Access checks look up a person's groups by user: a covering index answers without the table.
DROP INDEX group_members_user;
CREATE INDEX group_members_user_group ON group_members (user_id, group_id);

-- Every user has a personal space; users made before spaces existed get theirs now.
INSERT INTO spaces (id, tenant_id, type, name, name_key, description, owner_id, created_at, updated_at)
SELECT substr(md5(random()::text || id), 1, 24), tenant_id, 'personal', '', '', '', id, created_at, created_at FROM users;
