-- App content: the data an app was loaded from, its sheets and charts, and section access.
-- Same schema as ../sqlite. The data itself lives as files in the data directory:
-- apps/<app id>/files/<data file id>.csv and apps/<app id>/model-<data_version>.snap.

-- 0 = no data yet; bumped on every load so that a snapshot's file name says which load it is.
ALTER TABLE apps ADD COLUMN data_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE apps ADD COLUMN data_rows BIGINT NOT NULL DEFAULT 0;

-- An uploaded CSV: staged for its owner (app_id NULL) until an app is made from it.
CREATE TABLE data_files (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    owner_id    TEXT REFERENCES users(id) ON DELETE CASCADE,
    app_id      TEXT REFERENCES apps(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    size_bytes  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX data_files_app ON data_files (app_id, name);
CREATE INDEX data_files_owner ON data_files (owner_id, app_id);

-- A sheet is public (owner_id NULL: part of the app, edited by Owner and Can edit) or private
-- to the person who made it (Can contribute).
CREATE TABLE sheets (
    id          TEXT PRIMARY KEY,
    app_id      TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    position    BIGINT NOT NULL,
    owner_id    TEXT REFERENCES users(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX sheets_app ON sheets (app_id, position);

-- A chart: its kind, dimensions, measures, sort and top N as JSON (content::model::ChartSpec).
CREATE TABLE charts (
    id          TEXT PRIMARY KEY,
    sheet_id    TEXT NOT NULL REFERENCES sheets(id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    spec        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX charts_sheet ON charts (sheet_id, position);

-- Section access: a user or a group may see only these values of a field (JSON array of texts).
CREATE TABLE section_access (
    id          TEXT PRIMARY KEY,
    app_id      TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    user_id     TEXT REFERENCES users(id) ON DELETE CASCADE,
    group_id    TEXT REFERENCES user_groups(id) ON DELETE CASCADE,
    field       TEXT NOT NULL,
    allowed     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
CREATE INDEX section_access_app ON section_access (app_id);
