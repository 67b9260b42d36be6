//! Signing in with a token a JWT issuer signed: the key its header names (given to the
//! provider, or published at its JWKS address), the claims checked (`rules::check_claims`), the
//! page's site and the token's narrowing of section access, the token used once, the person
//! found or made, and a session: a portal cookie's or an embed's, carried in a header.

use super::*;

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
