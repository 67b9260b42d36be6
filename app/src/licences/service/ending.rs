//! Ending connections: a page gone, a sign-out, an idle timeout; the parallel-connection wait
//! and the Session CAL's 15 minutes.

use super::*;

/// Ends one connection at `at`: under access passes a person at the limit waits 5 minutes for the
/// slot; a Session CAL whose client has no app open any more frees after its 15 minutes.
pub(super) async fn end_one(
    conn: &mut AnyConnection,
    tenant_id: &str,
    scheme: Scheme,
    row: &ConnectionRow,
    at: i64,
) -> Result<(), AppError> {
    let wait = if scheme == Scheme::Tokens {
        let open = store::connections_of(conn, tenant_id, &row.user_id, at)
            .await?
            .iter()
            .filter(|c| c.ended_at.is_none())
            .count() as u32;
        rules::wait_after_end(open, at)
    } else {
        None
    };
    store::end_connection(conn, &row.id, at, wait).await?;
    if row.kind == LicenceKind::SessionCal.as_str()
        && store::connections_of_client(conn, &row.client)
            .await?
            .iter()
            .all(|c| c.kind != LicenceKind::SessionCal.as_str())
    {
        for hold in store::active_holds(conn, tenant_id, at).await? {
            if hold.client == row.client && hold.ended_at.is_none() {
                let frees = rules::session_cal_frees_at(hold.started_at, at);
                store::set_hold_end(conn, &hold.id, Some(at), Some(frees)).await?;
            }
        }
    }
    Ok(())
}

/// Connections nobody has used for `CONNECTION_IDLE_MS` end when they were last seen.
pub(super) async fn end_idle(
    conn: &mut AnyConnection,
    tenant_id: &str,
    scheme: Scheme,
    now: i64,
) -> Result<(), AppError> {
    for row in store::idle_connections(conn, tenant_id, now - CONNECTION_IDLE_MS).await? {
        end_one(
            conn,
            tenant_id,
            scheme,
            &row,
            row.last_seen_at + CONNECTION_IDLE_MS,
        )
        .await?;
    }
    Ok(())
}

/// Ends the caller's connection to an app (the page went away), or every connection of their
/// client (`app_id` empty: they signed out).
pub async fn disconnect(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    let Some(settings) = store::settings(&mut tx, &principal.tenant_id).await? else {
        return Ok(());
    };
    let scheme = Scheme::parse(&settings.scheme).unwrap_or(Scheme::Cals);
    lock_row(&mut tx, Parent::Tenant, &principal.tenant_id).await?;
    let now = state.now();
    for row in store::connections_of_client(&mut tx, &principal.client_key()).await? {
        if app_id.is_empty() || row.app_id == app_id {
            end_one(&mut tx, &principal.tenant_id, scheme, &row, now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The caller's open apps, newest first.
pub async fn list_my_connections(
    state: &AppState,
    principal: &Principal,
) -> Result<Vec<crate::licences::model::MyConnection>, AppError> {
    let now = state.now();
    let mut conn = state.db.acquire().await?;
    let mine = principal.client_key();
    let mut out = Vec::new();
    let rows =
        store::connections_of(&mut conn, &principal.tenant_id, &principal.user_id, now).await?;
    for row in rows.into_iter().filter(|r| r.ended_at.is_none()) {
        let name = crate::apps::store::get_app(&mut conn, &principal.tenant_id, &row.app_id)
            .await?
            .map(|a| a.name)
            .unwrap_or_else(|| "(a deleted app)".to_string());
        out.push(crate::licences::model::MyConnection {
            this_browser: row.client == mine,
            kind: LicenceKind::parse(&row.kind),
            id: row.id,
            app_id: row.app_id,
            app_name: name,
            opened_at: row.opened_at,
            last_seen_at: row.last_seen_at,
        });
    }
    out.reverse();
    Ok(out)
}

/// Ends one of the caller's own open apps ("end one of your 5 sessions here").
pub async fn end_my_connection(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<(), AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    lock_row(&mut tx, Parent::Tenant, &principal.tenant_id).await?;
    let scheme = store::settings(&mut tx, &principal.tenant_id)
        .await?
        .and_then(|s| Scheme::parse(&s.scheme))
        .unwrap_or(Scheme::Cals);
    let row = store::connections_of(&mut tx, &principal.tenant_id, &principal.user_id, now)
        .await?
        .into_iter()
        .find(|r| r.id == id && r.ended_at.is_none())
        .ok_or_else(|| AppError::not_found("That app is not open any more."))?;
    end_one(&mut tx, &principal.tenant_id, scheme, &row, now).await?;
    tx.commit().await?;
    Ok(())
}
