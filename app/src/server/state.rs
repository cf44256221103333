//! The shared application state every request and server function reads.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::FromRef;
use chrono::{DateTime, Utc};
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use super::audit::AuditKey;
use super::mail::Mailer;
use super::request::IpRange;
use super::secret_box::SecretKeys;
use super::sms::SmsGateway;

/// Settings the services need, already validated by the server's configuration loader.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The address people reach Salus at, used for links in emails.
    pub public_url: String,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    pub secure_cookies: bool,
    pub sign_in_max_failures_per_account: u32,
    pub sign_in_max_failures_per_address: u32,
    pub sign_in_lockout: Duration,
    pub password_reset_ttl: Duration,
    /// Development pages such as the mailbox viewer.
    pub dev_pages: bool,
    /// Proxies whose `X-Forwarded-For` and `X-Request-Id` are believed.
    pub trusted_proxies: Vec<IpRange>,
    /// A protocol change is re-applied before the admin's request returns in a clinic of at
    /// most this many patients, and in the background with progress shown in a larger one.
    pub resync_wait_patients: u64,
    /// The bearer token `/metrics` answers to; without one it answers 404.
    pub metrics_token: Option<String>,
    /// How long a worker's claim on a reminder holds before another worker may take it.
    pub reminder_lease: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            public_url: "http://127.0.0.1:3000".into(),
            session_idle: Duration::from_secs(15 * 60),
            session_absolute: Duration::from_secs(12 * 3600),
            secure_cookies: false,
            sign_in_max_failures_per_account: 5,
            sign_in_max_failures_per_address: 20,
            sign_in_lockout: Duration::from_secs(15 * 60),
            password_reset_ttl: Duration::from_secs(30 * 60),
            dev_pages: false,
            trusted_proxies: Vec::new(),
            resync_wait_patients: 2_000,
            metrics_token: None,
            reminder_lease: Duration::from_secs(300),
        }
    }
}

/// The time source, behind one seam: the system clock in production, a manual one that only
/// the test moves in tests, so tests of dates and expiry never sleep on the real clock.
#[derive(Clone)]
pub struct Clock(ClockSource);

#[derive(Clone)]
enum ClockSource {
    System,
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    pub fn system() -> Self {
        Clock(ClockSource::System)
    }

    /// A clock that stands at `start` until `advance` or `set` moves it.
    pub fn manual(start: DateTime<Utc>) -> Self {
        Clock(ClockSource::Manual(Arc::new(Mutex::new(start))))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            ClockSource::System => Utc::now(),
            ClockSource::Manual(at) => *at.lock().expect("clock lock"),
        }
    }

    /// Moves a manual clock forward (or back, with a negative duration).
    ///
    /// # Panics
    /// On the system clock, which only time moves.
    pub fn advance(&self, by: chrono::Duration) {
        let now = self.now();
        self.set(now + by);
    }

    /// Puts a manual clock at `at`.
    ///
    /// # Panics
    /// On the system clock, which only time moves.
    pub fn set(&self, at: DateTime<Utc>) {
        match &self.0 {
            ClockSource::System => panic!("the system clock cannot be moved"),
            ClockSource::Manual(current) => *current.lock().expect("clock lock") = at,
        }
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            ClockSource::System => f.write_str("Clock::system"),
            ClockSource::Manual(_) => write!(f, "Clock::manual({})", self.now()),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub mailer: Arc<dyn Mailer>,
    /// The SMS gateway, when one is configured: without it no text reminder is planned.
    pub sms: Option<Arc<dyn SmsGateway>>,
    pub clock: Clock,
    /// The audit chain's key, loaded from outside the database at start.
    pub audit_key: AuditKey,
    /// The keys that seal secrets at rest (TOTP secrets), loaded from outside the database.
    pub secret_keys: Arc<SecretKeys>,
    pub leptos_options: LeptosOptions,
    /// This process's reminder counters, for `/metrics`.
    pub reminder_counters: Arc<crate::server::metrics::Counters>,
    /// Wakes this process's reminder worker to plan at once: a patient's channels or a
    /// clinic's reminder settings changed. (Workers in other processes plan on their schedule.)
    pub reminder_wakeup: Arc<tokio::sync::Notify>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
