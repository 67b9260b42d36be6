-- Anonymous access: link shares with their access codes, the sites allowed to frame Sightline,
-- anonymous capacity and its history, and views per link and day. Same schema as ../sqlite.

-- A link share (assignee_type = 'link') is one anonymous link to an app. Its code is kept as
-- typed because people with a space role copy the link with it; bumping link_generation
-- ("Reset access code") ends every session issued under the old code.
ALTER TABLE app_shares ADD COLUMN link_name TEXT NOT NULL DEFAULT '';
ALTER TABLE app_shares ADD COLUMN link_code TEXT NOT NULL DEFAULT '';
ALTER TABLE app_shares ADD COLUMN link_generation BIGINT NOT NULL DEFAULT 0;
ALTER TABLE app_shares ADD COLUMN link_expires_at BIGINT;
-- JSON [field, [allowed values]] or '' for the whole data.
ALTER TABLE app_shares ADD COLUMN link_reduction TEXT NOT NULL DEFAULT '';
CREATE INDEX app_shares_links ON app_shares (app_id, assignee_type);

-- The most anonymous sessions the tenant serves at once.
ALTER TABLE tenants ADD COLUMN anonymous_max_sessions BIGINT NOT NULL DEFAULT 100;

-- Sites that may frame Sightline's embed pages (Qlik Cloud's CSP origins).
CREATE TABLE csp_origins (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    origin         TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    frame_ancestors BIGINT NOT NULL DEFAULT 1,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (tenant_id, origin)
);

-- Anonymous use per tenant and hour (hour = Unix ms / 3,600,000), written by housekeeping
-- from counters in memory: a visit writes nothing.
CREATE TABLE anonymous_usage (
    tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    hour       BIGINT NOT NULL,
    peak       BIGINT NOT NULL DEFAULT 0,
    started    BIGINT NOT NULL DEFAULT 0,
    refused    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, hour)
);

-- Views (sessions started) per link and day (day = Unix ms / 86,400,000). No personal data.
CREATE TABLE link_views (
    share_id   TEXT NOT NULL REFERENCES app_shares(id) ON DELETE CASCADE,
    day        BIGINT NOT NULL,
    views      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (share_id, day)
);

-- Keys the server signs anonymous session tokens with, shared by every server process.
CREATE TABLE server_keys (
    name       TEXT PRIMARY KEY,
    secret     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
