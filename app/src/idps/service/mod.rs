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

use crate::audit::model::AuditAction;
use crate::audit::service::{record, Actor, Target};
use crate::auth::principal::{load_principal, Credential, Principal, RequestInfo};
use crate::directory::rules::{unique_key, UserStatus};
use crate::error::AppError;
use crate::ids::{digest, new_id, new_secret};
use crate::state::AppState;
pub use oidc::*;
pub use passwords::*;

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

/// What a token is exchanged for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// A portal session (a cookie), for a host on the same site.
    Portal,
    /// An embed's session, carried in a header, ending with the token. `renew`: the session a
    /// new token extends (the same person's), so that the viewer keeps their selections;
    /// `host`: the origin of the page that gave the token, as the browser told the frame.
    Embed {
        renew: Option<String>,
        host: Option<String>,
    },
}

/// A session to write, owned (`store::NewSession` borrows it).
struct NewSession {
    id_hash: String,
    tenant_id: String,
    user_id: String,
    provider_id: String,
    kind: &'static str,
    now: i64,
    expires_at: Option<i64>,
    client_addr: String,
    narrowing: String,
}

impl NewSession {
    fn as_row(&self) -> store::NewSession<'_> {
        store::NewSession {
            id_hash: &self.id_hash,
            tenant_id: &self.tenant_id,
            user_id: &self.user_id,
            provider_id: &self.provider_id,
            kind: self.kind,
            now: self.now,
            expires_at: self.expires_at,
            client_addr: &self.client_addr,
            narrowing: &self.narrowing,
        }
    }
}

/// A signed-in person and their session: its secret, and when it ends (Unix ms; none: as
/// portal sessions do).
pub struct TokenSession {
    pub principal: Principal,
    pub secret: String,
    pub expires_at: Option<i64>,
}

/// The provider whose key verifies the token, and the token's claims: a key given to a
/// provider, else one the provider the token names as its issuer publishes.
async fn verify(
    token: &str,
    providers: &[ProviderRow],
) -> Result<(ProviderRow, Claims, serde_json::Value), AppError> {
    let header = jsonwebtoken::decode_header(token).map_err(|e| {
        AppError::BadToken(format!(
            "This is not a signed token (JWT) that can be read: {e}."
        ))
    })?;
    for provider in providers {
        let keys = provider.keys();
        let key = match &header.kid {
            Some(kid) => keys.iter().find(|k| &k.kid == kid),
            None if keys.len() == 1 && provider.jwks_uri.is_empty() => keys.first(),
            None => None,
        };
        let Some(key) = key else { continue };
        let (decoding, algorithm) = decoding_key(key)?;
        let (claims, raw) = decode_with(token, &header, &decoding, algorithm, &key.kid)?;
        return Ok((provider.clone(), claims, raw));
    }
    let issuer = unverified_issuer(token);
    if let Some(provider) = providers
        .iter()
        .find(|p| !p.jwks_uri.is_empty() && Some(&p.issuer) == issuer.as_ref())
    {
        let jwk = discovery::published_key(&provider.jwks_uri, header.kid.as_deref()).await?;
        let algorithm = match &jwk.algorithm {
            jsonwebtoken::jwk::AlgorithmParameters::RSA(_) => Algorithm::RS256,
            jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_) => Algorithm::ES256,
            _ => {
                return Err(AppError::BadToken(
                    "The published key is neither RSA nor P-256: Sightline takes RS256 and ES256 tokens.".into(),
                ))
            }
        };
        let decoding = DecodingKey::from_jwk(&jwk)
            .map_err(|e| AppError::BadToken(format!("The published key cannot be used: {e}.")))?;
        let kid = header.kid.clone().unwrap_or_default();
        let (claims, raw) = decode_with(token, &header, &decoding, algorithm, &kid)?;
        return Ok((provider.clone(), claims, raw));
    }
    Err(AppError::BadToken(match header.kid {
        Some(kid) => format!("No identity provider of this tenant has a key \"{kid}\": a tenant admin registers the issuer and its public key first."),
        None => "The token names no key (kid), and no identity provider of this tenant has exactly one key to try.".into(),
    }))
}

/// The `iss` a token says, unverified: only to choose whose published keys to verify it with.
fn unverified_issuer(token: &str) -> Option<String> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("iss")?.as_str().map(str::to_string)
}

