-- Licences: the tenant's scheme and its numbers, lasting assignments (user passes, CALs,
-- entitlements) with their quarantine, login groups and their windows, Document CAL pools,
-- connections (the apps each person has open), Session CAL holds, and the ledger that every
-- allocation, consumption, return, quarantine, reinstatement and denial is written to.
-- Same schema as ../postgres.

-- One row per tenant that has chosen a scheme; a tenant without one counts no licences.
CREATE TABLE licence_settings (
    tenant_id          TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    scheme             TEXT NOT NULL,
    tokens             INTEGER NOT NULL DEFAULT 0,
    named_cals         INTEGER NOT NULL DEFAULT 0,
    dynamic_named      INTEGER NOT NULL DEFAULT 0,
    dynamic_document   INTEGER NOT NULL DEFAULT 0,
    session_cals       INTEGER NOT NULL DEFAULT 0,
    usage_cals         INTEGER NOT NULL DEFAULT 0,
    -- When the Usage CAL pool was last set (it starts full then).
    usage_since        INTEGER NOT NULL DEFAULT 0,
    professional       INTEGER NOT NULL DEFAULT 0,
    analyzer           INTEGER NOT NULL DEFAULT 0,
    auto_professional  INTEGER NOT NULL DEFAULT 0,
    auto_analyzer      INTEGER NOT NULL DEFAULT 0,
    capacity_minutes   INTEGER NOT NULL DEFAULT 0,
    overage_minutes    INTEGER NOT NULL DEFAULT 0,
    updated_at         INTEGER NOT NULL
);

-- A lasting assignment: kind user_pass, named_cal, document_cal (with its app), professional
-- or analyzer. A removed one keeps its row: removed_at, and quarantine_until while its licence
-- is not free for anyone else.
CREATE TABLE licence_assignments (
    id                 TEXT PRIMARY KEY,
    tenant_id          TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    kind               TEXT NOT NULL,
    user_id            TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    app_id             TEXT NOT NULL DEFAULT '',
    assigned_at        INTEGER NOT NULL,
    assigned_by        TEXT NOT NULL,
    last_used_at       INTEGER,
    removed_at         INTEGER,
    quarantine_until   INTEGER
);
CREATE INDEX licence_assignments_live ON licence_assignments (tenant_id, kind, removed_at);
CREATE INDEX licence_assignments_user ON licence_assignments (user_id, kind);

-- Groups whose members get a user access pass on first use.
CREATE TABLE user_pass_rules (
    tenant_id          TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    group_id           TEXT NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
    created_at         INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, group_id)
);

-- Login access passes belong to a group: ten per token. A deleted one keeps its row until its
-- passes have returned.
CREATE TABLE login_groups (
    id                 TEXT PRIMARY KEY,
    tenant_id          TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    group_id           TEXT REFERENCES user_groups(id) ON DELETE SET NULL,
    group_name         TEXT NOT NULL,
    tokens             INTEGER NOT NULL,
    created_at         INTEGER NOT NULL,
    deleted_at         INTEGER
);

-- A login pass in use: its 60-minute window from the first connection; it returns 28 days
-- after the window ends.
CREATE TABLE login_windows (
    id                 TEXT PRIMARY KEY,
    login_group_id     TEXT NOT NULL REFERENCES login_groups(id) ON DELETE CASCADE,
    user_id            TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    started_at         INTEGER NOT NULL
);
CREATE INDEX login_windows_group ON login_windows (login_group_id, started_at);

-- Document CALs allocated to an app.
CREATE TABLE document_pools (
    app_id             TEXT PRIMARY KEY REFERENCES apps(id) ON DELETE CASCADE,
    tenant_id          TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    size               INTEGER NOT NULL
);

-- An app open in a client (a browser session, or an API key): what licence it uses, when it
-- was last active, and when it ended. wait_until: it ended while its person was at the limit of
-- parallel connections, and that slot reopens then. started_at: when its Usage CAL or
-- capacity unit started.
CREATE TABLE licence_connections (
    id                 TEXT PRIMARY KEY,
    tenant_id          TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id            TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    app_id             TEXT NOT NULL,
    client             TEXT NOT NULL,
    kind               TEXT NOT NULL,
    opened_at          INTEGER NOT NULL,
    last_seen_at       INTEGER NOT NULL,
    ended_at           INTEGER,
    wait_until         INTEGER,
    started_at         INTEGER
);
CREATE INDEX licence_connections_open ON licence_connections (tenant_id, user_id, ended_at);
CREATE INDEX licence_connections_client ON licence_connections (client, app_id, ended_at);

-- A Session CAL taken by one client: held at least 15 minutes, until its last app closes.
CREATE TABLE session_cal_holds (
    id                 TEXT PRIMARY KEY,
    tenant_id          TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    client             TEXT NOT NULL,
    user_id            TEXT NOT NULL,
    started_at         INTEGER NOT NULL,
    ended_at           INTEGER,
    frees_at           INTEGER
);
CREATE INDEX session_cal_holds_tenant ON session_cal_holds (tenant_id, frees_at);

-- Append-only: event is allocate, consume, return, quarantine, reinstate, release or deny;
-- units are minutes for capacity and 1 otherwise; reason holds a denial's codes.
CREATE TABLE licence_ledger (
    id                 TEXT PRIMARY KEY,
    tenant_id          TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    at                 INTEGER NOT NULL,
    event              TEXT NOT NULL,
    kind               TEXT NOT NULL,
    user_id            TEXT NOT NULL DEFAULT '',
    user_name          TEXT NOT NULL DEFAULT '',
    app_id             TEXT NOT NULL DEFAULT '',
    units              INTEGER NOT NULL DEFAULT 1,
    reason             TEXT NOT NULL DEFAULT ''
);
CREATE INDEX licence_ledger_tenant ON licence_ledger (tenant_id, at);
CREATE INDEX licence_ledger_kind ON licence_ledger (tenant_id, kind, event, at);
