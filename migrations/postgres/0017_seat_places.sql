-- Anonymous seats admitted without a lock every visit of a tenant shares. A seat takes one of
-- the tenant's numbered places (0 to its capacity - 1): a place is a row, free when its
-- `expires_at` has passed, claimed by one conditional write of that row (`FOR UPDATE SKIP
-- LOCKED`: visitors arriving at once take different places and never wait on each other), so
-- the capacity holds exactly across processes. Places are made 64 at a time as the tenant's
-- visitors grow, never past the capacity, and stay to be taken again. The per-address limits are
-- counted under a lock of that address alone (a transaction-scoped advisory lock).
CREATE TABLE anonymous_seat_places (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    place       BIGINT NOT NULL,
    session_id  TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, place)
);
CREATE INDEX anonymous_seat_places_free ON anonymous_seat_places (tenant_id, expires_at);
CREATE INDEX anonymous_seat_places_session ON anonymous_seat_places (session_id);
-- An address's seats and starts, read under its lock.
CREATE INDEX anonymous_seats_address ON anonymous_seats (tenant_id, address);
-- Seats live at the upgrade keep places: the capacity holds through it.
INSERT INTO anonymous_seat_places (tenant_id, place, session_id, expires_at)
SELECT tenant_id, ROW_NUMBER() OVER (PARTITION BY tenant_id ORDER BY started_at, session_id) - 1,
       session_id, expires_at
FROM anonymous_seats
WHERE expires_at > (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT;
