//! The SQL of collaborative sessions, valid on SQLite and PostgreSQL.

use sqlx::AnyConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: String,
    pub tenant_id: String,
    pub app_id: String,
    pub initiator_id: String,
    pub initiator_session: String,
    pub mode: String,
    pub state: String,
    pub version: i64,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub end_message: String,
}

const SESSION: &str = "SELECT id, tenant_id, app_id, initiator_id, initiator_session, mode, state, version, started_at, ended_at, end_message FROM collab_sessions";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ParticipantRow {
    pub id: String,
    pub session_id: String,
    pub user_id: Option<String>,
    pub name: String,
    pub email: String,
    pub email_key: String,
    pub initiator: i64,
    pub standing: String,
    pub joined_at: i64,
    pub seen_at: i64,
}

const PARTICIPANT: &str = "SELECT id, session_id, user_id, name, email, email_key, initiator, standing, joined_at, seen_at FROM collab_participants";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvitationRow {
    pub id: String,
    pub session_id: String,
    pub expires_at: i64,
    pub ended_early: i64,
}

pub async fn tenant_enabled(conn: &mut AnyConnection, tenant_id: &str) -> sqlx::Result<bool> {
    let on: Option<i64> = sqlx::query_scalar("SELECT collab_enabled FROM tenants WHERE id = $1")
        .bind(tenant_id)
        .fetch_optional(conn)
        .await?;
    Ok(on.unwrap_or(0) != 0)
}

/// Whether the tenant lets people without an account join sessions (`collab_outsiders`).
pub async fn tenant_outsiders(conn: &mut AnyConnection, tenant_id: &str) -> sqlx::Result<bool> {
    let on: Option<i64> = sqlx::query_scalar("SELECT collab_outsiders FROM tenants WHERE id = $1")
        .bind(tenant_id)
        .fetch_optional(conn)
        .await?;
    Ok(on.unwrap_or(0) != 0)
}

/// People without an account in or waiting at the tenant's live sessions: they count against
/// its anonymous capacity, beside the visitors of its links.
pub async fn live_outsiders(conn: &mut AnyConnection, tenant_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM collab_participants p JOIN collab_sessions s ON s.id = p.session_id \
         WHERE s.tenant_id = $1 AND s.ended_at IS NULL AND p.user_id IS NULL \
           AND p.standing IN ('in', 'waiting')",
    )
    .bind(tenant_id)
    .fetch_one(conn)
    .await
}

