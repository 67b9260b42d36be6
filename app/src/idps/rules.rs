//! What a provider may be, and what a token must say: pure, table-tested (`rules/tests.rs`).
//! The signature is checked before these rules see the claims (`service`); these decide whether
//! a correctly signed token is one this tenant takes, and say exactly why not.

use serde::Deserialize;

use super::model::{KeyInput, Narrowing, ProviderInput};
use super::{DEFAULT_AUDIENCE, MAX_KEYS, MAX_TOKEN_LIFE_SECS};
use crate::error::AppError;

pub mod oidc;

/// The shortest shared secret (HS256) taken, in bytes: a token signed with a guessable secret
/// could be forged by anyone who guesses it.
pub const MIN_SECRET_BYTES: usize = 32;
/// The most clock skew a provider may allow, in seconds.
pub const MAX_CLOCK_TOLERANCE_SECS: i64 = 300;
/// The most groups one token may name; past it the token is refused rather than cut.
pub const MAX_GROUPS: usize = 100;
const MAX_TEXT: usize = 512;

/// A provider's settings, checked and trimmed; its keys' material is checked by the service,
/// which parses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub description: String,
    pub issuer: String,
    pub audience: String,
    pub keys: Vec<KeyInput>,
    pub jwks_uri: String,
    pub narrowing: Vec<Narrowing>,
    pub origins: Vec<String>,
    pub create_users: bool,
    pub clock_tolerance_secs: i64,
    pub active: bool,
}

fn text(field: &str, label: &str, value: &str, required: bool) -> Result<String, AppError> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(AppError::invalid(field, format!("Enter the {label}.")));
    }
    if value.chars().count() > MAX_TEXT || value.chars().any(char::is_control) {
        return Err(AppError::invalid(
            field,
            format!("The {label} must be at most {MAX_TEXT} characters, on one line."),
        ));
    }
    Ok(value.to_string())
}

/// Checks a provider as an admin gave it. `kept` names the key ids it already has, whose
/// material an update may leave out (a key given by id alone keeps it).
pub fn check_provider(input: &ProviderInput, kept: &[String]) -> Result<Checked, AppError> {
    let issuer = text(
        "issuer",
        "issuer (the iss its tokens carry)",
        &input.issuer,
        true,
    )?;
    let audience = match text("audience", "audience", &input.audience, false)? {
        empty if empty.is_empty() => DEFAULT_AUDIENCE.to_string(),
        audience => audience,
    };
    let jwks_uri = text(
        "jwks_uri",
        "address of its published keys",
        &input.jwks_uri,
        false,
    )?;
    if !jwks_uri.is_empty() {
        oidc::check_issuer(&jwks_uri, true).map_err(|_| {
            AppError::invalid(
                "jwks_uri",
                "The published keys' address is an https:// address, such as https://portal.example.com/.well-known/jwks.json.",
            )
        })?;
    }
    if (input.keys.is_empty() && jwks_uri.is_empty()) || input.keys.len() > MAX_KEYS {
        return Err(AppError::invalid(
            "keys",
            format!("Give 1 to {MAX_KEYS} keys to verify its tokens with (a public key (PEM) or a shared secret each), or the address where it publishes its keys (JWKS)."),
        ));
    }
    let mut keys = Vec::new();
    for key in &input.keys {
        let kid = text("keys", "key id (kid)", &key.kid, true)?;
        if keys.iter().any(|k: &KeyInput| k.kid == kid) {
            return Err(AppError::invalid(
                "keys",
                format!("Two keys have the id \"{kid}\": give each its own."),
            ));
        }
        let (pem, secret) = (key.pem.trim(), key.secret.as_str());
        match (pem.is_empty(), secret.is_empty()) {
            (false, false) => {
                return Err(AppError::invalid(
                    "keys",
                    format!("Key \"{kid}\" has both a public key and a secret: give one of the two."),
                ))
            }
            (true, true) if !kept.contains(&kid) => {
                return Err(AppError::invalid(
                    "keys",
                    format!("Key \"{kid}\" has neither a public key (PEM) nor a secret."),
                ))
            }
            (false, true) if !pem.starts_with("-----BEGIN ") => {
                return Err(AppError::invalid(
                    "keys",
                    format!("Key \"{kid}\" is not in PEM form: it starts with -----BEGIN PUBLIC KEY----- (or a certificate's -----BEGIN CERTIFICATE-----)."),
                ))
            }
            (true, false) if secret.len() < MIN_SECRET_BYTES => {
                return Err(AppError::invalid(
                    "keys",
                    format!("The secret of key \"{kid}\" is {} bytes: a shared secret (HS256) must have at least {MIN_SECRET_BYTES}, or anyone who guesses it could sign tokens. Better still, sign with a private key and give its public key.", secret.len()),
                ))
            }
            _ => {}
        }
        keys.push(KeyInput {
            kid,
            pem: pem.to_string(),
            secret: secret.to_string(),
        });
    }
    let mut origins = Vec::new();
    for origin in &input.origins {
        let origin = crate::anonymous::rules::check_origin(origin)?;
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    if !(0..=MAX_CLOCK_TOLERANCE_SECS).contains(&input.clock_tolerance_secs) {
        return Err(AppError::invalid(
            "clock_tolerance_secs",
            format!("The clock tolerance is 0 to {MAX_CLOCK_TOLERANCE_SECS} seconds."),
        ));
    }
    Ok(Checked {
        description: text("description", "description", &input.description, false)?,
        issuer,
        audience,
        keys,
        jwks_uri,
        narrowing: check_narrowing(&input.narrowing)?,
        origins,
        create_users: input.create_users,
        clock_tolerance_secs: input.clock_tolerance_secs,
        active: input.active,
    })
}

/// `aud`: one audience or several.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

/// The claims Sightline reads, as Qlik's JWT login defines them.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub iss: Option<String>,
    pub aud: Option<Audience>,
    pub sub: Option<String>,
    #[serde(rename = "subType")]
    pub sub_type: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub groups: Option<Vec<String>>,
    pub exp: Option<i64>,
    pub nbf: Option<i64>,
    pub iat: Option<i64>,
    pub jti: Option<String>,
}

