-- Places are claimed round a ring, by their key (see anonymous::store::seats::take_seat): a
-- seat remembers its place, so giving it back writes that row by its key, and the indexes on what
-- a claim changes go. A claim then changes no indexed column and PostgreSQL rewrites the row
-- where it is (a HOT update, for which each page keeps room), where with an index on
-- `expires_at` every claim left an entry behind that each later claim stepped over until the
-- next vacuum: under a crowd, admitting a visitor cost more with every visitor admitted.
ALTER TABLE anonymous_seats ADD COLUMN place BIGINT;
UPDATE anonymous_seats s SET place = p.place
FROM anonymous_seat_places p
WHERE p.tenant_id = s.tenant_id AND p.session_id = s.session_id;
DROP INDEX anonymous_seat_places_free;
DROP INDEX anonymous_seat_places_session;
ALTER TABLE anonymous_seat_places SET (fillfactor = 50);
