-- Who may open an app is cached in the process (access::Grants). Every change to what decides it
-- is counted here by the database itself, so that no code path can change a grant without the
-- cache seeing it: a check reads `version` first. On PostgreSQL the same triggers notify every
-- process instead (../postgres).
CREATE TABLE grant_changes (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  INTEGER NOT NULL
);
INSERT INTO grant_changes (id, version) VALUES (1, 0);
CREATE TRIGGER spaces_insert_grants AFTER INSERT ON spaces BEGIN UPDATE grant_changes SET version = version + 1; END;
CREATE TRIGGER spaces_update_grants AFTER UPDATE ON spaces BEGIN UPDATE grant_changes SET version = version + 1; END;
CREATE TRIGGER spaces_delete_grants AFTER DELETE ON spaces BEGIN UPDATE grant_changes SET version = version + 1; END;
CREATE TRIGGER space_assignments_insert_grants AFTER INSERT ON space_assignments BEGIN UPDATE grant_changes SET version = version + 1; END;
CREATE TRIGGER space_assignments_update_grants AFTER UPDATE ON space_assignments BEGIN UPDATE grant_changes SET version = version + 1; END;
CREATE TRIGGER space_assignments_delete_grants AFTER DELETE ON space_assignments BEGIN UPDATE grant_changes SET version = version + 1; END;
CREATE TRIGGER group_members_insert_grants AFTER INSERT ON group_members BEGIN UPDATE grant_changes SET version = version + 1; END;
CREATE TRIGGER group_members_update_grants AFTER UPDATE ON group_members BEGIN UPDATE grant_changes SET version = version + 1; END;
CREATE TRIGGER group_members_delete_grants AFTER DELETE ON group_members BEGIN UPDATE grant_changes SET version = version + 1; END;
CREATE TRIGGER app_shares_insert_grants AFTER INSERT ON app_shares BEGIN UPDATE grant_changes SET version = version + 1; END;
CREATE TRIGGER app_shares_update_grants AFTER UPDATE ON app_shares BEGIN UPDATE grant_changes SET version = version + 1; END;
CREATE TRIGGER app_shares_delete_grants AFTER DELETE ON app_shares BEGIN UPDATE grant_changes SET version = version + 1; END;
