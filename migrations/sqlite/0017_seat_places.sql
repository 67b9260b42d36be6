-- The places of anonymous seats (see the PostgreSQL migration of the same number). SQLite is one
-- process: its seats are counted in that process's memory, and this table stays empty; it is
-- made so that both databases have the same schema.
CREATE TABLE anonymous_seat_places (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    place       INTEGER NOT NULL,
    session_id  TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, place)
);
CREATE INDEX anonymous_seat_places_free ON anonymous_seat_places (tenant_id, expires_at);
CREATE INDEX anonymous_seat_places_session ON anonymous_seat_places (session_id);
CREATE INDEX anonymous_seats_address ON anonymous_seats (tenant_id, address);
