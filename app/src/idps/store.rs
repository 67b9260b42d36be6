//! SQL for identity providers, the subjects they name, the tokens used, and what their tokens
//! made: group memberships and sessions.

use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use super::model::KeyKind;

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct ProviderRow {
    pub id: String,
    pub tenant_id: String,
    pub description: String,
    pub active: i64,
    pub issuer: String,
    pub audience: String,
    /// JSON: `[StoredKey]`.
    pub keys: String,
    /// JSON: origins.
    pub origins: String,
    pub create_users: i64,
    pub clock_tolerance_secs: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// `jwtAuth` or `OIDC`.
    pub protocol: String,
    pub client_id: String,
    pub client_secret: String,
    /// Space-separated.
    pub scopes: String,
    /// JSON: `ClaimMap`.
    pub claims: String,
    pub pending: i64,
    pub tested_at: Option<i64>,
    /// JSON: `TestSignIn`, or empty.
    pub last_test: String,
    /// Where a JWT issuer publishes its keys (JWKS); empty: its keys are given here.
    pub jwks_uri: String,
    /// JSON: `[Narrowing]`.
    pub narrowing: String,
}

/// A verifying key as kept: its material (a public key, or a secret that never leaves).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredKey {
    pub kid: String,
    pub kind: KeyKind,
    #[serde(default)]
    pub pem: String,
    #[serde(default)]
    pub secret: String,
}

impl ProviderRow {
    pub fn keys(&self) -> Vec<StoredKey> {
        serde_json::from_str(&self.keys).unwrap_or_default()
    }

    pub fn origins(&self) -> Vec<String> {
        serde_json::from_str(&self.origins).unwrap_or_default()
    }

    pub fn narrowing(&self) -> Vec<super::model::Narrowing> {
        serde_json::from_str(&self.narrowing).unwrap_or_default()
    }

    pub fn is_oidc(&self) -> bool {
        self.protocol == OIDC
    }

    pub fn claims(&self) -> super::model::ClaimMap {
        serde_json::from_str(&self.claims).unwrap_or_default()
    }
}

/// The two protocols a provider speaks.
pub const JWT: &str = "jwtAuth";
pub const OIDC: &str = "OIDC";

impl ProviderRow {
    /// A new row with the fields one protocol does not use left empty.
    pub fn blank(id: String, tenant_id: &str, protocol: &str, now: i64) -> ProviderRow {
        ProviderRow {
            id,
            tenant_id: tenant_id.to_string(),
            description: String::new(),
            active: 1,
            issuer: String::new(),
            audience: String::new(),
            keys: "[]".into(),
            origins: "[]".into(),
            create_users: 0,
            clock_tolerance_secs: 0,
            created_at: now,
            updated_at: now,
            protocol: protocol.to_string(),
            client_id: String::new(),
            client_secret: String::new(),
            scopes: String::new(),
            claims: "{}".into(),
            pending: 0,
            tested_at: None,
            last_test: String::new(),
            jwks_uri: String::new(),
            narrowing: "[]".into(),
        }
    }
}

const COLUMNS: &str = "id, tenant_id, description, active, issuer, audience, keys, origins, create_users, clock_tolerance_secs, created_at, updated_at, protocol, client_id, client_secret, scopes, claims, pending, tested_at, last_test, jwks_uri, narrowing";

pub async fn list(conn: &mut AnyConnection, tenant_id: &str) -> sqlx::Result<Vec<ProviderRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM identity_providers WHERE tenant_id = $1 ORDER BY created_at, id"
    ))
    .bind(tenant_id)
    .fetch_all(conn)
    .await
}

pub async fn get(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
) -> sqlx::Result<Option<ProviderRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM identity_providers WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant_id)
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn insert(conn: &mut AnyConnection, row: &ProviderRow) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "INSERT INTO identity_providers ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)"
    ))
    .bind(&row.id)
    .bind(&row.tenant_id)
    .bind(&row.description)
    .bind(row.active)
    .bind(&row.issuer)
    .bind(&row.audience)
    .bind(&row.keys)
    .bind(&row.origins)
    .bind(row.create_users)
    .bind(row.clock_tolerance_secs)
    .bind(row.created_at)
    .bind(row.updated_at)
    .bind(&row.protocol)
    .bind(&row.client_id)
    .bind(&row.client_secret)
    .bind(&row.scopes)
    .bind(&row.claims)
    .bind(row.pending)
    .bind(row.tested_at)
    .bind(&row.last_test)
    .bind(&row.jwks_uri)
    .bind(&row.narrowing)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn update(conn: &mut AnyConnection, row: &ProviderRow) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE identity_providers SET description = $3, active = $4, issuer = $5, audience = $6, keys = $7, origins = $8, create_users = $9, clock_tolerance_secs = $10, updated_at = $11, client_id = $12, client_secret = $13, scopes = $14, claims = $15, pending = $16, tested_at = $17, last_test = $18, jwks_uri = $19, narrowing = $20 WHERE tenant_id = $1 AND id = $2",
    )
    .bind(&row.tenant_id)
    .bind(&row.id)
    .bind(&row.description)
    .bind(row.active)
    .bind(&row.issuer)
    .bind(&row.audience)
    .bind(&row.keys)
    .bind(&row.origins)
    .bind(row.create_users)
    .bind(row.clock_tolerance_secs)
    .bind(row.updated_at)
    .bind(&row.client_id)
    .bind(&row.client_secret)
    .bind(&row.scopes)
    .bind(&row.claims)
    .bind(row.pending)
    .bind(row.tested_at)
    .bind(&row.last_test)
    .bind(&row.jwks_uri)
    .bind(&row.narrowing)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, tenant_id: &str, id: &str) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM identity_providers WHERE tenant_id = $1 AND id = $2")
        .bind(tenant_id)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends every session the provider's tokens opened (it was deleted or turned off).
