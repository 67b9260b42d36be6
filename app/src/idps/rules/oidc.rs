//! OpenID Connect, pure: what a provider's settings may be, what an ID token must say (OpenID
//! Connect Core 1.0, §3.1.3.7), who its claims name through the tenant's claim mapping, and the
//! signed note a browser carries from the sign-in's start to its end (state, nonce, PKCE).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{text, Person, MAX_GROUPS};
use crate::error::AppError;
use crate::idps::model::{ClaimMap, OidcInput};

/// The most scopes a provider may ask for.
pub const MAX_SCOPES: usize = 20;
/// The most JSON pointers one claim's list may try.
pub const MAX_POINTERS: usize = 5;
/// How long a sign-in may take between leaving for the provider and coming back.
pub const LOGIN_WINDOW_MS: i64 = 10 * 60 * 1000;
/// Where the provider sends the browser back, under the server's public address.
pub const CALLBACK_PATH: &str = "/login/oidc/callback";
/// The cookie that carries a sign-in's note from its start to its callback.
pub const LOGIN_COOKIE: &str = "sightline_oidc";

/// An OpenID Connect provider's settings, checked and trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedOidc {
    pub description: String,
    pub issuer: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub claims: ClaimMap,
    pub create_users: bool,
    pub active: bool,
}

fn invalid(field: &str, why: impl Into<String>) -> AppError {
    AppError::invalid(field, why.into())
}

/// Whether `issuer` is an address to fetch the provider's description from: https, or plain
/// http where the server itself is served over http (a test or a desk, never production).
pub fn check_issuer(issuer: &str, plain_http: bool) -> Result<(), AppError> {
    let rest = match (issuer.strip_prefix("https://"), issuer.strip_prefix("http://")) {
        (Some(rest), _) => rest,
        (None, Some(rest)) if plain_http => rest,
        (None, Some(_)) => {
            return Err(invalid(
                "issuer",
                "The issuer must be an https:// address: the provider's keys and tokens travel through it.",
            ))
        }
        _ => {
            return Err(invalid(
                "issuer",
                "The issuer is the provider's address, such as https://login.example.com/realms/staff: its description is at <issuer>/.well-known/openid-configuration.",
            ))
        }
    };
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() || rest.contains(['?', '#', ' ', '@']) {
        return Err(invalid(
            "issuer",
            "The issuer is an address with a host and a path, without a query, a fragment or a user name.",
        ));
    }
    Ok(())
}

/// Where a provider describes itself (OpenID Connect Discovery 1.0, §4).
pub fn discovery_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}

fn pointers(
    field: &str,
    label: &str,
    list: &[String],
    required: bool,
) -> Result<Vec<String>, AppError> {
    let list: Vec<String> = list
        .iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    if required && list.is_empty() {
        return Err(invalid(
            field,
            format!(
                "Name at least one claim that gives the {label}, as a JSON pointer such as /email."
            ),
        ));
    }
    if list.len() > MAX_POINTERS {
        return Err(invalid(
            field,
            format!("At most {MAX_POINTERS} claims are tried for the {label}."),
        ));
    }
    if let Some(bad) = list
        .iter()
        .find(|p| !p.starts_with('/') || p.chars().count() > 200)
    {
        return Err(invalid(
            field,
            format!("\"{bad}\" is not a JSON pointer: write /claim, or /claim/inner for a claim inside another."),
        ));
    }
    Ok(list)
}

