//! Secrets kept encrypted at rest (TOTP secrets): AES-256-GCM under keys kept in a file outside
//! the database (`SALUS_SECRET_KEYS_FILE`), so a copy of the database alone reveals none of
//! them. Each sealed value names the key it was sealed under, so keys rotate: `salus keys
//! rotate` adds a key, makes it the current one and re-seals every value under it. Earlier keys
//! stay in the file to open what a server still running on them sealed; a server that meets a
//! key it does not know reads the file again. A value is sealed with a context (the owner's
//! user id) as associated data, so a sealed value copied onto another row does not open.
use std::collections::BTreeMap;
use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::key_files;

const NONCE_LEN: usize = 12;

/// The keys: the current one seals, any of them opens what it sealed.
#[derive(Clone)]
pub struct SecretKeys {
    current: String,
    keys: BTreeMap<String, [u8; 32]>,
    /// The file they came from, read again when a value names a key not known yet.
    file: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for SecretKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SecretKeys(current {}, {} keys)",
            self.current,
            self.keys.len()
        )
    }
}

/// The file's form: `{"current": "k1", "keys": {"k1": "<64 hex digits>"}}`.
#[derive(Serialize, Deserialize)]
struct KeyFile {
    current: String,
    keys: BTreeMap<String, String>,
}

/// A sealed value: the key's id, and the nonce followed by the ciphertext, in hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    pub data: String,
}

fn random_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    key
}

impl SecretKeys {
    /// One fresh key, for tests and a first start.
    pub fn generate() -> Self {
        SecretKeys {
            current: "k1".into(),
            keys: BTreeMap::from([("k1".to_owned(), random_key())]),
            file: None,
        }
    }

    /// Reads the key file, or creates it (owner-only) with one fresh key if it is missing.
    pub fn load_or_create(path: &Path) -> Result<Self, String> {
        if path.exists() {
            return Self::load(path);
        }
        let keys = Self::generate();
        key_files::create_owner_only(path, &keys.to_text()?)?;
        Self::load(path)
    }

    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("reading the secret keys {}: {e}", path.display()))?;
        let file: KeyFile = serde_json::from_str(&text)
            .map_err(|e| format!("the secret keys file {} is not valid: {e}", path.display()))?;
        let mut keys = BTreeMap::new();
        for (id, hex_key) in file.keys {
            let key: [u8; 32] = hex::decode(hex_key.trim())
                .ok()
                .and_then(|bytes| bytes.try_into().ok())
                .ok_or_else(|| format!("key {id} in {} is not 64 hex digits", path.display()))?;
            keys.insert(id, key);
        }
        if !keys.contains_key(&file.current) {
            return Err(format!(
                "the current key {} is missing from {}",
                file.current,
                path.display()
            ));
        }
        Ok(SecretKeys {
            current: file.current,
            keys,
            file: Some(path.to_owned()),
        })
    }

    fn to_text(&self) -> Result<String, String> {
        let file = KeyFile {
            current: self.current.clone(),
            keys: self
                .keys
                .iter()
                .map(|(id, key)| (id.clone(), hex::encode(key)))
                .collect(),
        };
        serde_json::to_string_pretty(&file).map_err(|e| e.to_string())
    }

    /// Writes the keys over `path`, owner-only, through a temporary file, so the file is never
    /// half written.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        key_files::replace_owner_only(path, &self.to_text()?)
    }

    pub(crate) fn current_id(&self) -> &str {
        &self.current
    }

    /// A new key, made the current one; the others still open what they sealed.
    pub fn add_key(&mut self) -> &str {
        let next = (1..)
            .map(|n| format!("k{n}"))
            .find(|id| !self.keys.contains_key(id))
            .expect("a free key id");
        self.keys.insert(next.clone(), random_key());
        self.current = next;
        &self.current
    }

    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Sealed {
        let key = &self.keys[&self.current];
        let cipher = Aes256Gcm::new(key.into());
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ciphertext = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            .expect("AES-GCM encrypts any message of this size");
        let mut data = nonce.to_vec();
        data.extend(ciphertext);
        Sealed {
            key_id: self.current.clone(),
            data: hex::encode(data),
        }
    }

    /// The plaintext of `sealed`, or why it cannot be had: an unknown key (after reading the
    /// file again: it may have been rotated since this process started), or a value that was
    /// altered or sealed for another context.
    pub fn open(&self, sealed: &Sealed, context: &[u8]) -> Result<Vec<u8>, String> {
        if let Some(key) = self.keys.get(&sealed.key_id) {
            return open_with(key, sealed, context);
        }
        let reread = match &self.file {
            Some(path) => Self::load(path)?,
            None => return Err(format!("no key {}", sealed.key_id)),
        };
        let key = reread
            .keys
            .get(&sealed.key_id)
            .ok_or_else(|| format!("no key {} in the secret keys file", sealed.key_id))?;
        open_with(key, sealed, context)
    }
}

fn open_with(key: &[u8; 32], sealed: &Sealed, context: &[u8]) -> Result<Vec<u8>, String> {
    let data = hex::decode(&sealed.data).map_err(|_| "a sealed value is not hex".to_owned())?;
    if data.len() < NONCE_LEN {
        return Err("a sealed value is too short".into());
    }
    let (nonce, ciphertext) = data.split_at(NONCE_LEN);
    Aes256Gcm::new(key.into())
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad: context,
            },
        )
        .map_err(|_| "a sealed value does not open: altered, or not this row's".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_context() {
        let keys = SecretKeys::generate();
        let sealed = keys.seal(b"JBSWY3DPEHPK3PXP", b"user:7");
        assert_eq!(sealed.key_id, "k1");
        assert!(!sealed.data.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(keys.open(&sealed, b"user:7").unwrap(), b"JBSWY3DPEHPK3PXP");
        assert!(keys.open(&sealed, b"user:8").is_err(), "another row's");
        let mut altered = sealed.clone();
        altered.data.replace_range(30..32, "00");
        assert!(keys.open(&altered, b"user:7").is_err());
        assert!(SecretKeys::generate().open(&sealed, b"user:7").is_err());
        assert_ne!(keys.seal(b"same", b"c").data, keys.seal(b"same", b"c").data);
    }

    #[test]
    fn keys_rotate_through_the_file() {
        // A file of this test's own; the tests' build has no tempfile (server/Cargo.toml).
        let path = std::env::temp_dir().join(format!("salus-keys-{}.json", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let mut keys = SecretKeys::load_or_create(&path).unwrap();
        let old = keys.seal(b"secret", b"ctx");
        assert_eq!(keys.add_key(), "k2");
        let new = keys.seal(b"secret", b"ctx");
        assert_eq!(new.key_id, "k2");
        keys.save(&path).unwrap();
        let reloaded = SecretKeys::load(&path).unwrap();
        assert_eq!(reloaded.open(&old, b"ctx").unwrap(), b"secret");
        assert_eq!(reloaded.open(&new, b"ctx").unwrap(), b"secret");
        // A process started before the rotation reads the file again for the new key.
        let before_rotation = SecretKeys::load(&path).unwrap();
        let mut rotated = SecretKeys::load(&path).unwrap();
        rotated.add_key();
        rotated.save(&path).unwrap();
        let newest = rotated.seal(b"secret", b"ctx");
        assert_eq!(newest.key_id, "k3");
        assert_eq!(before_rotation.open(&newest, b"ctx").unwrap(), b"secret");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(!format!("{keys:?}").contains(&hex::encode(keys.keys["k2"])));
        let _ = std::fs::remove_file(&path);
    }
}
