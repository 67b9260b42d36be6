//! The OIDC identity providers of `/api/v1/identity-providers`, in Qlik Cloud's shape: an
//! interactive provider made with `pendingOptions` waits until an admin has signed in through
//! it as a test and made it live (on the Identity providers page); one made with `options` and
//! `skipVerify: true` is live at once, as in Qlik. The client secret is written, never read
//! back.

use app::idps::model::{ClaimMap, OidcInput, OidcProvider};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use app::error::AppError;

/// Qlik's `claimsMapping`: each claim a list of JSON pointers tried in order.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema, Clone)]
pub struct ClaimsMapping {
    #[serde(default)]
    pub sub: Vec<String>,
    #[serde(default)]
    pub name: Vec<String>,
    #[serde(default)]
    pub email: Vec<String>,
    #[serde(default)]
    pub groups: Vec<String>,
}

/// Qlik's OIDC options.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema, Clone)]
#[serde(rename_all = "camelCase")]
pub struct OidcOptions {
    /// `<issuer>/.well-known/openid-configuration`.
    pub discovery_url: String,
    pub client_id: String,
    /// Written, never read back.
    #[serde(default, skip_serializing)]
    pub client_secret: String,
    /// Space-separated scopes.
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub claims_mapping: Option<ClaimsMapping>,
    /// Taken and ignored: Sightline's providers have no realm.
    #[serde(default)]
    pub realm: String,
}

/// The provider's options as Qlik shows them.
pub fn options_of(p: &OidcProvider) -> Value {
    serde_json::to_value(OidcOptions {
        discovery_url: app::idps::rules::oidc::discovery_url(&p.issuer),
        client_id: p.client_id.clone(),
        client_secret: String::new(),
        scope: p.scopes.join(" "),
        claims_mapping: Some(ClaimsMapping {
            sub: p.claims.subject.clone(),
            name: p.claims.name.clone(),
            email: p.claims.email.clone(),
            groups: p.claims.groups.clone(),
        }),
        realm: String::new(),
    })
    .unwrap_or(Value::Null)
}

/// What Qlik's body asks for, as Sightline's input.
pub fn input_of(
    options: Value,
    description: String,
    active: bool,
    create_users: bool,
    skip_verify: bool,
) -> Result<OidcInput, AppError> {
    let options: OidcOptions = serde_json::from_value(options).map_err(|e| {
        AppError::invalid(
            "options",
            format!("The OIDC options could not be read: {e}. Give discoveryUrl, clientId, clientSecret, scope and claimsMapping."),
        )
    })?;
    let issuer = options
        .discovery_url
        .trim()
        .trim_end_matches('/')
        .trim_end_matches("/.well-known/openid-configuration")
        .to_string();
    let defaults = ClaimMap::default();
    let mapping = options.claims_mapping.unwrap_or_default();
    let or =
        |given: Vec<String>, default: Vec<String>| if given.is_empty() { default } else { given };
    Ok(OidcInput {
        description,
        issuer,
        client_id: options.client_id,
        client_secret: options.client_secret,
        scopes: vec![options.scope],
        claims: ClaimMap {
            subject: or(mapping.sub, defaults.subject),
            email: or(mapping.email, defaults.email),
            name: or(mapping.name, defaults.name),
            groups: or(mapping.groups, defaults.groups),
        },
        create_users,
        active,
        skip_verify,
    })
}
