//! Housekeeping: the counters kept in memory written once a minute in one transaction, expired
//! seats forgotten (in memory; on PostgreSQL their rows, by the process that holds the
//! housekeeping lease); and the live-link queries the members list and the share dialog use.

use super::*;

/// Writes the counters kept in memory (views, use per hour) and forgets what has expired:
/// sessions, their selections, old per-address counts. Returns how many counters were written.
pub async fn flush(state: &AppState) -> Result<usize, AppError> {
    let now = state.now();
    // On PostgreSQL the seats are rows of every process: the hour's peak is sampled here.
    let shared_live = if crate::sql::is_postgres(&state.db) {
        let mut conn = state.db.acquire().await?;
        store::live_seats_by_tenant(&mut conn, now).await?
    } else {
        Vec::new()
    };
    let (views, usage, retired) = {
        let mut live = state.anonymous.lock();
        for seats in live.sessions.values_mut() {
            seats.drop_expired(now);
        }
        let retired = live.starts.take_retired();
        live.frame_ancestors
            .retain(|_, (read_at, _)| now - *read_at < FRAME_ANCESTORS_MS);
        // Each hour's peak carries the sessions still live into the current hour.
        let currents: Vec<(String, i64)> = live
            .sessions
            .iter()
            .map(|(t, s)| (t.clone(), s.len() as i64))
            .chain(shared_live)
            .collect();
        for (tenant, current) in currents {
            if current > 0 {
                let hour = live
                    .usage
                    .entry((tenant, now.div_euclid(HOUR_MS)))
                    .or_default();
                hour.peak = hour.peak.max(current);
            }
        }
        (
            std::mem::take(&mut live.views),
            std::mem::take(&mut live.usage),
            retired,
        )
    };
    // Past minutes' counts per address, dropped with the lock let go.
    drop(retired);
    let written = views.len() + usage.len();
    // One transaction: the minute's counters are written whole or not at all, and on failure
    // they go back into memory for the next run.
    if let Err(error) = write_counters(state, &views, &usage).await {
        let mut live = state.anonymous.lock();
        for (key, n) in views {
            *live.views.entry(key).or_default() += n;
        }
        for (key, c) in usage {
            let hour = live.usage.entry(key).or_default();
            hour.peak = hour.peak.max(c.peak);
            hour.started += c.started;
            hour.refused += c.refused;
        }
        return Err(error);
    }
    state
        .anonymous
        .engines
        .forget_idle_viewers(now - state.settings.anonymous.session_ms);
    Ok(written)
}

/// Forgets the rows of seats that ended over a minute after they started (PostgreSQL; the
/// per-address rate no longer counts them): database housekeeping, once for every process.
pub async fn forget_ended_seats(state: &AppState) -> Result<u64, AppError> {
    if !crate::sql::is_postgres(&state.db) {
        return Ok(0);
    }
    let mut conn = state.db.acquire().await?;
    Ok(store::drop_expired_seats(&mut conn, state.now()).await?)
}

pub(super) async fn write_counters(
    state: &AppState,
    views: &HashMap<(String, i64), i64>,
    usage: &HashMap<(String, i64), HourCounts>,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    for ((link, day), n) in views {
        store::add_views(&mut tx, link, *day, *n).await?;
    }
    for ((tenant, hour), c) in usage {
        store::add_usage(&mut tx, tenant, *hour, c.peak, c.started, c.refused).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The members list's "Anonymous access" row: the apps of the space with a live link.
pub async fn apps_with_live_links(
    conn: &mut AnyConnection,
    space_id: &str,
    now: i64,
) -> Result<Vec<(String, String)>, AppError> {
    Ok(store::live_link_apps(conn, space_id, now).await?)
}
