//! Seats of live sessions, on PostgreSQL (`service::seats`): the seats' rows, which count each
//! address's seats and starts, and the tenant's places, which count its capacity.

use sqlx::AnyConnection;

/// Forgets seats that ended over a minute after they started (the per-address rate no longer
/// counts them), of every tenant: database housekeeping, off the visitors' path.
pub async fn drop_expired_seats(conn: &mut AnyConnection, now: i64) -> sqlx::Result<u64> {
    let done =
        sqlx::query("DELETE FROM anonymous_seats WHERE expires_at <= $1 AND started_at <= $2")
            .bind(now)
            .bind(now - 60_000)
            .execute(conn)
            .await?;
    Ok(done.rows_affected())
}

/// Takes, for the rest of the transaction, the lock of one client address of a tenant: its
/// seats and starts are counted and added to under it. Visitors from other addresses do not wait.
///
/// The same statement lets the transaction's commit return before its WAL reaches the disk
/// (`synchronous_commit` off, for this transaction alone): a visit then waits for no disk flush
/// (3.4 ms each on the test machine, and visits queue behind each other's). A seat is a visitor's
/// 15-minute place, not a record anyone keeps: if PostgreSQL itself crashes, the seats admitted
/// in its last moments (at most three `wal_writer_delay`s, 0.6 s by default) are forgotten, and
/// those visitors are asked to open the link again. Nothing is ever half written, and the limits
/// hold as before for every seat the database has.
///
/// And the transaction's statements are planned for their values each time: a claim from the
/// ring's position reads a few places by the key, but one from the first place when every place
/// is taken reads them all, and a plan kept from such costly first runs (PostgreSQL's generic
/// plan) read them all for every claim after.
pub async fn lock_address(
    conn: &mut AnyConnection,
    tenant_id: &str,
    address: &str,
) -> sqlx::Result<()> {
    let key = crate::anonymous::rules::address_lock_key(tenant_id, address);
    sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock($1), \
             set_config('synchronous_commit', 'off', true), \
             set_config('plan_cache_mode', 'force_custom_plan', true)) AS locked",
    )
    .bind(key)
    .fetch_one(conn)
    .await?;
    Ok(())
}

/// What admitting one more session from an address weighs (the tenant's capacity is its places).
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct SeatCounts {
    /// The live seats the address holds.
    pub live_by_address: i64,
    /// Sessions the address started in the last minute, ended or not.
    pub started_by_address: i64,
    /// When the first seat the address holds ends.
    pub first_ends_at: Option<i64>,
}

pub async fn seat_counts(
    conn: &mut AnyConnection,
    tenant_id: &str,
    address: &str,
    now: i64,
) -> sqlx::Result<SeatCounts> {
    sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN expires_at > $3 AND seen_at > $5 THEN 1 ELSE 0 END), 0) AS live_by_address, \
         COALESCE(SUM(CASE WHEN started_at > $4 THEN 1 ELSE 0 END), 0) AS started_by_address, \
         MIN(CASE WHEN expires_at > $3 AND seen_at > $5 THEN \
             CASE WHEN expires_at < seen_at + $6 THEN expires_at ELSE seen_at + $6 END END) AS first_ends_at \
         FROM anonymous_seats WHERE tenant_id = $1 AND address = $2",
    )
    .bind(tenant_id)
    .bind(address)
    .bind(now)
    .bind(now - 60_000)
    .bind(now - crate::anonymous::rules::SEAT_IDLE_MS)
    .bind(crate::anonymous::rules::SEAT_IDLE_MS)
    .fetch_one(conn)
    .await
}

/// How many places a tenant's visitors add at once when every place is taken.
const PLACES_MADE_AT_ONCE: i64 = 64;

/// How many of the first places are looked at, when the end of the ring is reached, before
/// more are made: the ring's oldest seats, freed first (every seat lasts as long). At the
/// capacity every place is looked at: "full" is exact.
const RING_LOOK: i64 = 2 * PLACES_MADE_AT_ONCE;

/// A new seat: whose session, from which link and address, until when.
#[derive(Debug, Clone, Copy)]
pub struct NewSeat<'a> {
    pub session_id: &'a str,
    pub tenant_id: &'a str,
    pub link_id: &'a str,
    pub address: &'a str,
    pub started_at: i64,
    pub expires_at: i64,
}

