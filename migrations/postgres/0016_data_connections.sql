-- Data connections: where an app's data is read from besides uploaded files. A connection
-- belongs to a space (its roles say who may make, use and see it). `kind` is postgres | mysql |
-- sqlite | folder. A database's host, port, database and user are plain; its password is
-- `secret`: sealed with the settings' connection key (XChaCha20-Poly1305, the key's id first),
-- never read back to anyone. A SQLite file and a folder are a path inside one of the folders
-- the operator allows (`folder` names it, `path` is relative to it).
CREATE TABLE data_connections (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    space_id    TEXT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    host        TEXT NOT NULL DEFAULT '',
    port        BIGINT NOT NULL DEFAULT 0,
    database_name TEXT NOT NULL DEFAULT '',
    username    TEXT NOT NULL DEFAULT '',
    secret      TEXT NOT NULL DEFAULT '',
    folder      TEXT NOT NULL DEFAULT '',
    path        TEXT NOT NULL DEFAULT '',
    created_by  TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (space_id, name_key)
);
CREATE INDEX data_connections_tenant ON data_connections (tenant_id);

-- The hosts a tenant's database connections may reach, one pattern a line (a name, `*.example.com`,
-- an address or a CIDR range); empty: any host but the server's own and private addresses.
ALTER TABLE tenants ADD COLUMN connection_hosts TEXT NOT NULL DEFAULT '';
