-- Data safety: nothing that names a deleted user or group opens data, and no deletion of an
-- account takes the data of apps that survive it. Same schema as ../postgres.

-- Section access survives the deletion of the user or group a rule names: the rule keeps its
-- field and values, names nobody (user_id and group_id NULL), and so still denies. The name the
-- rule was made for stays, so the app's editors can see which rules name nobody any more.
CREATE TABLE section_access_kept (
    id            TEXT PRIMARY KEY,
    app_id        TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    user_id       TEXT REFERENCES users(id) ON DELETE SET NULL,
    group_id      TEXT REFERENCES user_groups(id) ON DELETE SET NULL,
    assignee_type TEXT NOT NULL DEFAULT 'user',
    assignee_name TEXT NOT NULL DEFAULT '',
    field         TEXT NOT NULL,
    allowed       TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    CHECK (user_id IS NULL OR group_id IS NULL)
);
INSERT INTO section_access_kept (id, app_id, user_id, group_id, assignee_type, assignee_name, field, allowed, created_at)
SELECT r.id, r.app_id, r.user_id, r.group_id,
       CASE WHEN r.group_id IS NULL THEN 'user' ELSE 'group' END,
       COALESCE(u.name, g.name, ''), r.field, r.allowed, r.created_at
FROM section_access r LEFT JOIN users u ON u.id = r.user_id LEFT JOIN user_groups g ON g.id = r.group_id;
DROP TABLE section_access;
ALTER TABLE section_access_kept RENAME TO section_access;
CREATE INDEX section_access_app ON section_access (app_id);

-- A data file of an app stays when its uploader's account goes (staged uploads are removed by
-- the account's deletion itself).
CREATE TABLE data_files_kept (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    owner_id    TEXT REFERENCES users(id) ON DELETE SET NULL,
    app_id      TEXT REFERENCES apps(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    size_bytes  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
INSERT INTO data_files_kept SELECT id, tenant_id, owner_id, app_id, name, size_bytes, created_at FROM data_files;
DROP TABLE data_files;
ALTER TABLE data_files_kept RENAME TO data_files;
CREATE INDEX data_files_app ON data_files (app_id, name);
CREATE INDEX data_files_owner ON data_files (owner_id, app_id);

-- A sign-in attempt is written before its password is checked (so parallel guesses count), and
-- taken back by its id when the password was right.
ALTER TABLE login_failures ADD COLUMN attempt TEXT NOT NULL DEFAULT '';

-- Whose section access bounds a link: the person who made it or last set its reduction.
ALTER TABLE app_shares ADD COLUMN link_maker TEXT NOT NULL DEFAULT '';
UPDATE app_shares SET link_maker = created_by WHERE assignee_type = 'link';
