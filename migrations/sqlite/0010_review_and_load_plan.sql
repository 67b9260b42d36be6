-- Sessions that people without an account join ("Anyone with the link", "Anyone I admit") are
-- anonymous access: off for every tenant until a tenant admin turns them on, and started only
-- by holders of the collab_outsiders permission. Sessions of signed-in people stay on.
ALTER TABLE tenants ADD COLUMN collab_outsiders INTEGER NOT NULL DEFAULT 0;

-- Taking the tenant's lock (UPDATE tenants SET id = id, sql::lock_row) changes nothing a visit
-- reads: only a change to another column empties the visit-facts cache.
DROP TRIGGER tenants_update_changes;
CREATE TRIGGER tenants_update_changes AFTER UPDATE OF name, hostname, created_at, anonymous_max_sessions, collab_enabled, collab_outsiders ON tenants
BEGIN UPDATE changes SET version = version + 1 WHERE name = 'visits'; END;

-- A deleted user's licences keep their rows: a quarantined (or just removed) assignment and a
-- login pass's window count until they return, as they would have for a person still there
-- (the user id stays as a plain value; deleting a user no longer frees a licence at once).
CREATE TABLE licence_assignments_kept (
    id                 TEXT PRIMARY KEY,
    tenant_id          TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    kind               TEXT NOT NULL,
    user_id            TEXT NOT NULL,
    app_id             TEXT NOT NULL DEFAULT '',
    assigned_at        INTEGER NOT NULL,
    assigned_by        TEXT NOT NULL,
    last_used_at       INTEGER,
    removed_at         INTEGER,
    quarantine_until   INTEGER
);
INSERT INTO licence_assignments_kept (id, tenant_id, kind, user_id, app_id, assigned_at, assigned_by, last_used_at, removed_at, quarantine_until)
    SELECT id, tenant_id, kind, user_id, app_id, assigned_at, assigned_by, last_used_at, removed_at, quarantine_until FROM licence_assignments;
DROP TABLE licence_assignments;
ALTER TABLE licence_assignments_kept RENAME TO licence_assignments;
CREATE INDEX licence_assignments_live ON licence_assignments (tenant_id, kind, removed_at);
CREATE INDEX licence_assignments_user ON licence_assignments (user_id, kind);

CREATE TABLE login_windows_kept (
    id                 TEXT PRIMARY KEY,
    login_group_id     TEXT NOT NULL REFERENCES login_groups(id) ON DELETE CASCADE,
    user_id            TEXT NOT NULL,
    started_at         INTEGER NOT NULL
);
INSERT INTO login_windows_kept (id, login_group_id, user_id, started_at)
    SELECT id, login_group_id, user_id, started_at FROM login_windows;
DROP TABLE login_windows;
ALTER TABLE login_windows_kept RENAME TO login_windows;
CREATE INDEX login_windows_group ON login_windows (login_group_id, started_at);

-- When an anonymous session last asked for anything: a seat idle for three minutes no longer
-- counts against its client's address (it keeps its place in the capacity until it ends).
ALTER TABLE anonymous_seats ADD COLUMN seen_at INTEGER NOT NULL DEFAULT 0;
UPDATE anonymous_seats SET seen_at = started_at;

-- An app's load plan (JSON: the files, and the renames, drops, types, qualification and
-- missing-value texts its editors chose on the data-model page); empty: the default plan.
ALTER TABLE apps ADD COLUMN load_plan TEXT NOT NULL DEFAULT '';
