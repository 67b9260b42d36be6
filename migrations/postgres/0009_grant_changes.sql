-- Who may open an app is cached in each process (access::Grants). Every change to what decides
-- it is announced to every process (NOTIFY sightline_grants) by the database itself, at commit,
-- so that no code path can change a grant without the caches hearing of it. SQLite's one process
-- counts the changes in a table instead (../sqlite): here a counter row would make every two
-- transactions that touch grants wait for each other.
CREATE FUNCTION sightline_grants_changed() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('sightline_grants', '');
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER spaces_grants AFTER INSERT OR UPDATE OR DELETE ON spaces
    FOR EACH STATEMENT EXECUTE FUNCTION sightline_grants_changed();
CREATE TRIGGER space_assignments_grants AFTER INSERT OR UPDATE OR DELETE ON space_assignments
    FOR EACH STATEMENT EXECUTE FUNCTION sightline_grants_changed();
CREATE TRIGGER group_members_grants AFTER INSERT OR UPDATE OR DELETE ON group_members
    FOR EACH STATEMENT EXECUTE FUNCTION sightline_grants_changed();
CREATE TRIGGER app_shares_grants AFTER INSERT OR UPDATE OR DELETE ON app_shares
    FOR EACH STATEMENT EXECUTE FUNCTION sightline_grants_changed();
