//! The seats of live anonymous sessions: how many a tenant has at once, and how many one client
//! address holds and started in the last minute. On PostgreSQL, where several processes may serve
//! one tenant, a seat is a row (`anonymous_seats`) and holds one of the tenant's numbered places
//! (`anonymous_seat_places`): the capacity is the number of places, each taken by one
//! conditional write, and the per-address limits are counted under a lock of that address alone,
//! so both hold across every process and no lock is shared by every visit of a tenant (an ended
//! seat's row stays a minute for the rate). On SQLite (one process by construction) the seats
//! are in this process's memory and a visit writes nothing.

use super::*;

/// Whether seats are rows shared by every process (PostgreSQL) rather than this process's.
fn shared(state: &AppState) -> bool {
    crate::sql::is_postgres(&state.db)
}

/// Counts a new session in, or refuses it at capacity or past the seats one address may hold;
/// either way the hour's figures count it.
pub(super) async fn admit_session(
    state: &AppState,
    tenant_id: &str,
    seat: Seat,
    session_id: &str,
    max: i64,
    now: i64,
) -> Result<(), AppError> {
    let per_address = state.settings.anonymous.sessions_per_address;
    let (admitted, current) = if shared(state) {
        let mut tx = state.db.begin().await?;
        store::lock_address(&mut tx, tenant_id, &seat.address).await?;
        let counts = store::seat_counts(&mut tx, tenant_id, &seat.address, now).await?;
        let mut admitted = rules::admit_recent_starts(
            counts.started_by_address,
            state.settings.anonymous.starts_per_minute,
        )
        .and_then(|()| {
            rules::admit_from_address(counts.live_by_address as usize, per_address, || {
                counts.first_ends_at.map_or(0, |at| at - now)
            })
        });
        if admitted.is_ok() {
            let seat = store::NewSeat {
                session_id,
                tenant_id,
                link_id: &seat.link_id,
                address: &seat.address,
                started_at: now,
                expires_at: seat.expires_at,
            };
            let from = state.anonymous.lock().next_places.get(tenant_id).copied();
            match store::take_seat(&mut tx, seat, max, from.unwrap_or(0)).await? {
                Some(place) => {
                    let mut live = state.anonymous.lock();
                    live.next_places.insert(tenant_id.to_string(), place + 1);
                }
                // No place free: the capacity refuses.
                None => admitted = Err(rules::every_seat_taken()),
            }
        }
        if admitted.is_ok() {
            tx.commit().await?;
        } else {
            // A refused visit writes nothing.
            tx.rollback().await?;
        }
        // The hour's peak is sampled each minute by housekeeping (`flush`): counting the
        // tenant's seats here would cost every visit a read of all of them.
        (admitted, None)
    } else {
        let mut live = state.anonymous.lock();
        let seats = live.sessions.entry(tenant_id.to_string()).or_default();
        seats.drop_expired(now);
        let admitted =
            rules::admit_from_address(seats.held_by(&seat.address, now), per_address, || {
                seats.first_end_of(&seat.address).map_or(0, |at| at - now)
            })
            .and_then(|()| rules::admit(seats.len(), max));
        if admitted.is_ok() {
            seats.insert(session_id.to_string(), seat);
        }
        (admitted, Some(seats.len() as i64))
    };
    let mut live = state.anonymous.lock();
    let hour = live
        .usage
        .entry((tenant_id.to_string(), now.div_euclid(HOUR_MS)))
        .or_default();
    if let Some(current) = current {
        hour.peak = hour.peak.max(current);
    }
    if admitted.is_ok() {
        hour.started += 1;
    } else {
        hour.refused += 1;
    }
    admitted
}

/// Ends a session: its seat and its selections are given back at once. The visitor's page sends
/// its token when it goes away (a refresh, a closed tab), so a refresh never holds two seats. A
/// token that does not verify ends nothing.
pub async fn end_session(state: &AppState, token: &str) {
    let Some(claims) = rules::verify(&state.anonymous.key, token) else {
        return;
    };
    if shared(state) {
        let ended = match state.db.acquire().await {
            Ok(mut conn) => store::end_seat(&mut conn, &claims.session_id, state.now()).await,
            Err(error) => Err(error),
        };
        if let Err(error) = ended {
            tracing::warn!(%error, "giving an anonymous seat back failed");
        }
    } else {
        let mut live = state.anonymous.lock();
        for seats in live.sessions.values_mut() {
            seats.remove(&claims.session_id);
        }
    }
    state
        .anonymous
        .engines
        .forget_viewer(&format!("anonymous:{}", claims.session_id));
}

/// The session asked for something: its seat counts against its address again (on
/// PostgreSQL written at most once a minute, the idle limit being minutes).
async fn touch(
    state: &AppState,
    conn: &mut AnyConnection,
    tenant_id: &str,
    session_id: &str,
    now: i64,
) -> Result<(), AppError> {
    if shared(state) {
        store::touch_seat(conn, session_id, now).await?;
    } else if let Some(seats) = state.anonymous.lock().sessions.get_mut(tenant_id) {
        seats.touch(session_id, now);
    }
    Ok(())
}

/// Whether a session still holds its seat. A seat given back (the page went away), released
/// with its link, or expired ends its session: the token stops working on every process at once,
/// so capacity and the per-address limits count only what can still be used.
pub(super) async fn holds_seat(
    state: &AppState,
    conn: &mut AnyConnection,
    tenant_id: &str,
    session_id: &str,
) -> Result<bool, AppError> {
    let now = state.now();
    let holds = if shared(state) {
        store::holds_seat(conn, session_id, now).await?
    } else {
        let live = state.anonymous.lock();
        live.sessions
            .get(tenant_id)
            .is_some_and(|seats| seats.holds(session_id, now))
    };
    if holds {
        touch(state, conn, tenant_id, session_id, now).await?;
    }
    Ok(holds)
}

/// Gives back the seats of a link's sessions: its code was reset, or it was paused or deleted,
/// so none of them can take another step.
pub(super) async fn release_link(state: &AppState, link_id: &str) -> Result<(), AppError> {
    if shared(state) {
        let mut conn = state.db.acquire().await?;
        store::end_link_seats(&mut conn, link_id, state.now()).await?;
    } else {
        state.anonymous.release_link(link_id);
    }
    Ok(())
}

/// How many sessions the tenant has live now (on every process, with PostgreSQL).
pub async fn live_sessions(state: &AppState, tenant_id: &str) -> Result<usize, AppError> {
    let now = state.now();
    if shared(state) {
        let mut conn = state.db.acquire().await?;
        Ok(store::live_seats(&mut conn, Some(tenant_id), now).await? as usize)
    } else {
        Ok(state.anonymous.current(tenant_id, now))
    }
}

/// How many sessions every tenant has live now (the operators' metrics).
pub async fn all_live_sessions(state: &AppState) -> Result<usize, AppError> {
    let now = state.now();
    if shared(state) {
        let mut conn = state.db.acquire().await?;
        Ok(store::live_seats(&mut conn, None, now).await? as usize)
    } else {
        Ok(state.anonymous.total(now))
    }
}
