-- What the caches of every process were made from has changed: the database itself announces
-- each change to every process (NOTIFY sightline_changes, the cache's name as payload) at commit,
-- so that no code path can change what a cache holds without the caches hearing of it.
--   grants  who may open an app (access::Grants): spaces, space assignments, group memberships,
--           app shares;
--   visits  what an anonymous visit reads (anonymous::runtime::Visits): apps, their links, the
--           tenant's capacity, section access and the link makers' groups.
-- SQLite's one process counts the changes in a table instead (../sqlite): here a counter row
-- would make every two transactions that touch these tables wait for each other.
CREATE FUNCTION sightline_changed() RETURNS trigger AS $$
DECLARE
    cache TEXT;
BEGIN
    FOREACH cache IN ARRAY TG_ARGV LOOP
        PERFORM pg_notify('sightline_changes', cache);
    END LOOP;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER spaces_changes AFTER INSERT OR UPDATE OR DELETE ON spaces
    FOR EACH STATEMENT EXECUTE FUNCTION sightline_changed('grants', 'visits');
CREATE TRIGGER space_assignments_changes AFTER INSERT OR UPDATE OR DELETE ON space_assignments
    FOR EACH STATEMENT EXECUTE FUNCTION sightline_changed('grants');
CREATE TRIGGER group_members_changes AFTER INSERT OR UPDATE OR DELETE ON group_members
    FOR EACH STATEMENT EXECUTE FUNCTION sightline_changed('grants', 'visits');
CREATE TRIGGER app_shares_changes AFTER INSERT OR UPDATE OR DELETE ON app_shares
    FOR EACH STATEMENT EXECUTE FUNCTION sightline_changed('grants', 'visits');
CREATE TRIGGER apps_changes AFTER INSERT OR UPDATE OR DELETE ON apps
    FOR EACH STATEMENT EXECUTE FUNCTION sightline_changed('visits');
CREATE TRIGGER tenants_changes AFTER INSERT OR UPDATE OR DELETE ON tenants
    FOR EACH STATEMENT EXECUTE FUNCTION sightline_changed('visits');
CREATE TRIGGER section_access_changes AFTER INSERT OR UPDATE OR DELETE ON section_access
    FOR EACH STATEMENT EXECUTE FUNCTION sightline_changed('visits');
CREATE TRIGGER users_changes AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION sightline_changed('visits');
