//! Passwords sealed at rest: XChaCha20-Poly1305 under the settings' connection key, a random
//! nonce a seal, the key's id in front (`v1.<key id>.<nonce and sealed bytes, base64url>`), so
//! that after a rotation the previous keys still open what they sealed until everything is
//! sealed again under the new one (`reseal`, at start).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// The keys passwords are sealed with: the current one, and those it replaced.
#[derive(Clone)]
pub struct Keyring {
    current: Key,
    previous: Vec<Key>,
}

#[derive(Clone)]
struct Key {
    id: String,
    cipher: XChaCha20Poly1305,
}

impl Key {
    fn parse(text: &str) -> Result<Key, String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim()))
            .map_err(|_| {
                "a connection key is 32 random bytes in base64 (openssl rand -base64 32)"
                    .to_string()
            })?;
        if bytes.len() != 32 {
            return Err(format!(
                "a connection key is 32 bytes in base64 (openssl rand -base64 32); this one is {} bytes",
                bytes.len()
            ));
        }
        Ok(Key {
            id: hex::encode(&Sha256::digest(&bytes)[..4]),
            cipher: XChaCha20Poly1305::new_from_slice(&bytes).expect("32 bytes"),
        })
    }
}

impl Keyring {
    /// From the settings: the current key, and the previous ones separated by commas.
    pub fn new(current: &str, previous: &str) -> Result<Keyring, String> {
        if current.trim().is_empty() {
            return Err(
                "no connection key is set: set connection_key (openssl rand -base64 32)".into(),
            );
        }
        Ok(Keyring {
            current: Key::parse(current)?,
            previous: previous
                .split(',')
                .filter(|k| !k.trim().is_empty())
                .map(Key::parse)
                .collect::<Result<_, _>>()?,
        })
    }

    /// A new random key, in the settings' form.
    pub fn generate() -> String {
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes).expect("the system's random numbers");
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    pub fn seal(&self, plain: &str) -> String {
        let mut nonce = [0u8; 24];
        getrandom::getrandom(&mut nonce).expect("the system's random numbers");
        let sealed = self
            .current
            .cipher
            .encrypt(XNonce::from_slice(&nonce), plain.as_bytes())
            .expect("sealing cannot fail");
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        format!("v1.{}.{}", self.current.id, URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn open(&self, sealed: &str) -> Result<String, AppError> {
        let lost = |why: &str| {
            AppError::conflict(format!("a connection's password cannot be opened: {why}. If the connection key was changed, list the old one in connection_keys_previous; otherwise write the password again."))
        };
        let mut parts = sealed.splitn(3, '.');
        let (Some("v1"), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(lost("it is not sealed as Sightline seals"));
        };
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == id)
            .ok_or_else(|| {
                lost(&format!(
                    "it was sealed with a key (id {id}) that is not among the settings' keys"
                ))
            })?;
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| lost("it is damaged"))?;
        if bytes.len() < 24 {
            return Err(lost("it is damaged"));
        }
        let plain = key
            .cipher
            .decrypt(XNonce::from_slice(&bytes[..24]), &bytes[24..])
            .map_err(|_| {
                lost("it does not open with its key (damaged, or a different key with the same id)")
            })?;
        String::from_utf8(plain).map_err(|_| lost("it is damaged"))
    }

    /// Whether a seal is under the current key.
    pub fn is_current(&self, sealed: &str) -> bool {
        sealed.starts_with(&format!("v1.{}.", self.current.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_sealed_opened_and_resealed_after_a_rotation() {
        let old = Keyring::generate();
        let new = Keyring::generate();
        let before = Keyring::new(&old, "").unwrap();
        let sealed = before.seal("hunter2");
        assert!(!sealed.contains("hunter2"));
        assert_ne!(sealed, before.seal("hunter2"), "a random nonce a seal");
        assert_eq!(before.open(&sealed).unwrap(), "hunter2");
        let after = Keyring::new(&new, &old).unwrap();
        assert!(!after.is_current(&sealed));
        assert_eq!(after.open(&sealed).unwrap(), "hunter2");
        let resealed = after.seal(&after.open(&sealed).unwrap());
        assert!(after.is_current(&resealed));
        let forgotten = Keyring::new(&new, "").unwrap();
        let error = forgotten.open(&sealed).unwrap_err().to_string();
        assert!(error.contains("connection_keys_previous"), "{error}");
        let mut tampered = resealed.clone();
        tampered.pop();
        tampered.push(if resealed.ends_with('A') { 'B' } else { 'A' });
        assert!(after.open(&tampered).is_err());
        assert!(Keyring::new("c2hvcnQ=", "").is_err_and(|e| e.contains("32 bytes")));
        assert!(Keyring::new("", "").is_err());
    }
}
