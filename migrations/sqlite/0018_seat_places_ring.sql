-- A seat remembers its place (see the PostgreSQL migration of the same number); SQLite counts
-- its seats in memory and keeps the same schema.
ALTER TABLE anonymous_seats ADD COLUMN place INTEGER;
DROP INDEX anonymous_seat_places_free;
DROP INDEX anonymous_seat_places_session;
