-- What the caches of every process were made from has changed: the database itself counts each
-- change, so that no code path can change what a cache holds without the cache seeing it.
--   grants  who may open an app (access::Grants): spaces, space assignments, group memberships,
--           app shares;
--   visits  what an anonymous visit reads (anonymous::runtime::Visits): apps, their links, the
--           tenant's capacity, section access and the link makers' groups.
-- A check reads its row's `version` (one row by primary key) and uses the cache only if it has
-- not moved. On PostgreSQL the same triggers notify every process instead (../postgres).
CREATE TABLE changes (
    name     TEXT PRIMARY KEY,
    version  INTEGER NOT NULL
);
INSERT INTO changes (name, version) VALUES ('grants', 0), ('visits', 0);
CREATE TRIGGER spaces_insert_changes AFTER INSERT ON spaces BEGIN UPDATE changes SET version = version + 1 WHERE name IN ('grants', 'visits'); END;
CREATE TRIGGER spaces_update_changes AFTER UPDATE ON spaces BEGIN UPDATE changes SET version = version + 1 WHERE name IN ('grants', 'visits'); END;
CREATE TRIGGER spaces_delete_changes AFTER DELETE ON spaces BEGIN UPDATE changes SET version = version + 1 WHERE name IN ('grants', 'visits'); END;
CREATE TRIGGER space_assignments_insert_changes AFTER INSERT ON space_assignments BEGIN UPDATE changes SET version = version + 1 WHERE name = 'grants'; END;
CREATE TRIGGER space_assignments_update_changes AFTER UPDATE ON space_assignments BEGIN UPDATE changes SET version = version + 1 WHERE name = 'grants'; END;
CREATE TRIGGER space_assignments_delete_changes AFTER DELETE ON space_assignments BEGIN UPDATE changes SET version = version + 1 WHERE name = 'grants'; END;
CREATE TRIGGER group_members_insert_changes AFTER INSERT ON group_members BEGIN UPDATE changes SET version = version + 1 WHERE name IN ('grants', 'visits'); END;
CREATE TRIGGER group_members_update_changes AFTER UPDATE ON group_members BEGIN UPDATE changes SET version = version + 1 WHERE name IN ('grants', 'visits'); END;
CREATE TRIGGER group_members_delete_changes AFTER DELETE ON group_members BEGIN UPDATE changes SET version = version + 1 WHERE name IN ('grants', 'visits'); END;
CREATE TRIGGER app_shares_insert_changes AFTER INSERT ON app_shares BEGIN UPDATE changes SET version = version + 1 WHERE name IN ('grants', 'visits'); END;
CREATE TRIGGER app_shares_update_changes AFTER UPDATE ON app_shares BEGIN UPDATE changes SET version = version + 1 WHERE name IN ('grants', 'visits'); END;
CREATE TRIGGER app_shares_delete_changes AFTER DELETE ON app_shares BEGIN UPDATE changes SET version = version + 1 WHERE name IN ('grants', 'visits'); END;
CREATE TRIGGER apps_insert_changes AFTER INSERT ON apps BEGIN UPDATE changes SET version = version + 1 WHERE name = 'visits'; END;
CREATE TRIGGER apps_update_changes AFTER UPDATE ON apps BEGIN UPDATE changes SET version = version + 1 WHERE name = 'visits'; END;
CREATE TRIGGER apps_delete_changes AFTER DELETE ON apps BEGIN UPDATE changes SET version = version + 1 WHERE name = 'visits'; END;
CREATE TRIGGER tenants_insert_changes AFTER INSERT ON tenants BEGIN UPDATE changes SET version = version + 1 WHERE name = 'visits'; END;
CREATE TRIGGER tenants_update_changes AFTER UPDATE ON tenants BEGIN UPDATE changes SET version = version + 1 WHERE name = 'visits'; END;
CREATE TRIGGER tenants_delete_changes AFTER DELETE ON tenants BEGIN UPDATE changes SET version = version + 1 WHERE name = 'visits'; END;
CREATE TRIGGER section_access_insert_changes AFTER INSERT ON section_access BEGIN UPDATE changes SET version = version + 1 WHERE name = 'visits'; END;
CREATE TRIGGER section_access_update_changes AFTER UPDATE ON section_access BEGIN UPDATE changes SET version = version + 1 WHERE name = 'visits'; END;
CREATE TRIGGER section_access_delete_changes AFTER DELETE ON section_access BEGIN UPDATE changes SET version = version + 1 WHERE name = 'visits'; END;
CREATE TRIGGER users_insert_changes AFTER INSERT ON users BEGIN UPDATE changes SET version = version + 1 WHERE name = 'visits'; END;
CREATE TRIGGER users_update_changes AFTER UPDATE ON users BEGIN UPDATE changes SET version = version + 1 WHERE name = 'visits'; END;
CREATE TRIGGER users_delete_changes AFTER DELETE ON users BEGIN UPDATE changes SET version = version + 1 WHERE name = 'visits'; END;