/// What the provider expects of its tokens, and the time.
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub audience: &'a str,
    pub tolerance_secs: i64,
    /// Unix seconds.
    pub now: i64,
}

/// The person a good token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub subject: String,
    pub email: Option<String>,
    pub name: String,
    pub groups: Vec<String>,
    pub jti: String,
    /// Unix ms.
    pub expires_at: i64,
}

/// The most claims that may narrow section access, and values one such claim may carry.
pub const MAX_NARROWING: usize = 10;
pub const MAX_NARROWING_VALUES: usize = 1000;

fn check_narrowing(list: &[Narrowing]) -> Result<Vec<Narrowing>, AppError> {
    if list.len() > MAX_NARROWING {
        return Err(AppError::invalid(
            "narrowing",
            format!("At most {MAX_NARROWING} claims narrow section access."),
        ));
    }
    let mut checked: Vec<Narrowing> = Vec::new();
    for n in list {
        let claim = text(
            "narrowing",
            "claim that narrows section access",
            &n.claim,
            true,
        )?;
        let field = text("narrowing", "field the claim narrows", &n.field, true)?;
        if checked.iter().any(|c| c.claim == claim) {
            return Err(AppError::invalid(
                "narrowing",
                format!("The claim \"{claim}\" is named twice: name each once."),
            ));
        }
        checked.push(Narrowing { claim, field });
    }
    Ok(checked)
}

/// What a token's claims narrow section access to: for each claim the provider names that the
/// token carries, its values of the field (sorted); a claim it does not carry narrows nothing.
/// A claim that is neither a string nor a list of strings is refused, never ignored.
pub fn narrowing_of(
    claims: &serde_json::Value,
    narrowing: &[Narrowing],
) -> Result<Vec<(String, Vec<String>)>, AppError> {
    let mut fields: Vec<(String, Vec<String>)> = Vec::new();
    for n in narrowing {
        let values: Vec<String> = match claims.get(&n.claim) {
            None | Some(serde_json::Value::Null) => continue,
            Some(serde_json::Value::String(one)) => vec![one.clone()],
            Some(serde_json::Value::Array(items)) if items.iter().all(|v| v.is_string()) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Some(_) => {
                return Err(refused(format!(
                "The token's claim \"{}\" narrows {}: it must be a string or a list of strings.",
                n.claim, n.field
            )))
            }
        };
        if values.len() > MAX_NARROWING_VALUES {
            return Err(refused(format!(
                "The token's claim \"{}\" names {} values: at most {MAX_NARROWING_VALUES} are taken.",
                n.claim,
                values.len()
            )));
        }
        match fields
            .iter_mut()
            .find(|(f, _)| f.eq_ignore_ascii_case(&n.field))
        {
            // Two claims on one field: both narrow it.
            Some((_, mine)) => mine.retain(|v| values.contains(v)),
            None => fields.push((n.field.clone(), values)),
        }
    }
    for (_, values) in &mut fields {
        values.sort();
        values.dedup();
    }
    fields.sort_by_key(|f| f.0.to_lowercase());
    Ok(fields)
}

/// Whether an embed on `host` (the origin of the page that gave the frame its token, as the
/// browser tells the frame) may sign in with a provider that names `origins`: any site when it
/// names none (the tenant's allowed origins still decide who may frame the embed).
pub fn check_host_origin(origins: &[String], host: Option<&str>) -> Result<(), AppError> {
    if origins.is_empty() {
        return Ok(());
    }
    match host.map(|h| h.trim().trim_end_matches('/')) {
        Some(host) if origins.iter().any(|o| o.eq_ignore_ascii_case(host)) => Ok(()),
        Some(host) => Err(refused(format!(
            "The page on {host} is not a site this identity provider lets embed ({}): a tenant admin adds it to the provider's sites.",
            origins.join(", ")
        ))),
        None => Err(refused(
            "The embed did not say which site's page gave the token, and this identity provider embeds only on its own sites: use Sightline's embed.js.",
        )),
    }
}

