-- Several processes behind one load balancer behave as one: what a later request depends on is
-- here, not in one process's memory. Same schema as ../sqlite.

-- Work that must run on one process at a time (housekeeping) is done by the holder of a lease;
-- when it stops renewing, another process takes the lease once it has expired.
CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  BIGINT NOT NULL
);

-- Each viewer's selections of an app, back and forward included (engine::ViewerState::encode),
-- so that their next request on any process sees them. `viewer` is the browser session's or
-- API key's client key, or "anonymous:<session>" for a visitor; `model` the data and reduction
-- the codes belong to; `version` grows with each change.
CREATE TABLE viewer_selections (
    viewer      TEXT NOT NULL,
    app_id      TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    model       TEXT NOT NULL,
    state       BYTEA NOT NULL,
    version     BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (viewer, app_id)
);
CREATE INDEX viewer_selections_updated ON viewer_selections (updated_at);

-- The seats of anonymous sessions, on PostgreSQL: every process counts the tenant's capacity,
-- each address's seats and its new sessions in the last minute from here (on SQLite, one
-- process, they stay in memory). An ended seat's `expires_at` is when it ended; the row stays a
-- minute after its start, for the rate.
CREATE TABLE anonymous_seats (
    session_id  TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    link_id     TEXT NOT NULL,
    address     TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX anonymous_seats_tenant ON anonymous_seats (tenant_id, expires_at);
CREATE INDEX anonymous_seats_link ON anonymous_seats (link_id);