/// The token's claims, once its signature verifies with `key` under `algorithm`.
fn decode_with(
    token: &str,
    header: &jsonwebtoken::Header,
    key: &DecodingKey,
    algorithm: Algorithm,
    kid: &str,
) -> Result<(Claims, serde_json::Value), AppError> {
    if header.alg != algorithm {
        return Err(AppError::BadToken(format!(
            "The token is signed with {:?}, and its key \"{kid}\" verifies {:?}: sign with the key's algorithm.",
            header.alg, algorithm
        )));
    }
    let mut validation = Validation::new(algorithm);
    // The claims are checked by `rules::check_claims`, with reasons a host can act on.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let raw = jsonwebtoken::decode::<serde_json::Value>(token, key, &validation)
        .map(|data| data.claims)
        .map_err(|e| {
            AppError::BadToken(match e.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidSignature => format!(
                    "The token's signature does not match key \"{kid}\" of the provider: it was not signed by its private key."
                ),
                _ => format!("The token could not be read: {e}."),
            })
        })?;
    let claims: Claims = serde_json::from_value(raw.clone())
        .map_err(|e| AppError::BadToken(format!("The token's claims cannot be read: {e}.")))?;
    Ok((claims, raw))
}

/// Signs in with a token an identity provider of the request's tenant signed.
pub async fn sign_in_with_token(
    state: &AppState,
    request: &RequestInfo,
    token: &str,
    purpose: Purpose,
) -> Result<TokenSession, AppError> {
    let token = token.trim();
    if token.is_empty() || token.len() > MAX_TOKEN_BYTES {
        return Err(AppError::BadToken(format!(
            "Send a signed token (JWT) of at most {MAX_TOKEN_BYTES} bytes in the Authorization header: Bearer <token>."
        )));
    }
    let now = state.now();
    let (tenant, providers) = {
        let mut conn = state.db.acquire().await?;
        let tenant = crate::auth::store::tenant_for_host(&mut conn, &request.host)
            .await?
            .ok_or_else(|| AppError::not_found("This server has no tenant for this address."))?;
        let providers: Vec<ProviderRow> = store::list(&mut conn, &tenant.id)
            .await?
            .into_iter()
            .filter(|p| p.active != 0 && !p.is_oidc())
            .collect();
        (tenant, providers)
    };
    let (provider, claims, raw) = verify(token, &providers).await?;
    let identity = rules::check_claims(
        claims,
        &Expected {
            issuer: &provider.issuer,
            audience: &provider.audience,
            tolerance_secs: provider.clock_tolerance_secs,
            now: now.div_euclid(1000),
        },
    )?;
    if let Purpose::Embed { host, .. } = &purpose {
        rules::check_host_origin(&provider.origins(), host.as_deref())?;
    }
    let narrowing = rules::narrowing_of(&raw, &provider.narrowing())?;
    let narrowed = if narrowing.is_empty() {
        String::new()
    } else {
        serde_json::to_string(&narrowing).map_err(AppError::internal)?
    };
    let mut tx = state.db.begin().await?;
    if !store::use_token(&mut tx, &provider.id, &identity.jti, identity.expires_at).await? {
        return Err(AppError::BadToken(format!(
            "This token (jti \"{}\") was used already: a token signs in once. The host signs a new one, with a new jti, for every sign-in.",
            identity.jti
        )));
    }
    let user_id = person(&mut tx, now, &tenant.id, &provider, &identity.person()).await?;
    let (kind, expires_at) = match purpose {
        Purpose::Portal => ("portal", None),
        Purpose::Embed { .. } => ("embed", Some(identity.expires_at)),
    };
    let session = |id_hash: String| NewSession {
        id_hash,
        tenant_id: tenant.id.clone(),
        user_id: user_id.clone(),
        provider_id: provider.id.clone(),
        kind,
        now,
        expires_at,
        client_addr: request.client_addr.clone(),
        narrowing: narrowed.clone(),
    };
    let renewed = match &purpose {
        Purpose::Embed {
            renew: Some(old), ..
        } => store::renew_embed_session(&mut tx, session(digest(old)).as_row())
            .await?
            .then(|| old.clone()),
        _ => None,
    };
    let secret = match renewed {
        Some(secret) => secret,
        None => {
            let secret = match kind {
                "embed" => format!("{EMBED_TOKEN_PREFIX}{}", new_secret()),
                _ => new_secret(),
            };
            store::insert_token_session(&mut tx, session(digest(&secret)).as_row()).await?;
            secret
        }
    };
    let id_hash = digest(&secret);
    record(
        &mut tx,
        now,
        &Actor {
            tenant_id: &tenant.id,
            id: Some(&user_id),
            name: &identity.name,
        },
        AuditAction::AuthSignInToken,
        Target {
            kind: "user",
            id: &user_id,
            name: &identity.name,
        },
        format!(
            "{kind} session, token of {} ({} groups)",
            provider.issuer,
            identity.groups.len()
        ),
    )
    .await?;
    let principal = load_principal(&mut tx, &user_id, Credential::Session { id_hash })
        .await?
        .map(|p| Principal { narrowing, ..p })
        .ok_or_else(|| {
            AppError::forbidden("This account is disabled. Ask a tenant admin to enable it.")
        })?;
    tx.commit().await?;
    Ok(TokenSession {
        principal,
        secret,
        expires_at,
    })
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
