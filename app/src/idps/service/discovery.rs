//! Talking to an OpenID provider: its discovery document, its JSON answers (bounded in size and
//! time, redirects never followed), and its published keys, which verify an ID token.

use std::time::Duration;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use crate::error::AppError;
use crate::idps::rules::oidc as oidc_rules;

/// The most bytes read from a provider's answer.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;
/// How long a provider has to answer one request.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

pub(super) fn client() -> &'static reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(PROVIDER_TIMEOUT)
            .connect_timeout(PROVIDER_TIMEOUT)
            // A provider's endpoints are named in its description: nothing is followed blindly.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Sightline")
            .build()
            .expect("an HTTP client with rustls and the machine's roots")
    })
}

fn unreachable(what: &str, url: &str, why: impl std::fmt::Display) -> AppError {
    AppError::Unavailable {
        message: format!("The identity provider's {what} ({url}) could not be read: {why}. Check the issuer's address, and that this server can reach it."),
        retry_after_secs: 30,
    }
}

/// A provider's JSON answer, at most `MAX_ANSWER_BYTES`.
pub(super) async fn answer(
    what: &str,
    url: &str,
    request: reqwest::RequestBuilder,
) -> Result<Value, AppError> {
    let mut response = request
        .send()
        .await
        .map_err(|e| unreachable(what, url, e))?;
    let status = response.status();
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| unreachable(what, url, e))?
    {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(unreachable(what, url, "the answer is larger than 1 MB"));
        }
        body.extend_from_slice(&chunk);
    }
    let json: Value = serde_json::from_slice(&body)
        .map_err(|_| unreachable(what, url, format!("the answer ({status}) is not JSON")))?;
    if !status.is_success() {
        let said = json
            .get("error_description")
            .or_else(|| json.get("error"))
            .and_then(Value::as_str)
            .unwrap_or("no reason given");
        return Err(AppError::BadToken(format!(
            "The identity provider refused ({status}) at its {what}: {said}."
        )));
    }
    Ok(json)
}

/// The endpoints a provider's discovery document names.
pub(super) struct Discovery {
    pub(super) authorization: String,
    pub(super) token: String,
    pub(super) jwks: String,
    pub(super) userinfo: Option<String>,
}

pub(super) async fn discover(issuer: &str, plain_http: bool) -> Result<Discovery, AppError> {
    let url = oidc_rules::discovery_url(issuer);
    let doc = answer("description", &url, client().get(&url)).await?;
    let said = doc.get("issuer").and_then(Value::as_str).unwrap_or("");
    if said != issuer {
        return Err(AppError::invalid(
            "issuer",
            format!("The provider calls itself \"{said}\", not \"{issuer}\": set the issuer to exactly what its description says."),
        ));
    }
    let endpoint = |name: &str| -> Result<String, AppError> {
        let value = doc.get(name).and_then(Value::as_str).unwrap_or("");
        oidc_rules::check_issuer(value, plain_http).map_err(|_| {
            AppError::invalid(
                "issuer",
                format!("The provider's description gives no usable {name} (\"{value}\")."),
            )
        })?;
        Ok(value.to_string())
    };
    Ok(Discovery {
        authorization: endpoint("authorization_endpoint")?,
        token: endpoint("token_endpoint")?,
        jwks: endpoint("jwks_uri")?,
        userinfo: endpoint("userinfo_endpoint").ok(),
    })
}

/// The ID token's claims, once its signature is verified with one of the provider's keys.
pub(super) async fn verify_id_token(id_token: &str, jwks_uri: &str) -> Result<Value, AppError> {
    let header = jsonwebtoken::decode_header(id_token)
        .map_err(|e| AppError::BadToken(format!("The provider's ID token cannot be read: {e}.")))?;
    // The provider's keys as a JWT issuer's published keys are kept: read once, read again
    // when a token names a key not held (a rotation), not fetched at every sign-in.
    let jwk = published_key(jwks_uri, header.kid.as_deref()).await?;
    if !matches!(
        header.alg,
        Algorithm::RS256
            | Algorithm::ES256
            | Algorithm::PS256
            | Algorithm::EdDSA
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::ES384
    ) {
        return Err(AppError::BadToken(format!("The ID token is signed with {:?}: Sightline takes tokens signed with a published key (RS256, ES256, PS256, EdDSA).", header.alg)));
    }
    let key = DecodingKey::from_jwk(&jwk)
        .map_err(|e| AppError::BadToken(format!("The provider's key cannot be used: {e}.")))?;
    let mut validation = Validation::new(header.alg);
    // `rules::oidc::check_id_token` checks the claims, with reasons.
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<Value>(id_token, &key, &validation)
        .map(|data| data.claims)
        .map_err(|e| {
            AppError::BadToken(format!(
                "The ID token's signature does not verify with the provider's keys: {e}."
            ))
        })
}

/// A JWT issuer's published keys, kept for five minutes; read again sooner (at most every 30
/// seconds) when a token names a key not among them, so that a rotated key is found at once.
struct Published {
    read_at: std::time::Instant,
    keys: JwkSet,
}

fn published() -> &'static std::sync::Mutex<std::collections::HashMap<String, Published>> {
    static KEPT: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<String, Published>>,
    > = std::sync::OnceLock::new();
    KEPT.get_or_init(Default::default)
}

/// The key `kid` names among those published at `uri` (the only one, when the token names
/// none).
pub(super) async fn published_key(
    uri: &str,
    kid: Option<&str>,
) -> Result<jsonwebtoken::jwk::Jwk, AppError> {
    let find = |keys: &JwkSet| match kid {
        Some(kid) => keys.find(kid).cloned(),
        None if keys.keys.len() == 1 => keys.keys.first().cloned(),
        None => None,
    };
    let fresh = {
        let kept = published().lock().unwrap_or_else(|e| e.into_inner());
        match kept.get(uri) {
            Some(p) => {
                let age = p.read_at.elapsed();
                if let Some(key) = find(&p.keys).filter(|_| age < Duration::from_secs(300)) {
                    return Ok(key);
                }
                age >= Duration::from_secs(30)
            }
            None => true,
        }
    };
    if fresh {
        let keys: JwkSet =
            serde_json::from_value(answer("published keys", uri, client().get(uri)).await?)
                .map_err(|e| {
                    AppError::BadToken(format!("The keys published at {uri} cannot be read: {e}."))
                })?;
        let found = find(&keys);
        let mut kept = published().lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() > 1000 {
            kept.clear();
        }
        kept.insert(
            uri.to_string(),
            Published {
                read_at: std::time::Instant::now(),
                keys,
            },
        );
        if let Some(key) = found {
            return Ok(key);
        }
    }
    Err(AppError::BadToken(match kid {
        Some(kid) => format!("The identity provider publishes no key \"{kid}\" at {uri}: the host signs with a key it publishes."),
        None => format!("The token names no key (kid), and {uri} publishes more than one."),
    }))
}
