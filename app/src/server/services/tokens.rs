//! Single-use tokens sent in links (password resets, email verification): 256 random bits in
//! hex, of which only the SHA-256 is stored, so a copy of the database opens no link.
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new token and the hash to store for it.
pub(crate) fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let hash = hash(&token);
    (token, hash)
}

pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}
