//! Single sign-on with OpenID Connect (the authorization code flow with PKCE): a tenant admin
//! adds a provider (pending), signs in through it as a test, sees what its claims map to, and
//! makes it live; people then sign in with it from the sign-in page. The provider is read from
//! its discovery document; the ID token is verified with its published keys (JWKS) and checked
//! by `rules::oidc`; the person is found, made and given groups as a JWT issuer's are.

use serde_json::Value;

use super::discovery::{answer, client, discover, verify_id_token};
use super::*;
use crate::idps::rules::oidc::{self as oidc_rules, CheckedOidc, IdTokenExpected, LoginNote};

/// Plain http to a provider only where the server itself is served over http (a test, a desk).
pub(super) fn plain_http(state: &AppState) -> bool {
    !state.settings.public_url.starts_with("https://")
}

fn redirect_uri(state: &AppState) -> String {
    format!(
        "{}{}",
        state.settings.public_url.trim_end_matches('/'),
        oidc_rules::CALLBACK_PATH
    )
}

fn shown_oidc(state: &AppState, row: &ProviderRow) -> OidcProvider {
    OidcProvider {
        id: row.id.clone(),
        description: row.description.clone(),
        active: row.active != 0,
        pending: row.pending != 0,
        issuer: row.issuer.clone(),
        client_id: row.client_id.clone(),
        has_secret: !row.client_secret.is_empty(),
        scopes: row.scopes.split_whitespace().map(str::to_string).collect(),
        claims: row.claims(),
        create_users: row.create_users != 0,
        tested_at: row.tested_at,
        last_test: serde_json::from_str(&row.last_test).ok(),
        redirect_uri: redirect_uri(state),
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

async fn oidc_row(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
) -> Result<ProviderRow, AppError> {
    store::get(conn, tenant_id, id)
        .await?
        .filter(ProviderRow::is_oidc)
        .ok_or_else(|| no_such(id))
}

fn apply(row: &mut ProviderRow, checked: &CheckedOidc, secret: &str) -> Result<(), AppError> {
    row.description = checked.description.clone();
    row.issuer = checked.issuer.clone();
    row.client_id = checked.client_id.clone();
    if !secret.is_empty() {
        row.client_secret = secret.to_string();
    }
    row.scopes = checked.scopes.join(" ");
    row.claims = serde_json::to_string(&checked.claims).map_err(AppError::internal)?;
    row.create_users = i64::from(checked.create_users);
    row.active = i64::from(checked.active);
    Ok(())
}

pub async fn list_oidc_providers(
    state: &AppState,
    principal: &Principal,
) -> Result<Vec<OidcProvider>, AppError> {
    require_admin(principal)?;
    let mut conn = state.db.acquire().await?;
    Ok(store::list(&mut conn, &principal.tenant_id)
        .await?
        .iter()
        .filter(|p| p.is_oidc())
        .map(|p| shown_oidc(state, p))
        .collect())
}

/// Adds a provider, pending: its description is read now, so that a wrong issuer is said at
/// once; it reaches the sign-in page when an admin has tested it and made it live.
pub async fn create_oidc_provider(
    state: &AppState,
    principal: &Principal,
    input: OidcInput,
) -> Result<OidcProvider, AppError> {
    require_admin(principal)?;
    let checked = oidc_rules::check_oidc(&input, plain_http(state))?;
    discover(&checked.issuer, plain_http(state)).await?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if store::list(&mut tx, &principal.tenant_id).await?.len() >= MAX_PROVIDERS_PER_TENANT {
        return Err(AppError::conflict(format!(
            "This tenant has {MAX_PROVIDERS_PER_TENANT} identity providers, the most it may have: delete one first."
        )));
    }
    let mut row = ProviderRow::blank(new_id(), &principal.tenant_id, store::OIDC, now);
    apply(&mut row, &checked, input.client_secret.trim())?;
    row.pending = i64::from(!input.skip_verify);
    store::insert(&mut tx, &row).await?;
    audit(
        &mut tx,
        state,
        principal,
        AuditAction::IdpCreate,
        &row,
        if input.skip_verify {
            "OpenID Connect, live without a test sign-in".into()
        } else {
            "OpenID Connect, pending".into()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(shown_oidc(state, &row))
}

/// Changes a provider. A new issuer, client or secret must be tested again before a pending
/// provider goes live; turning it off, or a new issuer, ends the sessions it opened.
pub async fn update_oidc_provider(
    state: &AppState,
    principal: &Principal,
    id: &str,
    input: OidcInput,
) -> Result<OidcProvider, AppError> {
    require_admin(principal)?;
    let checked = oidc_rules::check_oidc(&input, plain_http(state))?;
    discover(&checked.issuer, plain_http(state)).await?;
    let mut tx = state.db.begin().await?;
    let before = oidc_row(&mut tx, &principal.tenant_id, id).await?;
    let mut row = before.clone();
    apply(&mut row, &checked, input.client_secret.trim())?;
    row.updated_at = state.now();
    let changed_who = row.issuer != before.issuer
        || row.client_id != before.client_id
        || row.client_secret != before.client_secret
        || row.claims != before.claims;
    if changed_who {
        row.tested_at = None;
    }
    let live_before = before.active != 0 && before.pending == 0;
    if live_before && row.active == 0 && !password_sign_in_on(&mut tx, &row.tenant_id).await? {
        return Err(last_way_in());
    }
    store::update(&mut tx, &row).await?;
    let revoked = row.active == 0 || row.issuer != before.issuer;
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
        format!("{ended} sessions ended"),
    )
    .await?;
    tx.commit().await?;
    Ok(shown_oidc(state, &row))
}

async fn password_sign_in_on(conn: &mut AnyConnection, tenant_id: &str) -> Result<bool, AppError> {
    Ok(crate::auth::store::password_policy(conn, tenant_id)
        .await?
        .0
        != 0)
}

fn last_way_in() -> AppError {
    AppError::conflict(
        "Password sign-in is off, and this provider is how people sign in: turn password sign-in on first, or make another provider live.",
    )
}

pub async fn delete_oidc_provider(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<(), AppError> {
    require_admin(principal)?;
    let mut tx = state.db.begin().await?;
    let row = oidc_row(&mut tx, &principal.tenant_id, id).await?;
    if !password_sign_in_on(&mut tx, &row.tenant_id).await? {
        let others = store::list(&mut tx, &row.tenant_id)
            .await?
            .iter()
            .filter(|p| p.id != row.id && p.is_oidc() && p.active != 0 && p.pending == 0)
            .count();
        if others == 0 {
            return Err(last_way_in());
        }
    }
    remove(tx, state, principal, &row).await
}

/// Makes a tested provider live: it appears on the sign-in page.
pub async fn promote_oidc_provider(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<OidcProvider, AppError> {
    require_admin(principal)?;
    let mut tx = state.db.begin().await?;
    let mut row = oidc_row(&mut tx, &principal.tenant_id, id).await?;
    if row.tested_at.is_none() {
        return Err(AppError::conflict(
            "Sign in through the provider as a test first, and check the person and groups it gives: a provider goes live only once it has been seen to work.",
        ));
    }
    row.pending = 0;
    row.updated_at = state.now();
    store::update(&mut tx, &row).await?;
    audit(
        &mut tx,
        state,
        principal,
        AuditAction::IdpUpdate,
        &row,
        "made live".into(),
    )
    .await?;
    tx.commit().await?;
    Ok(shown_oidc(state, &row))
}

/// Where a sign-in through a provider starts: the address to send the browser to, and the
/// sealed note for its cookie. A pending provider is for a tenant admin's test only.
pub async fn start_oidc_sign_in(
    state: &AppState,
    request: &RequestInfo,
    principal: Option<&Principal>,
    provider_id: &str,
    next: &str,
    test: bool,
) -> Result<(String, String), AppError> {
    let now = state.now();
    let (provider, key) = {
        let mut conn = state.db.acquire().await?;
        let tenant = crate::auth::store::tenant_for_host(&mut conn, &request.host)
            .await?
            .ok_or_else(|| AppError::not_found("This server has no tenant for this address."))?;
        let provider = oidc_row(&mut conn, &tenant.id, provider_id).await?;
        let key = store::login_key(&mut conn, &new_secret(), now).await?;
        (provider, key)
    };
    if provider.active == 0 {
        return Err(AppError::forbidden(
            "This way of signing in is turned off: sign in another way, or ask a tenant admin.",
        ));
    }
    let admin_here =
        principal.is_some_and(|p| p.is_tenant_admin && p.tenant_id == provider.tenant_id);
    if (test || provider.pending != 0) && !admin_here {
        return Err(AppError::forbidden(
            "This provider is being set up: only a tenant admin signs in through it, as a test, until it is live.",
        ));
    }
    let discovery = discover(&provider.issuer, plain_http(state)).await?;
    let note = LoginNote {
        provider_id: provider.id.clone(),
        state: new_secret(),
        nonce: new_secret(),
        verifier: format!("{}{}", new_secret(), new_secret()),
        next: if crate::auth::rules::is_local_path(next) {
            next.to_string()
        } else {
            "/".into()
        },
        test: test || provider.pending != 0,
        expires_at: now + oidc_rules::LOGIN_WINDOW_MS,
    };
    let scopes: Vec<String> = provider
        .scopes
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let url = oidc_rules::authorize_url(
        &discovery.authorization,
        &provider.client_id,
        &redirect_uri(state),
        &scopes,
        &note,
        &oidc_rules::code_challenge(&note.verifier),
    );
    Ok((url, oidc_rules::seal(key.as_bytes(), &note)))
}

/// What the provider sent the browser back with.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// How a sign-in through a provider ended.
pub enum OidcOutcome {
    /// A portal session: its secret (for the cookie), and where to go.
    SignedIn { secret: String, next: String },
    /// An admin's test: what the provider gave is kept on the provider; back to its page.
    Tested,
}

/// Ends a sign-in: the note from the cookie must be this server's, unexpired, for this `state`;
/// the code is exchanged (with the PKCE verifier) for an ID token, verified with the provider's
/// keys and checked; the claims (with the userinfo answer's) name the person.
pub async fn finish_oidc_sign_in(
    state: &AppState,
    request: &RequestInfo,
    principal: Option<&Principal>,
    sealed_note: &str,
    callback: Callback,
) -> Result<OidcOutcome, AppError> {
    let now = state.now();
    let key = {
        let mut conn = state.db.acquire().await?;
        store::login_key(&mut conn, &new_secret(), now).await?
    };
    let again = "Start signing in again from the sign-in page.";
    let note = oidc_rules::open(key.as_bytes(), sealed_note, now).ok_or_else(|| {
        AppError::BadToken(format!(
            "This sign-in took longer than 10 minutes or was not started in this browser. {again}"
        ))
    })?;
    if let Some(error) = callback.error {
        return Err(AppError::BadToken(format!(
            "The identity provider did not sign you in: {}. {again}",
            callback.error_description.unwrap_or(error)
        )));
    }
    if callback.state.as_deref() != Some(note.state.as_str()) {
        return Err(AppError::BadToken(format!(
            "The provider's answer is not for this sign-in (its state differs). {again}"
        )));
    }
    let code = callback
        .code
        .filter(|c| !c.is_empty() && c.len() < 4096)
        .ok_or_else(|| AppError::BadToken(format!("The provider sent no code. {again}")))?;
    let (provider, tenant_id) = {
        let mut conn = state.db.acquire().await?;
        let tenant = crate::auth::store::tenant_for_host(&mut conn, &request.host)
            .await?
            .ok_or_else(|| AppError::not_found("This server has no tenant for this address."))?;
        (
            oidc_row(&mut conn, &tenant.id, &note.provider_id).await?,
            tenant.id,
        )
    };
    if provider.active == 0 || (provider.pending != 0 && !note.test) {
        return Err(AppError::forbidden(
            "This way of signing in is turned off: sign in another way, or ask a tenant admin.",
        ));
    }
    let discovery = discover(&provider.issuer, plain_http(state)).await?;
    let mut form = vec![
        ("grant_type", "authorization_code".to_string()),
        ("code", code),
        ("redirect_uri", redirect_uri(state)),
        ("code_verifier", note.verifier.clone()),
        ("client_id", provider.client_id.clone()),
    ];
    let mut exchange = client().post(&discovery.token);
    if provider.client_secret.is_empty() {
        // A public client proves itself with PKCE alone.
    } else {
        exchange = exchange.basic_auth(&provider.client_id, Some(&provider.client_secret));
        form.retain(|(k, _)| *k != "client_id");
    }
    let tokens = answer("token endpoint", &discovery.token, exchange.form(&form)).await?;
    let id_token = tokens
        .get("id_token")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            AppError::BadToken("The provider gave no ID token: ask for the openid scope.".into())
        })?;
    let mut claims = verify_id_token(id_token, &discovery.jwks).await?;
    oidc_rules::check_id_token(
        &claims,
        &IdTokenExpected {
            issuer: &provider.issuer,
            client_id: &provider.client_id,
            nonce: &note.nonce,
            now: now.div_euclid(1000),
            tolerance_secs: 60,
        },
    )?;
    if let (Some(endpoint), Some(access)) = (
        &discovery.userinfo,
        tokens.get("access_token").and_then(Value::as_str),
    ) {
        let info = answer(
            "userinfo endpoint",
            endpoint,
            client().get(endpoint).bearer_auth(access),
        )
        .await?;
        // The userinfo answer must be about the same person (OpenID Connect Core, §5.3.2).
        if info.get("sub") == claims.get("sub") {
            if let (Value::Object(all), Value::Object(more)) = (&mut claims, info) {
                for (name, value) in more {
                    all.entry(name).or_insert(value);
                }
            }
        }
    }
    let person_named = oidc_rules::map_person(&claims, &provider.claims())?;
    if note.test {
        return record_test(state, principal, &provider, &person_named, &claims).await;
    }
    let mut tx = state.db.begin().await?;
    let user_id = person(&mut tx, now, &tenant_id, &provider, &person_named).await?;
    let secret = new_secret();
    let session = store::NewSession {
        id_hash: &digest(&secret),
        tenant_id: &tenant_id,
        user_id: &user_id,
        provider_id: &provider.id,
        kind: "portal",
        now,
        expires_at: None,
        client_addr: &request.client_addr,
        narrowing: "",
    };
    store::insert_token_session(&mut tx, session).await?;
    let actor = Actor {
        tenant_id: &tenant_id,
        id: Some(&user_id),
        name: &person_named.name,
    };
    let target = Target {
        kind: "user",
        id: &user_id,
        name: &person_named.name,
    };
    let detail = format!(
        "through {} ({} groups)",
        provider.description,
        person_named.groups.len()
    );
    record(
        &mut tx,
        now,
        &actor,
        AuditAction::AuthSignInSso,
        target,
        detail,
    )
    .await?;
    load_principal(
        &mut tx,
        &user_id,
        Credential::Session {
            id_hash: digest(&secret),
        },
    )
    .await?
    .ok_or_else(|| {
        AppError::forbidden("This account is disabled. Ask a tenant admin to enable it.")
    })?;
    tx.commit().await?;
    Ok(OidcOutcome::SignedIn {
        secret,
        next: note.next,
    })
}

/// An admin's test sign-in: what the provider said is kept on the provider, and it may go live.
async fn record_test(
    state: &AppState,
    principal: Option<&Principal>,
    provider: &ProviderRow,
    found: &Person,
    claims: &Value,
) -> Result<OidcOutcome, AppError> {
    let admin = principal
        .filter(|p| p.is_tenant_admin && p.tenant_id == provider.tenant_id)
        .ok_or_else(|| {
            AppError::forbidden(
                "A test sign-in is a tenant admin's: sign in to Sightline as one, then test again.",
            )
        })?;
    let now = state.now();
    let test = TestSignIn {
        subject: found.subject.clone(),
        email: found.email.clone().unwrap_or_default(),
        name: found.name.clone(),
        groups: found.groups.clone(),
        claims: serde_json::to_string_pretty(claims).unwrap_or_default(),
        at: now,
    };
    let mut tx = state.db.begin().await?;
    let mut row = oidc_row(&mut tx, &provider.tenant_id, &provider.id).await?;
    row.tested_at = Some(now);
    row.last_test = serde_json::to_string(&test).map_err(AppError::internal)?;
    store::update(&mut tx, &row).await?;
    audit(
        &mut tx,
        state,
        admin,
        AuditAction::IdpUpdate,
        &row,
        format!("tested: {} signed in", test.email),
    )
    .await?;
    tx.commit().await?;
    Ok(OidcOutcome::Tested)
}
