//! Password hashing with argon2id (OWASP parameters), off the async runtime and bounded, so
//! sign-ins never stall page rendering and a burst of them cannot exhaust the blocking pool.
use std::sync::OnceLock;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::AppError;
use crate::server::errors::internal;

/// A password as typed. Neither `Debug` nor `Serialize`, so it cannot end up in a log line.
pub struct Password(String);

impl Password {
    pub fn new(s: String) -> Self {
        Password(s)
    }
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

pub(crate) const MIN_LENGTH: usize = 12;
pub(crate) const MAX_LENGTH: usize = 128;

/// The rules a new password must meet, as a message for the form, or `None` when it is fine:
/// 12 to 128 characters, not the email, and not guessable by zxcvbn's estimate (common
/// passwords, names, words, dates, keyboard runs and their usual disguises; the person's own
/// email and name count as guessable). zxcvbn's own advice explains a refusal.
pub(crate) fn weakness(password: &Password, email: &str, name: &str) -> Option<String> {
    let p = password.expose();
    let chars = p.chars().count();
    if chars < MIN_LENGTH {
        return Some(format!("Use at least {MIN_LENGTH} characters."));
    }
    if chars > MAX_LENGTH {
        return Some(format!("Use at most {MAX_LENGTH} characters."));
    }
    if !email.is_empty() && p.eq_ignore_ascii_case(email) {
        return Some("Your password must not be your email address.".into());
    }
    let own_words: Vec<String> = name
        .split_whitespace()
        .chain(email.split(['@', '.']))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let own_words: Vec<&str> = own_words.iter().map(String::as_str).collect();
    let estimate = zxcvbn::zxcvbn(p, &own_words);
    if estimate.score() >= zxcvbn::Score::Three {
        return None;
    }
    let mut message = vec!["This password would be easy to guess.".to_owned()];
    let feedback = estimate.feedback();
    if let Some(warning) = feedback.and_then(|f| f.warning()) {
        let warning = warning.to_string();
        let stop = if warning.ends_with('.') { "" } else { "." };
        message.push(format!("{warning}{stop}"));
    }
    message.extend(
        feedback
            .into_iter()
            .flat_map(|f| f.suggestions())
            .map(|s| s.to_string()),
    );
    if message.len() == 1 {
        message.push("A few unrelated words make a strong password.".to_owned());
    }
    Some(message.join(" "))
}

fn argon2() -> Argon2<'static> {
    // OWASP: m = 19 MiB, t = 2, p = 1.
    let params = Params::new(19_456, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// How many argon2 computations run at once: half the cores, at least one. Each keeps a core
/// busy for its whole run, so a sign-in storm (every clinic at 8 a.m.) waits its turn here
/// rather than taking every core from the pages being served meanwhile
/// (`cargo bench --bench throughput`, the storm).
fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Semaphore::new((cores / 2).max(1))
    })
}

async fn off_runtime<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let _permit = permits().acquire().await.map_err(internal)?;
    tokio::task::spawn_blocking(work).await.map_err(internal)
}

pub async fn hash(password: Password) -> Result<String, AppError> {
    off_runtime(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(internal)
    })
    .await?
}

/// A hash of a password nobody has, verified when the account does not exist so that the
/// response time does not reveal which emails are registered.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(b"no account has this password", &salt)
            .expect("hashing a constant")
            .to_string()
    })
}

/// Whether `password` matches `stored`; with no stored hash, does the same work and says no.
pub async fn verify(password: Password, stored: Option<String>) -> Result<bool, AppError> {
    off_runtime(move || {
        let exists = stored.is_some();
        let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let matches = match PasswordHash::new(&stored) {
            Ok(parsed) => argon2()
                .verify_password(password.expose().as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        };
        exists && matches
    })
    .await
}
