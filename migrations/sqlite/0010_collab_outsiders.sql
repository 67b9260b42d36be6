-- Sessions that people without an account join ("Anyone with the link", "Anyone I admit") are
-- anonymous access: off for every tenant until a tenant admin turns them on, and started only
-- by holders of the collab_outsiders permission. Sessions of signed-in people stay on.
ALTER TABLE tenants ADD COLUMN collab_outsiders INTEGER NOT NULL DEFAULT 0;

-- Taking the tenant's lock (UPDATE tenants SET id = id, sql::lock_row) changes nothing a visit
-- reads: only a change to another column empties the visit-facts cache.
DROP TRIGGER tenants_update_changes;
CREATE TRIGGER tenants_update_changes AFTER UPDATE OF name, hostname, created_at, anonymous_max_sessions, collab_enabled, collab_outsiders ON tenants
BEGIN UPDATE changes SET version = version + 1 WHERE name = 'visits'; END;
