-- Sessions that people without an account join ("Anyone with the link", "Anyone I admit") are
-- anonymous access: off for every tenant until a tenant admin turns them on, and started only
-- by holders of the collab_outsiders permission. Sessions of signed-in people stay on.
ALTER TABLE tenants ADD COLUMN collab_outsiders BIGINT NOT NULL DEFAULT 0;

-- Taking the tenant's lock (UPDATE tenants SET id = id, sql::lock_row) changes nothing a visit
-- reads: only an update that changes the row empties the visit-facts cache.
DROP TRIGGER tenants_changes ON tenants;
CREATE TRIGGER tenants_changes AFTER INSERT OR DELETE ON tenants
    FOR EACH STATEMENT EXECUTE FUNCTION sightline_changed('visits');
CREATE TRIGGER tenants_update_changes AFTER UPDATE ON tenants
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION sightline_changed('visits');

-- A deleted user's licences keep their rows: a quarantined (or just removed) assignment and a
-- login pass's window count until they return, as they would have for a person still there
-- (the user id stays as a plain value; deleting a user no longer frees a licence at once).
ALTER TABLE licence_assignments DROP CONSTRAINT licence_assignments_user_id_fkey;
ALTER TABLE login_windows DROP CONSTRAINT login_windows_user_id_fkey;

-- When an anonymous session last asked for anything: a seat idle for three minutes no longer
-- counts against its client's address (it keeps its place in the capacity until it ends).
ALTER TABLE anonymous_seats ADD COLUMN seen_at BIGINT NOT NULL DEFAULT 0;
UPDATE anonymous_seats SET seen_at = started_at;

-- An app's load plan (JSON: the files, and the renames, drops, types, qualification and
-- missing-value texts its editors chose on the data-model page); empty: the default plan.
ALTER TABLE apps ADD COLUMN load_plan TEXT NOT NULL DEFAULT '';
