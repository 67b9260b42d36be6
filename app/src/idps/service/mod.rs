//! Identity providers: the tenant admin's list of JWT issuers, and signing in with a token one
//! of them signed. A token is verified with the key its header names (`kid`), then its claims
//! checked (`rules::check_claims`); it is used once (`jti`); the person it names is found by
//! the provider's subject, else by email, else made when the provider allows; the groups it
//! names replace those its provider gave before. Then a session: a portal cookie's
//! (`/login/jwt-session`) or an embed's, carried in a header and ending with the token.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use sqlx::AnyConnection;

use super::model::*;
use super::rules::{self, Checked, Claims, Expected, Person};
use super::store::{self, ProviderRow, StoredKey};
use super::{EMBED_TOKEN_PREFIX, MAX_PROVIDERS_PER_TENANT, MAX_TOKEN_BYTES};

mod discovery;
mod oidc;
mod passwords;
mod tokens;

use crate::audit::model::AuditAction;
use crate::audit::service::{record, Actor, Target};
use crate::auth::principal::{load_principal, Credential, Principal, RequestInfo};
use crate::directory::rules::{unique_key, UserStatus};
use crate::error::AppError;
use crate::ids::{digest, new_id, new_secret};
use crate::state::AppState;
pub use oidc::*;
pub use passwords::*;
pub use tokens::*;

fn require_admin(principal: &Principal) -> Result<(), AppError> {
    if principal.is_tenant_admin {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Identity providers are for tenant admins: they decide who may sign in.",
        ))
    }
}

