//! SCIM provisioning as the admin center and the protocol see it: the tenant's token (shown
//! once) and a SCIM error (RFC 7644, §3.12).

use serde::{Deserialize, Serialize};

/// Whether provisioning is on, and the address to give the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScimStatus {
    pub enabled: bool,
    /// `<public URL>/scim/v2`: the provider's "tenant URL".
    pub base_url: String,
    pub users: i64,
    pub groups: i64,
}

/// A new token: shown once, replacing the one before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewScimToken {
    pub token: String,
    pub base_url: String,
}

/// An answer SCIM clients read: the HTTP status, SCIM's `scimType` and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimError {
    pub status: u16,
    pub scim_type: Option<String>,
    pub detail: String,
}

impl ScimError {
    pub fn bad(scim_type: &str, detail: impl Into<String>) -> Self {
        ScimError {
            status: 400,
            scim_type: Some(scim_type.into()),
            detail: detail.into(),
        }
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        ScimError {
            status: 404,
            scim_type: None,
            detail: detail.into(),
        }
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        ScimError {
            status: 409,
            scim_type: Some("uniqueness".into()),
            detail: detail.into(),
        }
    }
}

impl std::fmt::Display for ScimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}
