//! Identifiers and secrets.
//!
//! Ids are 96 random bits in hex, the shape of the ids in Qlik Cloud's REST API. Secrets
//! (session ids, API keys, invite tokens) carry 256 random bits; only their SHA-256 digest is
//! stored, so a copy of the database opens nothing.

use sha2::{Digest, Sha256};

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).expect("the operating system's random source failed");
    bytes
}

/// A new record id: 24 hex characters.
pub fn new_id() -> String {
    hex::encode(random_bytes::<12>())
}

/// Whether a text has the shape of an id Sightline makes (24 lowercase hex characters): request
/// data that is not one never reaches a query or a cache.
pub fn is_id(text: &str) -> bool {
    text.len() == 24
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A new secret: 64 hex characters (256 random bits).
pub fn new_secret() -> String {
    hex::encode(random_bytes::<32>())
}

/// The digest under which a secret is stored and looked up.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_secrets_have_their_length_and_differ() {
        assert_eq!(new_id().len(), 24);
        assert_eq!(new_secret().len(), 64);
        assert!(is_id(&new_id()));
        assert!(!is_id("ABCDEF0123456789abcdef01") && !is_id("x") && !is_id(&"a".repeat(400)));
        assert_ne!(new_secret(), new_secret());
    }

    #[test]
    fn digest_is_stable_and_comparison_is_exact() {
        assert_eq!(digest("abc"), digest("abc"));
        assert_ne!(digest("abc"), digest("abd"));
        assert!(constant_time_eq("same", "same"));
        assert!(!constant_time_eq("same", "sane"));
        assert!(!constant_time_eq("short", "longer"));
    }
}
