//! SQL for sign-in, sessions, invitations and API keys.

use sqlx::AnyConnection;

use super::model::{ApiKeyInfo, SessionInfo};

#[derive(sqlx::FromRow)]
pub struct LoginRow {
    pub id: String,
    pub name: String,
    pub status: String,
    pub password_hash: Option<String>,
}

pub async fn find_login(
    conn: &mut AnyConnection,
    tenant_id: &str,
    email_key: &str,
) -> sqlx::Result<Option<LoginRow>> {
    sqlx::query_as(
        "SELECT id, name, status, password_hash FROM users WHERE tenant_id = $1 AND email_key = $2",
    )
    .bind(tenant_id)
    .bind(email_key)
    .fetch_optional(conn)
    .await
}

#[derive(sqlx::FromRow)]
pub struct TenantRow {
    pub id: String,
    pub name: String,
}

/// The tenant a host name serves: the one registered for it, or else the first tenant made.
pub async fn tenant_for_host(
    conn: &mut AnyConnection,
    host: &str,
) -> sqlx::Result<Option<TenantRow>> {
    sqlx::query_as(
        "SELECT id, name, 0 AS preference FROM tenants WHERE hostname = $1
         UNION ALL
         SELECT id, name, 1 AS preference FROM (SELECT id, name FROM tenants ORDER BY created_at, id LIMIT 1) first_tenant
         ORDER BY preference LIMIT 1",
    )
    .bind(host)
    .fetch_optional(conn)
    .await
}

pub async fn recent_failures(
    conn: &mut AnyConnection,
    tenant_id: &str,
    subject: &str,
    since: i64,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT at FROM login_failures WHERE tenant_id = $1 AND subject = $2 AND at > $3",
    )
    .bind(tenant_id)
    .bind(subject)
    .bind(since)
    .fetch_all(conn)
    .await
}

pub async fn record_failure(
    conn: &mut AnyConnection,
    tenant_id: &str,
    subject: &str,
    at: i64,
    attempt: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO login_failures (tenant_id, subject, at, attempt) VALUES ($1, $2, $3, $4)",
    )
    .bind(tenant_id)
    .bind(subject)
    .bind(at)
    .bind(attempt)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes an attempt written before its password was checked (it was right, or never checked).
pub async fn take_back_attempt(
    conn: &mut AnyConnection,
    tenant_id: &str,
    attempt: &str,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE tenant_id = $1 AND attempt = $2")
        .bind(tenant_id)
        .bind(attempt)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn clear_failures(
    conn: &mut AnyConnection,
    tenant_id: &str,
    subject: &str,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE tenant_id = $1 AND subject = $2")
        .bind(tenant_id)
        .bind(subject)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn forget_failures_before(conn: &mut AnyConnection, before: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM login_failures WHERE at < $1")
        .bind(before)
        .execute(conn)
        .await?
        .rows_affected())
}

pub async fn insert_session(
    conn: &mut AnyConnection,
    id_hash: &str,
    tenant_id: &str,
    user_id: &str,
    now: i64,
    client_addr: &str,
    user_agent: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, tenant_id, user_id, created_at, last_seen_at, client_addr, user_agent)
         VALUES ($1, $2, $3, $4, $4, $5, $6)",
    )
    .bind(id_hash)
    .bind(tenant_id)
    .bind(user_id)
    .bind(now)
    .bind(client_addr)
    .bind(user_agent)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub struct SessionRow {
    pub user_id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// `portal` (a cookie) or `embed` (a header: an identity provider's token exchanged).
    pub kind: String,
    /// When a session a token opened ends (Unix ms); none: as the session settings say.
    pub expires_at: Option<i64>,
    /// JSON: the section access its token narrowed to (`[[field, [values]]]`); empty: none.
    pub narrowing: String,
}

pub async fn find_session(
    conn: &mut AnyConnection,
    id_hash: &str,
) -> sqlx::Result<Option<SessionRow>> {
    sqlx::query_as("SELECT user_id, created_at, last_seen_at, kind, expires_at, narrowing FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .fetch_optional(conn)
        .await
}

pub async fn touch_session(conn: &mut AnyConnection, id_hash: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1")
        .bind(id_hash)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_session(conn: &mut AnyConnection, id_hash: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_user_sessions(conn: &mut AnyConnection, user_id: &str) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(conn)
        .await?
        .rows_affected())
}

#[derive(sqlx::FromRow)]
struct SessionListRow {
    id_hash: String,
    created_at: i64,
    last_seen_at: i64,
    client_addr: String,
    user_agent: String,
}

pub async fn list_sessions(
    conn: &mut AnyConnection,
    user_id: &str,
    current_hash: Option<&str>,
) -> sqlx::Result<Vec<SessionInfo>> {
    let rows: Vec<SessionListRow> = sqlx::query_as(
        "SELECT id_hash, created_at, last_seen_at, client_addr, user_agent FROM sessions
         WHERE user_id = $1 ORDER BY last_seen_at DESC",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SessionInfo {
            current: Some(r.id_hash.as_str()) == current_hash,
            created_at: r.created_at,
            last_seen_at: r.last_seen_at,
            client_addr: r.client_addr,
            user_agent: r.user_agent,
        })
        .collect())
}