/// Who a provider says a person is: the token's or the ID token's claims, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub subject: String,
    pub email: Option<String>,
    pub name: String,
    pub groups: Vec<String>,
}

impl Identity {
    pub fn person(&self) -> Person {
        Person {
            subject: self.subject.clone(),
            email: self.email.clone(),
            name: self.name.clone(),
            groups: self.groups.clone(),
        }
    }
}

fn refused(why: impl Into<String>) -> AppError {
    AppError::BadToken(why.into())
}

/// Whether a correctly signed token is one to take: its issuer and audience, a life of at most
/// an hour that includes now, a unique id, and who it names.
pub fn check_claims(claims: Claims, expected: &Expected) -> Result<Identity, AppError> {
    if claims.iss.as_deref() != Some(expected.issuer) {
        return Err(refused(format!(
            "The token's issuer (iss) is {}, not this provider's \"{}\".",
            claims
                .iss
                .map(|i| format!("\"{i}\""))
                .unwrap_or_else(|| "missing".into()),
            expected.issuer
        )));
    }
    let audiences = match claims.aud {
        Some(Audience::One(one)) => vec![one],
        Some(Audience::Many(many)) => many,
        None => Vec::new(),
    };
    if !audiences.iter().any(|a| a == expected.audience) {
        return Err(refused(format!(
            "The token's audience (aud) must be \"{}\"; it is {}.",
            expected.audience,
            if audiences.is_empty() {
                "missing".to_string()
            } else {
                format!("{audiences:?}")
            }
        )));
    }
    let now = expected.now;
    let tolerance = expected.tolerance_secs;
    let exp = claims.exp.ok_or_else(|| {
        refused("The token has no expiry (exp): a token must end within an hour.")
    })?;
    let start = claims
        .nbf
        .or(claims.iat)
        .ok_or_else(|| refused("The token has neither nbf nor iat: its life cannot be told."))?;
    if exp - start > MAX_TOKEN_LIFE_SECS {
        return Err(refused(format!(
            "The token lives {} seconds (exp - nbf): at most {MAX_TOKEN_LIFE_SECS} are taken. Sign a shorter one and refresh it.",
            exp - start
        )));
    }
    if exp <= now - tolerance {
        return Err(refused(format!(
            "The token expired {} seconds ago: the host signs a new one.",
            now - exp
        )));
    }
    if claims.nbf.is_some_and(|nbf| nbf > now + tolerance) {
        return Err(refused(
            "The token is not valid yet (nbf is in the future): check the host's clock.",
        ));
    }
    let jti = claims.jti.unwrap_or_default();
    if jti.trim().is_empty() || jti.len() > MAX_TEXT {
        return Err(refused(
            "The token has no unique id (jti): each token is used once, so each needs its own.",
        ));
    }
    let subject = claims.sub.unwrap_or_default();
    if subject.trim().is_empty() || subject.len() > MAX_TEXT {
        return Err(refused("The token names nobody (sub is missing)."));
    }
    if let Some(kind) = claims.sub_type.as_deref() {
        if kind != "user" {
            return Err(refused(format!(
                "The token's subType is \"{kind}\": only \"user\" signs a person in."
            )));
        }
    }
    let email = match claims.email.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(email) => Some(
            crate::directory::rules::clean_email(email)
                .map_err(|e| refused(format!("The token's email: {e}")))?,
        ),
    };
    let groups = claims.groups.unwrap_or_default();
    if groups.len() > MAX_GROUPS {
        return Err(refused(format!(
            "The token names {} groups: at most {MAX_GROUPS} are taken.",
            groups.len()
        )));
    }
    let mut names: Vec<String> = Vec::new();
    for group in groups {
        let group = group.trim().to_string();
        if group.is_empty() || group.chars().count() > 128 || group.chars().any(char::is_control) {
            return Err(refused(
                "A group the token names is empty or longer than 128 characters.",
            ));
        }
        if !names.iter().any(|n| n.eq_ignore_ascii_case(&group)) {
            names.push(group);
        }
    }
    let name = claims
        .name
        .map(|n| n.trim().chars().take(200).collect::<String>())
        .filter(|n| !n.is_empty())
        .or_else(|| email.clone())
        .unwrap_or_else(|| subject.clone());
    Ok(Identity {
        subject,
        email,
        name,
        groups: names,
        jti,
        expires_at: exp.saturating_mul(1000),
    })
}

#[cfg(test)]
mod tests;
