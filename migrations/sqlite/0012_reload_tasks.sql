-- Reload tasks: an app's reload on a schedule, in Qlik's shapes. `recurrence` holds RFC 5545
-- RRULE lines (JSON), read in `time_zone` from `start_local` to `end_local` (local dates and
-- times; the end may be empty). `next_at` is the next run (Unix ms; none when the schedule has
-- ended or is off); a process takes a due run by moving `next_at` on, so each run happens
-- once across the processes. `failures` counts the failed runs in a row; at the limit the task
-- turns itself off (state Disabled, disabled_code CONSECUTIVE-FAILURES) and says why in `note`.
CREATE TABLE reload_tasks (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    app_id          TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    recurrence      TEXT NOT NULL,
    time_zone       TEXT NOT NULL,
    start_local     TEXT NOT NULL,
    end_local       TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL,
    disabled_code   TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    failures        INTEGER NOT NULL DEFAULT 0,
    next_at         INTEGER,
    last_run_at     INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX reload_tasks_app ON reload_tasks (app_id, created_at);
CREATE INDEX reload_tasks_due ON reload_tasks (state, next_at);

-- Which task started a reload (its outcome counts toward the task's failures in a row).
ALTER TABLE reloads ADD COLUMN task_id TEXT NOT NULL DEFAULT '';

-- Notices: what a person is told in the portal (and by email when the server has an SMTP
-- server): a reload that failed, a schedule that turned itself off.
CREATE TABLE notices (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    app_id      TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL,
    body        TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    read_at     INTEGER,
    emailed     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notices_user ON notices (user_id, created_at);
