-- Reloads: an app's data loaded again in place, one row per reload, in Qlik's statuses (QUEUED,
-- RELOADING, CANCELING, SUCCEEDED, FAILED, CANCELED, EXCEEDED_LIMIT). `changes` holds the new
-- files' places (JSON), `tables` the rows per table after it. The process running a reload
-- claims it (lease_owner, lease_until) and renews the claim; a claim that ran out means the
-- process stopped, and the reload is marked failed while the old data keeps serving.
CREATE TABLE reloads (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    app_id        TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL DEFAULT '',
    kind          TEXT NOT NULL,
    status        TEXT NOT NULL,
    changes       TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    started_at    BIGINT,
    ended_at      BIGINT,
    log           TEXT NOT NULL DEFAULT '',
    error         TEXT NOT NULL DEFAULT '',
    tables        TEXT NOT NULL DEFAULT '',
    lease_owner   TEXT NOT NULL DEFAULT '',
    lease_until   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX reloads_app ON reloads (app_id, created_at);
CREATE INDEX reloads_tenant ON reloads (tenant_id, created_at);
CREATE INDEX reloads_active ON reloads (status, lease_until);

-- When the app's data was last loaded, for viewers' "Data updated 14:05".
ALTER TABLE apps ADD COLUMN data_loaded_at BIGINT NOT NULL DEFAULT 0;
UPDATE apps SET data_loaded_at = updated_at WHERE data_version > 0;