/// Checks an OpenID Connect provider as an admin gave it. `plain_http`: whether the server may
/// reach its provider over plain http (it is itself served over http).
pub fn check_oidc(input: &OidcInput, plain_http: bool) -> Result<CheckedOidc, AppError> {
    let description = text(
        "description",
        "name people see on the sign-in page",
        &input.description,
        true,
    )?;
    let issuer = text("issuer", "issuer", &input.issuer, true)?;
    check_issuer(&issuer, plain_http)?;
    let client_id = text(
        "client_id",
        "client id the provider gave Sightline",
        &input.client_id,
        true,
    )?;
    let mut scopes: Vec<String> = Vec::new();
    for scope in input.scopes.iter().flat_map(|s| s.split_whitespace()) {
        if !scope
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\')
        {
            return Err(invalid(
                "scopes",
                format!(
                    "\"{scope}\" is not a scope: scopes are words such as openid, email, groups."
                ),
            ));
        }
        if !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_string());
        }
    }
    if !scopes.iter().any(|s| s == "openid") {
        scopes.insert(0, "openid".into());
    }
    if scopes.len() > MAX_SCOPES {
        return Err(invalid(
            "scopes",
            format!("At most {MAX_SCOPES} scopes are asked for."),
        ));
    }
    let claims = ClaimMap {
        subject: pointers(
            "claims",
            "subject (who the person is)",
            &input.claims.subject,
            true,
        )?,
        email: pointers("claims", "email", &input.claims.email, true)?,
        name: pointers("claims", "name", &input.claims.name, false)?,
        groups: pointers("claims", "groups", &input.claims.groups, false)?,
    };
    Ok(CheckedOidc {
        description,
        issuer,
        client_id,
        scopes,
        claims,
        create_users: input.create_users,
        active: input.active,
    })
}

/// What an ID token must say for this sign-in.
pub struct IdTokenExpected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    /// Unix seconds.
    pub now: i64,
    pub tolerance_secs: i64,
}

fn refused(why: impl Into<String>) -> AppError {
    AppError::BadToken(why.into())
}

/// Checks a correctly signed ID token's claims: its issuer, that it was issued to Sightline
/// (`aud`, and `azp` when there are several audiences), that it has not expired, and that it
/// answers this sign-in (`nonce`), so that a token taken from another sign-in is no use.
pub fn check_id_token(claims: &Value, expected: &IdTokenExpected) -> Result<(), AppError> {
    let issuer = claims.get("iss").and_then(Value::as_str);
    if issuer != Some(expected.issuer) {
        return Err(refused(format!(
            "The ID token's issuer is {}, not the provider's \"{}\": check the issuer the provider is set up with.",
            issuer.map(|i| format!("\"{i}\"")).unwrap_or_else(|| "missing".into()),
            expected.issuer
        )));
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&expected.client_id) {
        return Err(refused(format!(
            "The ID token was issued to {audiences:?}, not to this client (\"{}\"): check the client id.",
            expected.client_id
        )));
    }
    if audiences.len() > 1 && claims.get("azp").and_then(Value::as_str) != Some(expected.client_id)
    {
        return Err(refused(
            "The ID token names several audiences and is not authorized for this client (azp).",
        ));
    }
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or_else(|| refused("The ID token has no expiry (exp)."))?;
    if exp <= expected.now - expected.tolerance_secs {
        return Err(refused(
            "The ID token has expired: sign in again, and check this server's clock.",
        ));
    }
    if claims
        .get("iat")
        .and_then(Value::as_i64)
        .is_some_and(|iat| iat > expected.now + expected.tolerance_secs + 60)
    {
        return Err(refused(
            "The ID token was issued in the future: check the clocks of this server and the provider.",
        ));
    }
    if claims.get("nonce").and_then(Value::as_str) != Some(expected.nonce) {
        return Err(refused(
            "The ID token does not answer this sign-in (its nonce differs): start signing in again.",
        ));
    }
    Ok(())
}

