//! The shared application state every request and server function reads.
use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use chrono::{DateTime, Utc};
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use super::mail::Mailer;

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
        }
    }
}

/// The time source, behind one seam so a test or a replay can substitute its own.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl Clock {
    pub fn system() -> Self {
        Clock(Arc::new(Utc::now))
    }
    pub fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub mailer: Arc<dyn Mailer>,
    pub clock: Clock,
    pub leptos_options: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