pub async fn insert_api_key(
    conn: &mut AnyConnection,
    tenant_id: &str,
    user_id: &str,
    key: &ApiKeyInfo,
    key_hash: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO api_keys (id, tenant_id, user_id, name, key_hash, key_prefix, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&key.id)
    .bind(tenant_id)
    .bind(user_id)
    .bind(&key.name)
    .bind(key_hash)
    .bind(&key.prefix)
    .bind(key.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub struct ApiKeyOwner {
    pub id: String,
    pub user_id: String,
    pub last_used_at: Option<i64>,
}

/// A live (not revoked) key by its digest.
pub async fn find_api_key(
    conn: &mut AnyConnection,
    key_hash: &str,
) -> sqlx::Result<Option<ApiKeyOwner>> {
    sqlx::query_as(
        "SELECT id, user_id, last_used_at FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
    )
    .bind(key_hash)
    .fetch_optional(conn)
    .await
}

pub async fn touch_api_key(conn: &mut AnyConnection, key_id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1")
        .bind(key_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ApiKeyRow {
    id: String,
    name: String,
    key_prefix: String,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

pub async fn list_api_keys(
    conn: &mut AnyConnection,
    tenant_id: &str,
    user_id: &str,
) -> sqlx::Result<Vec<ApiKeyInfo>> {
    let rows: Vec<ApiKeyRow> = sqlx::query_as(
        "SELECT id, name, key_prefix, created_at, last_used_at, revoked_at FROM api_keys
         WHERE tenant_id = $1 AND user_id = $2 ORDER BY created_at DESC, id",
    )
    .bind(tenant_id)
    .bind(user_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ApiKeyInfo {
            id: r.id,
            name: r.name,
            prefix: r.key_prefix,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        })
        .collect())
}

#[derive(sqlx::FromRow)]
pub struct ApiKeyRef {
    pub user_id: String,
    pub name: String,
    pub revoked_at: Option<i64>,
}

pub async fn get_api_key(
    conn: &mut AnyConnection,
    tenant_id: &str,
    key_id: &str,
) -> sqlx::Result<Option<ApiKeyRef>> {
    sqlx::query_as(
        "SELECT user_id, name, revoked_at FROM api_keys WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant_id)
    .bind(key_id)
    .fetch_optional(conn)
    .await
}

pub async fn revoke_api_key(conn: &mut AnyConnection, key_id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
        .bind(key_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_password_hash(
    conn: &mut AnyConnection,
    user_id: &str,
    hash: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET password_hash = $2, status = CASE WHEN status = 'invited' THEN 'active' ELSE status END, updated_at = $3 WHERE id = $1")
        .bind(user_id)
        .bind(hash)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// An admin's reset: the old password stops working at once.
pub async fn clear_password_hash(
    conn: &mut AnyConnection,
    user_id: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET password_hash = NULL, updated_at = $2 WHERE id = $1")
        .bind(user_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_invite(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: &str,
    now: i64,
    expires_at: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM user_invites WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO user_invites (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub struct InviteRow {
    pub user_id: String,
    pub tenant_id: String,
    pub name: String,
    pub email: String,
    pub status: String,
    pub expires_at: i64,
}

pub async fn find_invite(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> sqlx::Result<Option<InviteRow>> {
    sqlx::query_as(
        "SELECT i.user_id, u.tenant_id, u.name, u.email, u.status, i.expires_at
         FROM user_invites i JOIN users u ON u.id = i.user_id WHERE i.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await
}

pub async fn delete_invites(conn: &mut AnyConnection, user_id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM user_invites WHERE user_id = $1")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub struct PrincipalRow {
    pub id: String,
    pub tenant_id: String,
    pub tenant_name: String,
    pub name: String,
    pub email: String,
    pub status: String,
}

pub async fn principal_user(
    conn: &mut AnyConnection,
    user_id: &str,
) -> sqlx::Result<Option<PrincipalRow>> {
    sqlx::query_as(
        "SELECT u.id, u.tenant_id, t.name AS tenant_name, u.name, u.email, u.status
         FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE u.id = $1",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await
}

#[derive(sqlx::FromRow)]
pub struct GrantRow {
    pub role_id: String,
    pub kind: String,
    pub permission: Option<String>,
}

/// Every role that applies to a user (User Default, their own, their groups'), with the
/// permissions chosen for it.
pub async fn grants_of(
    conn: &mut AnyConnection,
    tenant_id: &str,
    user_id: &str,
) -> sqlx::Result<Vec<GrantRow>> {
    sqlx::query_as(
        "SELECT r.id AS role_id, r.kind, rp.permission
         FROM roles r LEFT JOIN role_permissions rp ON rp.role_id = r.id
         WHERE r.tenant_id = $1 AND (
               r.kind = 'user_default'
            OR r.id IN (SELECT role_id FROM user_roles WHERE user_id = $2)
            OR r.id IN (SELECT gr.role_id FROM group_roles gr
                        JOIN group_members gm ON gm.group_id = gr.group_id WHERE gm.user_id = $2))",
    )
    .bind(tenant_id)
    .bind(user_id)
    .fetch_all(conn)
    .await
}

/// The tenant's password sign-in: on (1) or off, and its break-glass account (whose password
/// still signs in when it is off).
pub async fn password_policy(
    conn: &mut AnyConnection,
    tenant_id: &str,
) -> sqlx::Result<(i64, String)> {
    sqlx::query_as("SELECT password_sign_in, break_glass_user_id FROM tenants WHERE id = $1")
        .bind(tenant_id)
        .fetch_one(conn)
        .await
}