/// The first of `list`'s pointers present in `claims` (not null, not an empty string).
fn first<'a>(claims: &'a Value, list: &[String]) -> Option<&'a Value> {
    list.iter()
        .filter_map(|p| claims.pointer(p))
        .find(|v| !v.is_null() && v.as_str() != Some(""))
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads the person from the claims (the ID token's, with the userinfo answer's added).
pub fn map_person(claims: &Value, map: &ClaimMap) -> Result<Person, AppError> {
    let subject = first(claims, &map.subject)
        .and_then(scalar)
        .filter(|s| !s.is_empty() && s.len() <= 512)
        .ok_or_else(|| {
            refused(format!(
                "None of the claims {:?} gives who the person is: change the subject's claims in the provider's mapping.",
                map.subject
            ))
        })?;
    let email = match first(claims, &map.email).and_then(scalar) {
        None => None,
        Some(email) => Some(
            crate::directory::rules::clean_email(&email)
                .map_err(|e| refused(format!("The email the provider gives: {e}")))?,
        ),
    };
    let groups: Vec<String> = match first(claims, &map.groups) {
        None => Vec::new(),
        Some(Value::Array(items)) => items.iter().filter_map(scalar).collect(),
        Some(one) => scalar(one).into_iter().collect(),
    };
    if groups.len() > MAX_GROUPS {
        return Err(refused(format!(
            "The provider names {} groups for this person: at most {MAX_GROUPS} are taken.",
            groups.len()
        )));
    }
    let mut names: Vec<String> = Vec::new();
    for group in groups {
        if group.is_empty() || group.chars().count() > 128 || group.chars().any(char::is_control) {
            return Err(refused(
                "A group the provider names is empty or longer than 128 characters.",
            ));
        }
        if !names.iter().any(|n| n.eq_ignore_ascii_case(&group)) {
            names.push(group);
        }
    }
    let name = first(claims, &map.name)
        .and_then(scalar)
        .map(|n| n.chars().take(200).collect::<String>())
        .filter(|n| !n.is_empty())
        .or_else(|| email.clone())
        .unwrap_or_else(|| subject.clone());
    Ok(Person {
        subject,
        email,
        name,
        groups: names,
    })
}

/// What the browser carries from a sign-in's start to its callback, signed by the server: which
/// provider, the `state` and `nonce` the provider must give back, the PKCE verifier, where to go
/// after, and whether it is an admin's test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginNote {
    pub provider_id: String,
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    pub next: String,
    pub test: bool,
    /// Unix ms.
    pub expires_at: i64,
}

#[cfg(feature = "ssr")]
mod notes {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};

    use super::LoginNote;

    fn mac(key: &[u8], payload: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
        mac.update(payload.as_bytes());
        mac
    }

    /// The note as the cookie carries it: its JSON (base64url), a dot, its HMAC.
    pub fn seal(key: &[u8], note: &LoginNote) -> String {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(note).unwrap_or_default());
        let tag = URL_SAFE_NO_PAD.encode(mac(key, &payload).finalize().into_bytes());
        format!("{payload}.{tag}")
    }

    /// The note this server sealed, if it is one and has not expired.
    pub fn open(key: &[u8], sealed: &str, now: i64) -> Option<LoginNote> {
        let (payload, tag) = sealed.split_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        mac(key, payload).verify_slice(&tag).ok()?;
        let note: LoginNote =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        (note.expires_at > now).then_some(note)
    }

    /// PKCE's S256 challenge for a verifier (RFC 7636, §4.2).
    pub fn code_challenge(verifier: &str) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
    }
}

#[cfg(feature = "ssr")]
pub use notes::{code_challenge, open, seal};

/// The address that sends the browser to the provider (OpenID Connect Core, §3.1.2.1).
pub fn authorize_url(
    endpoint: &str,
    client_id: &str,
    redirect_uri: &str,
    scopes: &[String],
    note: &LoginNote,
    challenge: &str,
) -> String {
    use crate::url::percent_encode as enc;
    let joiner = if endpoint.contains('?') { '&' } else { '?' };
    format!(
        "{endpoint}{joiner}response_type=code&client_id={}&redirect_uri={}&scope={}&state={}&nonce={}&code_challenge={}&code_challenge_method=S256",
        enc(client_id),
        enc(redirect_uri),
        enc(&scopes.join(" ")),
        enc(&note.state),
        enc(&note.nonce),
        enc(challenge),
    )
}

#[cfg(test)]
mod tests;
