-- Data safety: nothing that names a deleted user or group opens data, and no deletion of an
-- account takes the data of apps that survive it. Same schema as ../sqlite.

-- Section access survives the deletion of the user or group a rule names: the rule keeps its
-- field and values, names nobody (user_id and group_id NULL), and so still denies. The name the
-- rule was made for stays, so the app's editors can see which rules name nobody any more.
ALTER TABLE section_access ADD COLUMN assignee_type TEXT NOT NULL DEFAULT 'user';
ALTER TABLE section_access ADD COLUMN assignee_name TEXT NOT NULL DEFAULT '';
UPDATE section_access r SET
    assignee_type = CASE WHEN r.group_id IS NULL THEN 'user' ELSE 'group' END,
    assignee_name = COALESCE((SELECT u.name FROM users u WHERE u.id = r.user_id), (SELECT g.name FROM user_groups g WHERE g.id = r.group_id), '');
ALTER TABLE section_access DROP CONSTRAINT section_access_user_id_fkey;
ALTER TABLE section_access DROP CONSTRAINT section_access_group_id_fkey;
ALTER TABLE section_access DROP CONSTRAINT section_access_check;
ALTER TABLE section_access ADD CONSTRAINT section_access_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE section_access ADD CONSTRAINT section_access_group_id_fkey FOREIGN KEY (group_id) REFERENCES user_groups(id) ON DELETE SET NULL;
ALTER TABLE section_access ADD CONSTRAINT section_access_check CHECK (user_id IS NULL OR group_id IS NULL);

-- A data file of an app stays when its uploader's account goes (staged uploads are removed by
-- the account's deletion itself).
ALTER TABLE data_files DROP CONSTRAINT data_files_owner_id_fkey;
ALTER TABLE data_files ADD CONSTRAINT data_files_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES users(id) ON DELETE SET NULL;

-- A sign-in attempt is written before its password is checked (so parallel guesses count), and
-- taken back by its id when the password was right.
ALTER TABLE login_failures ADD COLUMN attempt TEXT NOT NULL DEFAULT '';

-- Whose section access bounds a link: the person who made it or last set its reduction.
ALTER TABLE app_shares ADD COLUMN link_maker TEXT NOT NULL DEFAULT '';
UPDATE app_shares SET link_maker = created_by WHERE assignee_type = 'link';
