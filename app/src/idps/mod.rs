//! Identity providers: who else may say who a person is. A JWT issuer (Qlik's `jwtAuth`) is a
//! host site's backend that signs a short token for its signed-in user: exchanged for a portal
//! session (`/login/jwt-session`, for hosts on the same site) or for an embed's session, carried
//! in a header, never a third-party cookie (`/login/embed-session`). The person is a user of
//! the tenant, made on first use when the provider allows it, with the groups the token names.

pub mod api;
pub mod model;
pub mod rules;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

/// Identity providers one tenant may have.
pub const MAX_PROVIDERS_PER_TENANT: usize = 10;
/// Keys one provider may verify with (a new key beside the old while the host rotates).
pub const MAX_KEYS: usize = 5;
/// The longest life a token may have: `exp` at most this after `nbf` (or `iat`).
pub const MAX_TOKEN_LIFE_SECS: i64 = 3600;
/// The audience a token must name unless the provider says another (Qlik's).
pub const DEFAULT_AUDIENCE: &str = "qlik.api/login/jwt-session";
/// Where a host user's embed asks for its view's HTML.
pub const HOST_SHEET_HTML_PATH: &str = "/api/embed_sheet_html";
/// The header in which an embed renewing its session names the one it has.
pub const RENEW_HEADER: &str = "x-sightline-session";
/// The header in which an embed names the origin of the page that gave it its token (the
/// origin of the browser's message, which the page cannot choose).
pub const HOST_ORIGIN_HEADER: &str = "x-sightline-host-origin";
/// The prefix of an embed session's bearer secret.
pub const EMBED_TOKEN_PREFIX: &str = "sle_";
/// The longest token read, in bytes: anything longer is refused before it is parsed.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;