pub async fn set_tenant_enabled(
    conn: &mut AnyConnection,
    tenant_id: &str,
    on: bool,
    outsiders: bool,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE tenants SET collab_enabled = $2, collab_outsiders = $3 WHERE id = $1")
        .bind(tenant_id)
        .bind(on as i64)
        .bind(outsiders as i64)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn app_enabled(conn: &mut AnyConnection, app_id: &str) -> sqlx::Result<bool> {
    let on: Option<i64> = sqlx::query_scalar("SELECT collab_enabled FROM apps WHERE id = $1")
        .bind(app_id)
        .fetch_optional(conn)
        .await?;
    Ok(on.unwrap_or(0) != 0)
}

pub async fn set_app_enabled(conn: &mut AnyConnection, app_id: &str, on: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE apps SET collab_enabled = $2 WHERE id = $1")
        .bind(app_id)
        .bind(on as i64)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_session(conn: &mut AnyConnection, row: &SessionRow) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO collab_sessions (id, tenant_id, app_id, initiator_id, initiator_session, mode, state, version, started_at, ended_at, end_message) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, '')")
        .bind(&row.id)
        .bind(&row.tenant_id)
        .bind(&row.app_id)
        .bind(&row.initiator_id)
        .bind(&row.initiator_session)
        .bind(&row.mode)
        .bind(&row.state)
        .bind(row.version)
        .bind(row.started_at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn session(conn: &mut AnyConnection, id: &str) -> sqlx::Result<Option<SessionRow>> {
    sqlx::query_as(&format!("{SESSION} WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn version(conn: &mut AnyConnection, id: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT version FROM collab_sessions WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Writes a new state; the version goes up by one. Call under the session's row lock.
pub async fn save_state(conn: &mut AnyConnection, id: &str, state: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "UPDATE collab_sessions SET state = $2, version = version + 1 WHERE id = $1 RETURNING version",
    )
    .bind(id)
    .bind(state)
    .fetch_one(conn)
    .await
}

pub async fn end_session(
    conn: &mut AnyConnection,
    id: &str,
    message: &str,
    now: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("UPDATE collab_sessions SET ended_at = $3, end_message = $2, version = version + 1 WHERE id = $1 AND ended_at IS NULL RETURNING version")
        .bind(id)
        .bind(message)
        .bind(now)
        .fetch_optional(conn)
        .await
}

/// The live sessions that an ended portal session or a gone app leaves behind.
pub async fn live_sessions(conn: &mut AnyConnection) -> sqlx::Result<Vec<SessionRow>> {
    sqlx::query_as(&format!("{SESSION} WHERE ended_at IS NULL"))
        .fetch_all(conn)
        .await
}

/// The live sessions of a tenant, or of one app of it: those a switch turned off ends.
pub async fn live_sessions_of(
    conn: &mut AnyConnection,
    tenant_id: &str,
    app_id: Option<&str>,
) -> sqlx::Result<Vec<SessionRow>> {
    sqlx::query_as(&format!(
        "{SESSION} WHERE ended_at IS NULL AND tenant_id = $1 AND ($2 = '' OR app_id = $2)"
    ))
    .bind(tenant_id)
    .bind(app_id.unwrap_or(""))
    .fetch_all(conn)
    .await
}

pub async fn insert_invitation(
    conn: &mut AnyConnection,
    id: &str,
    session_id: &str,
    token_hash: &str,
    now: i64,
    expires_at: i64,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO collab_invitations (id, session_id, token_hash, created_at, expires_at, ended_early) VALUES ($1, $2, $3, $4, $5, 0)")
        .bind(id)
        .bind(session_id)
        .bind(token_hash)
        .bind(now)
        .bind(expires_at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn invitation(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> sqlx::Result<Option<InvitationRow>> {
    sqlx::query_as("SELECT id, session_id, expires_at, ended_early FROM collab_invitations WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(conn)
        .await
}

/// The session's newest invitation that still lets people in.
pub async fn live_invitation(
    conn: &mut AnyConnection,
    session_id: &str,
    now: i64,
) -> sqlx::Result<Option<InvitationRow>> {
    sqlx::query_as("SELECT id, session_id, expires_at, ended_early FROM collab_invitations WHERE session_id = $1 AND ended_early = 0 AND expires_at > $2 ORDER BY created_at DESC LIMIT 1")
        .bind(session_id)
        .bind(now)
        .fetch_optional(conn)
        .await
}

pub async fn end_invitations(conn: &mut AnyConnection, session_id: &str) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE collab_invitations SET ended_early = 1 WHERE session_id = $1 AND ended_early = 0",
    )
    .bind(session_id)
    .execute(conn)
    .await?
    .rows_affected())
}

pub async fn insert_participant(
    conn: &mut AnyConnection,
    row: &ParticipantRow,
    secret_hash: &str,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO collab_participants (id, session_id, secret_hash, user_id, name, email, email_key, initiator, standing, joined_at, seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
        .bind(&row.id)
        .bind(&row.session_id)
        .bind(secret_hash)
        .bind(&row.user_id)
        .bind(&row.name)
        .bind(&row.email)
        .bind(&row.email_key)
        .bind(row.initiator)
        .bind(&row.standing)
        .bind(row.joined_at)
        .bind(row.seen_at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn participants(
    conn: &mut AnyConnection,
    session_id: &str,
) -> sqlx::Result<Vec<ParticipantRow>> {
    sqlx::query_as(&format!(
        "{PARTICIPANT} WHERE session_id = $1 ORDER BY joined_at, id"
    ))
    .bind(session_id)
    .fetch_all(conn)
    .await
}

pub async fn participant_by_secret(
    conn: &mut AnyConnection,
    secret_hash: &str,
) -> sqlx::Result<Option<ParticipantRow>> {
    sqlx::query_as(&format!("{PARTICIPANT} WHERE secret_hash = $1"))
        .bind(secret_hash)
        .fetch_optional(conn)
        .await
}

pub async fn initiator_of(
    conn: &mut AnyConnection,
    session_id: &str,
) -> sqlx::Result<Option<ParticipantRow>> {
    sqlx::query_as(&format!(
        "{PARTICIPANT} WHERE session_id = $1 AND initiator = 1"
    ))
    .bind(session_id)
    .fetch_optional(conn)
    .await
}

pub async fn set_standing(
    conn: &mut AnyConnection,
    participant_id: &str,
    standing: &str,
) -> sqlx::Result<u64> {
    Ok(
        sqlx::query("UPDATE collab_participants SET standing = $2 WHERE id = $1")
            .bind(participant_id)
            .bind(standing)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// Records that a connection of the participant is alive (`now`), or that none is (0).
pub async fn set_seen(
    conn: &mut AnyConnection,
    participant_id: &str,
    seen_at: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE collab_participants SET seen_at = $2 WHERE id = $1")
        .bind(participant_id)
        .bind(seen_at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn participant(
    conn: &mut AnyConnection,
    id: &str,
) -> sqlx::Result<Option<ParticipantRow>> {
    sqlx::query_as(&format!("{PARTICIPANT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Whether `sheet_id` is one of the app's public sheets (the ones a session can move everyone
/// to; a personal sheet is its owner's alone).
pub async fn is_public_sheet(
    conn: &mut AnyConnection,
    app_id: &str,
    sheet_id: &str,
) -> sqlx::Result<bool> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT id FROM sheets WHERE id = $1 AND app_id = $2 AND owner_id IS NULL",
    )
    .bind(sheet_id)
    .bind(app_id)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

pub async fn app_name(conn: &mut AnyConnection, app_id: &str) -> sqlx::Result<String> {
    Ok(
        sqlx::query_scalar::<_, String>("SELECT name FROM apps WHERE id = $1")
            .bind(app_id)
            .fetch_optional(conn)
            .await?
            .unwrap_or_default(),
    )
}
