//! Identity providers as the admin center and the REST API see them. Secrets are written,
//! never read back: a key shows its id and algorithm only.

use serde::{Deserialize, Serialize};

/// How a provider's tokens are signed: an RSA or P-256 public key (PEM), or a shared secret of
/// at least 32 bytes (HS256).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyKind {
    Rs256,
    Es256,
    Hs256,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Rs256 => "RS256",
            KeyKind::Es256 => "ES256",
            KeyKind::Hs256 => "HS256",
        }
    }

    pub fn parse(text: &str) -> Option<KeyKind> {
        [KeyKind::Rs256, KeyKind::Es256, KeyKind::Hs256]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// A verifying key as shown: its id and algorithm (and, for a public key, the key itself,
/// which is no secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInfo {
    pub kid: String,
    pub kind: KeyKind,
    /// The public key (PEM); empty for a shared secret.
    pub pem: String,
}

/// A verifying key as given: a public key (PEM) or a shared secret, one of the two.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInput {
    pub kid: String,
    #[serde(default)]
    pub pem: String,
    #[serde(default)]
    pub secret: String,
}

/// A claim of an issuer's tokens that narrows its users' section access: the token's values of
/// `claim` (a string, or a list of strings) are the only values of `field` they see, within
/// what their own section access allows (never more).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Narrowing {
    pub claim: String,
    pub field: String,
}

/// A JWT issuer of the tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityProvider {
    pub id: String,
    pub tenant_id: String,
    pub description: String,
    pub active: bool,
    /// The `iss` its tokens carry.
    pub issuer: String,
    /// The `aud` its tokens must name.
    pub audience: String,
    pub keys: Vec<KeyInfo>,
    /// Where it publishes its keys (JWKS), read when a token names a key not given here.
    pub jwks_uri: String,
    /// Claims that narrow its users' section access.
    pub narrowing: Vec<Narrowing>,
    /// The sites whose pages may embed for its users (`https://host[:port]`).
    pub origins: Vec<String>,
    /// A token for someone with no account makes one (else it is refused).
    pub create_users: bool,
    /// Clock skew allowed between the host and this server, in seconds.
    pub clock_tolerance_secs: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What an admin sends to add or change a provider. On a change, a key given with its id alone
/// (no PEM, no secret) keeps its material.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderInput {
    pub description: String,
    pub issuer: String,
    #[serde(default)]
    pub audience: String,
    #[serde(default)]
    pub keys: Vec<KeyInput>,
    /// Where it publishes its keys (JWKS): instead of, or beside, `keys`.
    #[serde(default)]
    pub jwks_uri: String,
    #[serde(default)]
    pub narrowing: Vec<Narrowing>,
    #[serde(default)]
    pub origins: Vec<String>,
    #[serde(default)]
    pub create_users: bool,
    #[serde(default)]
    pub clock_tolerance_secs: i64,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// A host user's embed asks for its view (`HOST_SHEET_HTML_PATH`, the session in the
/// Authorization header): the app, the page's options on the sheet now open, and a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostSheetRequest {
    pub app_id: String,
    pub page: crate::anonymous::model::EmbedOptions,
    pub change: Option<crate::content::model::SelectionChange>,
}

/// What an embed's exchange of a token answers: the session's bearer secret and its end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbedSession {
    pub token: String,
    /// Unix ms; the page asks the host for a new token before then.
    pub expires_at: i64,
    pub user_name: String,
}

/// Where an OpenID Connect provider's claims give a person's subject, email, name and groups:
/// JSON pointers (RFC 6901) into the ID token's claims merged with the userinfo answer, each
/// list tried in order, the first present wins (as Qlik's identity providers map claims).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimMap {
    pub subject: Vec<String>,
    pub email: Vec<String>,
    pub name: Vec<String>,
    pub groups: Vec<String>,
}

impl Default for ClaimMap {
    fn default() -> Self {
        let list = |items: &[&str]| items.iter().map(|s| s.to_string()).collect();
        ClaimMap {
            subject: list(&["/sub"]),
            email: list(&["/email", "/upn"]),
            name: list(&["/name", "/preferred_username", "/email"]),
            groups: list(&["/groups"]),
        }
    }
}

/// An OpenID Connect provider of the tenant, for single sign-on to the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcProvider {
    pub id: String,
    /// Shown on the sign-in page: "Sign in with …".
    pub description: String,
    pub active: bool,
    /// Being set up: not on the sign-in page until tested and promoted.
    pub pending: bool,
    /// The issuer: `<issuer>/.well-known/openid-configuration` describes it.
    pub issuer: String,
    pub client_id: String,
    /// Whether a client secret is kept (it is never shown).
    pub has_secret: bool,
    pub scopes: Vec<String>,
    pub claims: ClaimMap,
    pub create_users: bool,
    /// When an admin last signed in through it as a test, successfully.
    pub tested_at: Option<i64>,
    pub last_test: Option<TestSignIn>,
    /// The address to register at the provider as the redirect URI.
    pub redirect_uri: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What an admin sends to add or change an OpenID Connect provider. An empty secret on a change
/// keeps the one kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcInput {
    pub description: String,
    pub issuer: String,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub claims: ClaimMap,
    #[serde(default)]
    pub create_users: bool,
    #[serde(default = "yes")]
    pub active: bool,
    /// Live at once, without a test sign-in (Qlik's `skipVerify`, for scripts that set up a
    /// provider they know works).
    #[serde(default)]
    pub skip_verify: bool,
}

/// What a test sign-in found: the person as the mapping reads them, and the claims it read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestSignIn {
    pub subject: String,
    pub email: String,
    pub name: String,
    pub groups: Vec<String>,
    /// The claims received (ID token and userinfo), as JSON.
    pub claims: String,
    pub at: i64,
}

/// A way to sign in on the sign-in page besides the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInOption {
    pub label: String,
    /// Where the button goes (`/login/oidc/<id>`).
    pub href: String,
}

/// What the sign-in page offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInOptions {
    pub providers: Vec<SignInOption>,
    /// Password sign-in is on for everyone (else only for the break-glass account).
    pub passwords: bool,
    /// The server can email a link to choose a new password.
    pub forgot_password: bool,
}

/// Whether people sign in with passwords: everyone, or (when single sign-on is the way in) only
/// one break-glass tenant admin, who can still sign in when the provider cannot be reached.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    pub password_sign_in: bool,
    /// The break-glass account's email; empty while password sign-in is on.
    #[serde(default)]
    pub break_glass_email: String,
}