/// Gives the session one of the tenant's free places below `capacity` and writes its seat, in
/// one statement; `None` when every place is held (or places above a lowered capacity are still
/// held). Visitors claiming at once skip each other's rows instead of waiting for them.
///
/// Places are looked for in their order from `from` (the place after this process's last) to
/// the end, then among the first (`RING_LOOK`; all of them at the capacity); only when none is
/// free are more made. So places are taken round a ring, a claim reads the few places after the
/// last one taken whatever the number of seats, and there are about as many places as the most
/// seats held at once. A claim changes no indexed column (the table's only index
/// is its key), so PostgreSQL rewrites the row in place, leaving nothing for later claims to
/// step over.
pub async fn take_seat(
    conn: &mut AnyConnection,
    seat: NewSeat<'_>,
    capacity: i64,
    from: i64,
) -> sqlx::Result<Option<i64>> {
    let mut from = if (0..capacity).contains(&from) {
        from
    } else {
        0
    };
    let mut to = capacity;
    // How many places there were when the first places were last looked at. Places made, or
    // given back, by a visitor whose transaction ended after a claim began are only seen by the
    // next statement: whenever the count differs, the first places (every place, at the
    // capacity) are looked at once more, before more are made or the answer is "full".
    let mut looked_at = None;
    for _ in 0..8 {
        if let Some(place) = claim(&mut *conn, seat, capacity, from, to).await? {
            return Ok(Some(place));
        }
        let made: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(place) + 1, 0) FROM anonymous_seat_places WHERE tenant_id = $1",
        )
        .bind(seat.tenant_id)
        .fetch_one(&mut *conn)
        .await?;
        if looked_at != Some(made) {
            let last = if made < capacity { RING_LOOK } else { capacity };
            (from, to, looked_at) = (0, last.min(capacity), Some(made));
            continue;
        }
        if made >= capacity {
            return Ok(None);
        }
        sqlx::query(
            "INSERT INTO anonymous_seat_places (tenant_id, place, session_id, expires_at) \
             SELECT $1, place, '', 0 FROM generate_series($2::BIGINT, $3::BIGINT) AS place \
             ON CONFLICT (tenant_id, place) DO NOTHING",
        )
        .bind(seat.tenant_id)
        .bind(made)
        .bind(capacity.min(made + PLACES_MADE_AT_ONCE) - 1)
        .execute(&mut *conn)
        .await?;
        (from, to) = (made, capacity);
    }
    Ok(None)
}

/// The first free place from `from` up to `to` (below the capacity), claimed for the seat, with
/// the seat's row written.
async fn claim(
    conn: &mut AnyConnection,
    seat: NewSeat<'_>,
    capacity: i64,
    from: i64,
    to: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "WITH claimed AS (UPDATE anonymous_seat_places SET session_id = $1, expires_at = $6 \
             WHERE (tenant_id, place) = (SELECT tenant_id, place FROM anonymous_seat_places \
                 WHERE tenant_id = $2 AND place >= $8 AND place < $9 AND expires_at <= $5 \
                 ORDER BY place LIMIT 1 FOR UPDATE SKIP LOCKED) \
             AND NOT EXISTS (SELECT 1 FROM anonymous_seat_places \
                 WHERE tenant_id = $2 AND place >= $7 AND expires_at > $5) \
             RETURNING place) \
         INSERT INTO anonymous_seats (session_id, tenant_id, link_id, address, started_at, expires_at, seen_at, place) \
         SELECT $1, $2, $3, $4, $5, $6, $5, place FROM claimed RETURNING place",
    )
    .bind(seat.session_id)
    .bind(seat.tenant_id)
    .bind(seat.link_id)
    .bind(seat.address)
    .bind(seat.started_at)
    .bind(seat.expires_at)
    .bind(capacity)
    .bind(from)
    .bind(to.min(capacity))
    .fetch_optional(conn)
    .await
}

/// The seat's session ended now: its place is free (the seat's row stays for the rate, a
/// minute).
pub async fn end_seat(conn: &mut AnyConnection, session_id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE anonymous_seat_places SET expires_at = $2 WHERE expires_at > $2 AND session_id = $1 \
         AND (tenant_id, place) = (SELECT tenant_id, place FROM anonymous_seats WHERE session_id = $1)",
    )
    .bind(session_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE anonymous_seats SET expires_at = $2 WHERE session_id = $1 AND expires_at > $2",
    )
    .bind(session_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The session asked for something at `now`: written when the last note is a minute old.
pub async fn touch_seat(conn: &mut AnyConnection, session_id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE anonymous_seats SET seen_at = $2 WHERE session_id = $1 AND seen_at < $3")
        .bind(session_id)
        .bind(now)
        .bind(now - 60_000)
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether the session still holds a seat at `now` (one indexed read).
pub async fn holds_seat(
    conn: &mut AnyConnection,
    session_id: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM anonymous_seats WHERE session_id = $1 AND expires_at > $2",
    )
    .bind(session_id)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

pub async fn end_link_seats(conn: &mut AnyConnection, link_id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE anonymous_seat_places p SET expires_at = $2 FROM anonymous_seats s \
         WHERE s.link_id = $1 AND s.expires_at > $2 AND p.tenant_id = s.tenant_id \
         AND p.place = s.place AND p.session_id = s.session_id AND p.expires_at > $2",
    )
    .bind(link_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE anonymous_seats SET expires_at = $2 WHERE link_id = $1 AND expires_at > $2",
    )
    .bind(link_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Live seats per tenant at `now`: the hour's peak, sampled by housekeeping.
pub async fn live_seats_by_tenant(
    conn: &mut AnyConnection,
    now: i64,
) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as(
        "SELECT tenant_id, COUNT(*) FROM anonymous_seat_places WHERE expires_at > $1 GROUP BY tenant_id",
    )
    .bind(now)
    .fetch_all(conn)
    .await
}

/// Seats not expired at `now`, of one tenant or of all.
pub async fn live_seats(
    conn: &mut AnyConnection,
    tenant_id: Option<&str>,
    now: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM anonymous_seats WHERE expires_at > $1 AND ($2 = '' OR tenant_id = $2)",
    )
    .bind(now)
    .bind(tenant_id.unwrap_or(""))
    .fetch_one(conn)
    .await
}