pub async fn end_sessions(conn: &mut AnyConnection, provider_id: &str) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE provider_id = $1")
        .bind(provider_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

pub async fn subject_user(
    conn: &mut AnyConnection,
    provider_id: &str,
    subject: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT user_id FROM idp_subjects WHERE provider_id = $1 AND subject = $2")
        .bind(provider_id)
        .bind(subject)
        .fetch_optional(conn)
        .await
}

pub async fn link_subject(
    conn: &mut AnyConnection,
    provider_id: &str,
    subject: &str,
    user_id: &str,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO idp_subjects (provider_id, subject, user_id) VALUES ($1, $2, $3)")
        .bind(provider_id)
        .bind(subject)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a token's use: false when its id was used already (a replay).
pub async fn use_token(
    conn: &mut AnyConnection,
    provider_id: &str,
    jti: &str,
    expires_at: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO token_uses (provider_id, jti, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(provider_id)
    .bind(jti)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets the ids of tokens that have expired (they can no longer be used anyway).
pub async fn forget_used_tokens(conn: &mut AnyConnection, now: i64) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM token_uses WHERE expires_at < $1")
        .bind(now)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Extends an embed's live session to a new token's end (and its narrowing): the same person,
/// through the same provider. False when there is no such session (it ended, or is another's).
pub async fn renew_embed_session(
    conn: &mut AnyConnection,
    renewed: NewSession<'_>,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE sessions SET expires_at = $4, last_seen_at = $5, narrowing = $6 WHERE id_hash = $1 AND user_id = $2 AND provider_id = $3 AND kind = 'embed' AND expires_at > $5",
    )
    .bind(renewed.id_hash)
    .bind(renewed.user_id)
    .bind(renewed.provider_id)
    .bind(renewed.expires_at)
    .bind(renewed.now)
    .bind(renewed.narrowing)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets the sessions that ended with their token.
pub async fn forget_ended_sessions(conn: &mut AnyConnection, now: i64) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at IS NOT NULL AND expires_at < $1")
        .bind(now)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Keeps a user's name as the provider's token gives it.
pub async fn keep_name(
    conn: &mut AnyConnection,
    user_id: &str,
    name: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET name = $2, updated_at = $3 WHERE id = $1 AND name <> $2")
        .bind(user_id)
        .bind(name)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// The tenant's group of this name (by its unique key), if any.
pub async fn group_named(
    conn: &mut AnyConnection,
    tenant_id: &str,
    name_key: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT id FROM user_groups WHERE tenant_id = $1 AND name_key = $2")
        .bind(tenant_id)
        .bind(name_key)
        .fetch_optional(conn)
        .await
}

/// Makes the user's memberships made by this provider exactly `group_ids`; memberships made in
/// Sightline stay as they are.
pub async fn set_memberships(
    conn: &mut AnyConnection,
    provider_id: &str,
    user_id: &str,
    group_ids: &[String],
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM group_members WHERE user_id = $1 AND provider_id = $2")
        .bind(user_id)
        .bind(provider_id)
        .execute(&mut *conn)
        .await?;
    for group_id in group_ids {
        sqlx::query("INSERT INTO group_members (group_id, user_id, provider_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(group_id)
            .bind(user_id)
            .bind(provider_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A session a provider opened: its token's provider, kind, end and narrowing.
pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub tenant_id: &'a str,
    pub user_id: &'a str,
    pub provider_id: &'a str,
    /// `portal` or `embed`.
    pub kind: &'a str,
    pub now: i64,
    pub expires_at: Option<i64>,
    pub client_addr: &'a str,
    /// JSON, or empty: nothing narrowed.
    pub narrowing: &'a str,
}

pub async fn insert_token_session(
    conn: &mut AnyConnection,
    new: NewSession<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, tenant_id, user_id, created_at, last_seen_at, client_addr, user_agent, provider_id, expires_at, kind, narrowing)
         VALUES ($1, $2, $3, $4, $4, $5, '', $6, $7, $8, $9)",
    )
    .bind(new.id_hash)
    .bind(new.tenant_id)
    .bind(new.user_id)
    .bind(new.now)
    .bind(new.client_addr)
    .bind(new.provider_id)
    .bind(new.expires_at)
    .bind(new.kind)
    .bind(new.narrowing)
    .execute(conn)
    .await?;
    Ok(())
}

/// The key that signs the notes browsers carry through an OpenID Connect sign-in: made once,
/// the same for every process of the server.
pub async fn login_key(
    conn: &mut AnyConnection,
    candidate: &str,
    now: i64,
) -> sqlx::Result<String> {
    sqlx::query("INSERT INTO server_keys (name, secret, created_at) VALUES ('oidc_logins', $1, $2) ON CONFLICT (name) DO NOTHING")
        .bind(candidate)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query_scalar("SELECT secret FROM server_keys WHERE name = 'oidc_logins'")
        .fetch_one(conn)
        .await
}

pub async fn set_password_policy(
    conn: &mut AnyConnection,
    tenant_id: &str,
    on: bool,
    break_glass_user_id: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE tenants SET password_sign_in = $2, break_glass_user_id = $3 WHERE id = $1")
        .bind(tenant_id)
        .bind(i64::from(on))
        .bind(break_glass_user_id)
        .execute(conn)
        .await?;
    Ok(())
}