fn shown(row: &ProviderRow) -> IdentityProvider {
    IdentityProvider {
        id: row.id.clone(),
        tenant_id: row.tenant_id.clone(),
        description: row.description.clone(),
        active: row.active != 0,
        issuer: row.issuer.clone(),
        audience: row.audience.clone(),
        keys: row
            .keys()
            .into_iter()
            .map(|k| KeyInfo {
                kid: k.kid,
                kind: k.kind,
                pem: k.pem,
            })
            .collect(),
        jwks_uri: row.jwks_uri.clone(),
        narrowing: row.narrowing(),
        origins: row.origins(),
        create_users: row.create_users != 0,
        clock_tolerance_secs: row.clock_tolerance_secs,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// The key a stored key verifies with, and its algorithm.
fn decoding_key(key: &StoredKey) -> Result<(DecodingKey, Algorithm), AppError> {
    let bad = |why: String| AppError::invalid("keys", why);
    match key.kind {
        KeyKind::Hs256 => Ok((
            DecodingKey::from_secret(key.secret.as_bytes()),
            Algorithm::HS256,
        )),
        KeyKind::Rs256 => DecodingKey::from_rsa_pem(key.pem.as_bytes())
            .map(|k| (k, Algorithm::RS256))
            .map_err(|e| bad(format!("Key \"{}\" could not be read: {e}.", key.kid))),
        KeyKind::Es256 => DecodingKey::from_ec_pem(key.pem.as_bytes())
            .map(|k| (k, Algorithm::ES256))
            .map_err(|e| bad(format!("Key \"{}\" could not be read: {e}.", key.kid))),
    }
}

/// A key as given, read: an RSA or P-256 public key (its kind told by trying), or a secret.
fn read_key(given: &KeyInput, before: &[StoredKey]) -> Result<StoredKey, AppError> {
    if given.pem.is_empty() && given.secret.is_empty() {
        return before
            .iter()
            .find(|k| k.kid == given.kid)
            .cloned()
            .ok_or_else(|| {
                AppError::invalid("keys", format!("Key \"{}\" has no material.", given.kid))
            });
    }
    if !given.secret.is_empty() {
        return Ok(StoredKey {
            kid: given.kid.clone(),
            kind: KeyKind::Hs256,
            pem: String::new(),
            secret: given.secret.clone(),
        });
    }
    for kind in [KeyKind::Rs256, KeyKind::Es256] {
        let key = StoredKey {
            kid: given.kid.clone(),
            kind,
            pem: given.pem.clone(),
            secret: String::new(),
        };
        if decoding_key(&key).is_ok() {
            return Ok(key);
        }
    }
    Err(AppError::invalid(
        "keys",
        format!(
            "Key \"{}\" is neither an RSA nor a P-256 public key in PEM form. Give the public key (-----BEGIN PUBLIC KEY-----), not the private one.",
            given.kid
        ),
    ))
}

fn row_of(
    id: String,
    tenant_id: &str,
    checked: &Checked,
    keys: &[StoredKey],
    created_at: i64,
    now: i64,
) -> Result<ProviderRow, AppError> {
    Ok(ProviderRow {
        description: checked.description.clone(),
        active: i64::from(checked.active),
        issuer: checked.issuer.clone(),
        audience: checked.audience.clone(),
        keys: serde_json::to_string(keys).map_err(AppError::internal)?,
        origins: serde_json::to_string(&checked.origins).map_err(AppError::internal)?,
        jwks_uri: checked.jwks_uri.clone(),
        narrowing: serde_json::to_string(&checked.narrowing).map_err(AppError::internal)?,
        create_users: i64::from(checked.create_users),
        clock_tolerance_secs: checked.clock_tolerance_secs,
        created_at,
        ..ProviderRow::blank(id, tenant_id, store::JWT, now)
    })
}

pub async fn list_identity_providers(
    state: &AppState,
    principal: &Principal,
) -> Result<Vec<IdentityProvider>, AppError> {
    require_admin(principal)?;
    let mut conn = state.db.acquire().await?;
    Ok(store::list(&mut conn, &principal.tenant_id)
        .await?
        .iter()
        .filter(|p| !p.is_oidc())
        .map(shown)
        .collect())
}

/// A JWT issuer's published keys are read when it is saved, so that a wrong address is said at
/// once; plain http only while Sightline itself is served over http.
async fn check_published_keys(state: &AppState, uri: &str) -> Result<(), AppError> {
    if uri.is_empty() {
        return Ok(());
    }
    rules::oidc::check_issuer(uri, oidc::plain_http(state)).map_err(|_| {
        AppError::invalid("jwks_uri", "The published keys' address must be https://.")
    })?;
    discovery::published_key(uri, Some(""))
        .await
        .map(|_| ())
        .or_else(|e| match e {
            // Read, and no key has the empty id: the address works.
            AppError::BadToken(why) if why.contains("publishes no key") => Ok(()),
            other => Err(other),
        })
}

fn no_such(id: &str) -> AppError {
    AppError::not_found(format!("There is no identity provider with id {id}."))
}

/// A JWT issuer of the tenant by id (an OpenID Connect provider is managed on its own).
async fn jwt_issuer(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
) -> Result<ProviderRow, AppError> {
    store::get(conn, tenant_id, id)
        .await?
        .filter(|r| !r.is_oidc())
        .ok_or_else(|| no_such(id))
}

pub async fn get_identity_provider(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<IdentityProvider, AppError> {
    require_admin(principal)?;
    let mut conn = state.db.acquire().await?;
    jwt_issuer(&mut conn, &principal.tenant_id, id)
        .await
        .map(|r| shown(&r))
}

pub(crate) async fn audit(
    conn: &mut AnyConnection,
    state: &AppState,
    principal: &Principal,
    action: AuditAction,
    row: &ProviderRow,
    detail: String,
) -> Result<(), AppError> {
    record(
        conn,
        state.now(),
        &principal.actor(),
        action,
        Target {
            kind: "identity_provider",
            id: &row.id,
            name: &row.issuer,
        },
        detail,
    )
    .await
}

pub async fn create_identity_provider(
    state: &AppState,
    principal: &Principal,
    input: ProviderInput,
) -> Result<IdentityProvider, AppError> {
    require_admin(principal)?;
    let checked = rules::check_provider(&input, &[])?;
    check_published_keys(state, &checked.jwks_uri).await?;
    let keys = checked
        .keys
        .iter()
        .map(|k| read_key(k, &[]))
        .collect::<Result<Vec<_>, _>>()?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if store::list(&mut tx, &principal.tenant_id).await?.len() >= MAX_PROVIDERS_PER_TENANT {
        return Err(AppError::conflict(format!(
            "This tenant has {MAX_PROVIDERS_PER_TENANT} identity providers, the most it may have: delete one first."
        )));
    }
    let row = row_of(new_id(), &principal.tenant_id, &checked, &keys, now, now)?;
    store::insert(&mut tx, &row).await?;
    audit(
        &mut tx,
        state,
        principal,
        AuditAction::IdpCreate,
        &row,
        String::new(),
    )
    .await?;
    tx.commit().await?;
    Ok(shown(&row))
}

/// Changes a provider. Turning it off, or changing its issuer or keys, ends the sessions its
/// tokens opened: they were signed under what no longer holds.
pub async fn update_identity_provider(
    state: &AppState,
    principal: &Principal,
    id: &str,
    input: ProviderInput,
) -> Result<IdentityProvider, AppError> {
    require_admin(principal)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let before = jwt_issuer(&mut tx, &principal.tenant_id, id).await?;
    let old_keys = before.keys();
    let kept: Vec<String> = old_keys.iter().map(|k| k.kid.clone()).collect();
    let checked = rules::check_provider(&input, &kept)?;
    if checked.jwks_uri != before.jwks_uri {
        check_published_keys(state, &checked.jwks_uri).await?;
    }
    let keys = checked
        .keys
        .iter()
        .map(|k| read_key(k, &old_keys))
        .collect::<Result<Vec<_>, _>>()?;
    let row = row_of(
        before.id.clone(),
        &principal.tenant_id,
        &checked,
        &keys,
        before.created_at,
        now,
    )?;
    store::update(&mut tx, &row).await?;
    let revoked = row.active == 0
        || row.narrowing != before.narrowing
        || row.issuer != before.issuer
        || keys != old_keys
        || row.jwks_uri != before.jwks_uri;
    let ended = if revoked {
        store::end_sessions(&mut tx, &row.id).await?
    } else {
        0
    };
    audit(
        &mut tx,
        state,
        principal,
        AuditAction::IdpUpdate,
        &row,
        if revoked {
            format!("{ended} sessions ended")
        } else {
            String::new()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(shown(&row))
}

/// Deletes a provider: the sessions its tokens opened end at once; the users it made stay.
pub async fn delete_identity_provider(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<(), AppError> {
    require_admin(principal)?;
    let mut tx = state.db.begin().await?;
    let row = jwt_issuer(&mut tx, &principal.tenant_id, id).await?;
    remove(tx, state, principal, &row).await
}

/// Removes a provider of either protocol: its sessions end in the same transaction.
async fn remove(
    mut tx: sqlx::Transaction<'static, sqlx::Any>,
    state: &AppState,
    principal: &Principal,
    row: &ProviderRow,
) -> Result<(), AppError> {
    let ended = store::end_sessions(&mut tx, &row.id).await?;
    store::delete(&mut tx, &row.tenant_id, &row.id).await?;
    audit(
        &mut tx,
        state,
        principal,
        AuditAction::IdpDelete,
        row,
        format!("{ended} sessions ended"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Housekeeping: the ids of expired tokens are forgotten (an expired token is refused anyway);
/// so are embed sessions that ended with their token.
pub async fn forget_used_tokens(state: &AppState) -> Result<u64, AppError> {
    let mut conn = state.db.acquire().await?;
    let now = state.now();
    let tokens = store::forget_used_tokens(&mut conn, now).await?;
    Ok(tokens + store::forget_ended_sessions(&mut conn, now).await?)
}

/// The user a provider names: by the provider's subject, else by email (then linked), else made
/// when the provider makes users. A known subject's name is kept in step with the provider, and
/// their provider-made groups become the ones it names now.
pub(crate) async fn person(
    conn: &mut AnyConnection,
    now: i64,
    tenant_id: &str,
    provider: &ProviderRow,
    identity: &Person,
) -> Result<String, AppError> {
    let user_id = match store::subject_user(conn, &provider.id, &identity.subject).await? {
        Some(user_id) => {
            // The site knows its users' names best: a name changed there changes here.
            if identity.name != identity.subject {
                store::keep_name(conn, &user_id, &identity.name, now).await?;
            }
            user_id
        }
        None => {
            let email = identity.email.as_deref().ok_or_else(|| {
                AppError::BadToken("The token names someone this tenant does not know yet and has no email to find or make their account by.".into())
            })?;
            let user_id = match crate::directory::store::email_owner(conn, tenant_id, &unique_key(email)).await? {
                Some(user_id) => user_id,
                None if provider.create_users != 0 => {
                    let user_id = new_id();
                    crate::directory::store::insert_user(conn, &user_id, tenant_id, &identity.name, email, UserStatus::Active, now).await?;
                    user_id
                }
                None => {
                    return Err(AppError::forbidden(format!(
                        "{email} has no account in this tenant, and this identity provider does not make accounts: a tenant admin invites them, or lets the provider make accounts."
                    )))
                }
            };
            store::link_subject(conn, &provider.id, &identity.subject, &user_id).await?;
            user_id
        }
    };
    let mut groups = Vec::new();
    for name in &identity.groups {
        let key = unique_key(name);
        let group_id = match store::group_named(conn, tenant_id, &key).await? {
            Some(id) => id,
            None => {
                let id = new_id();
                crate::directory::store::insert_group(
                    conn,
                    &id,
                    tenant_id,
                    name,
                    "Made by an identity provider's token.",
                    now,
                )
                .await?;
                id
            }
        };
        groups.push(group_id);
    }
    store::set_memberships(conn, &provider.id, &user_id, &groups).await?;
    Ok(user_id)
}
