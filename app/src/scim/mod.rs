//! SCIM 2.0 provisioning (RFC 7643, 7644): an identity provider (Entra ID, Okta, …) creates,
//! changes, disables and deletes the tenant's users and groups at `/scim/v2`, with a bearer
//! token per tenant, so that a person removed there loses access here at once. Each
//! provisioned resource is kept as the provider wrote it; the account's email, name and
//! status, and a group's name and members, are taken from it.

pub mod api;
pub mod model;
pub mod rules;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

/// Where the protocol is served.
pub const BASE_PATH: &str = "/scim/v2";
/// The prefix of a SCIM token.
pub const TOKEN_PREFIX: &str = "scim_";
/// The largest resource kept, in bytes of JSON.
pub const MAX_RESOURCE_BYTES: usize = 64 * 1024;
