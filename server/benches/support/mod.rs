//! What the benchmarks share: a fresh database of the kind asked for, migrated and seeded with
//! the demo, the state `salus serve` would build on it, and serving it as `salus serve` does.
//! On PostgreSQL the owner migrates and the server connects as an application role, as in
//! production, so the figures include row-level security.
#![allow(dead_code)] // each benchmark uses its own part of this

pub mod patients;
#[path = "../../tests/api/temp_dir.rs"]
mod temp_dir;

use std::net::SocketAddr;
use std::time::Duration;

use salus_app::server::state::{AppState, Clock, Settings};
use salus_server::config::{Config, LogFormat, MailTransport};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

const APP_ROLE: &str = "salus_bench_app";

pub struct Bench {
    pub state: AppState,
    /// The environment `salus serve` needs to serve this bench's database and files.
    server_env: Vec<(&'static str, String)>,
    /// The owner's connection (no row-level security context needed for set-up on SQLite;
    /// on PostgreSQL the owner is the superuser the benchmark connects as).
    pub owner: DatabaseConnection,
    pg_name: Option<String>,
    _dir: temp_dir::TempDir,
}

fn admin_url() -> String {
    std::env::var("SALUS_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

async fn drop_database(name: &str) {
    let admin = Database::connect(admin_url())
        .await
        .expect("PostgreSQL reachable");
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
}

/// `backend`: "sqlite" or "postgres". `adjust` changes the settings (rate limits, say).
pub async fn start(backend: &str, adjust: impl FnOnce(&mut Settings)) -> Bench {
    let dir = temp_dir::TempDir::new();
    let (database_url, migration_database_url, pg_name) = match backend {
        "sqlite" => (
            format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("bench.db").display()
            ),
            None,
            None,
        ),
        _ => {
            let name = format!("salus_bench_{}", std::process::id());
            drop_database(&name).await;
            let admin = Database::connect(admin_url()).await.unwrap();
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .unwrap();
            let owner_url = format!("{}/{name}", admin_url().rsplit_once('/').unwrap().0);
            salus_server::db::migrate_url(&owner_url).await.unwrap();
            let owner = salus_server::db::connect(&owner_url).await.unwrap();
            salus_server::db::create_app_role(&owner, APP_ROLE, Some(APP_ROLE))
                .await
                .unwrap();
            owner.close().await.unwrap();
            let (scheme, rest) = owner_url.split_once("://").unwrap();
            let host_and_db = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
            (
                format!("{scheme}://{APP_ROLE}:{APP_ROLE}@{host_and_db}"),
                Some(owner_url),
                Some(name),
            )
        }
    };
    let server_env = vec![
        ("DATABASE_URL", database_url.clone()),
        (
            "SALUS_MIGRATION_DATABASE_URL",
            migration_database_url
                .clone()
                .unwrap_or_else(|| database_url.clone()),
        ),
        (
            "LEPTOS_SITE_ROOT",
            dir.path().join("site").display().to_string(),
        ),
        (
            "SALUS_MAILBOX_DIR",
            dir.path().join("mail").display().to_string(),
        ),
        (
            "SALUS_AUDIT_KEY_FILE",
            dir.path().join("audit.key").display().to_string(),
        ),
        (
            "SALUS_SECRET_KEYS_FILE",
            dir.path().join("secret-keys.json").display().to_string(),
        ),
        ("SALUS_LOG", "error".to_owned()),
    ];
    let mut settings = Settings::default();
    adjust(&mut settings);
    let config = Config {
        database_url,
        migration_database_url: migration_database_url.clone(),
        addr: "127.0.0.1:0".parse().unwrap(),
        site_root: dir.path().join("site").display().to_string(),
        settings,
        mail: MailTransport::Mailbox {
            dir: dir.path().join("mail"),
        },
        mail_from: "bench@salus.example".into(),
        sms: None,
        seed_demo: true,
        allow_rls_bypass: false,
        // A benchmark measures what it runs; no worker sends reminders meanwhile.
        embedded_worker: false,
        audit_key_file: dir.path().join("audit.key"),
        secret_keys_file: dir.path().join("secret-keys.json"),
        log_filter: "error".into(),
        log_format: LogFormat::Text,
    };
    let state = salus_server::build_state(&config, Clock::system())
        .await
        .unwrap();
    salus_app::server::services::seed::demo(&state.db, &state.audit_key, state.clock.now())
        .await
        .unwrap();
    let owner = match &migration_database_url {
        Some(url) => salus_server::db::connect(url).await.unwrap(),
        None => state.db.clone(),
    };
    Bench {
        state,
        server_env,
        owner,
        pg_name,
        _dir: dir,
    }
}

impl Bench {
    /// Serves the whole router as `salus serve` does, on a loopback port that is its public
    /// address (the cross-origin check compares each request's `Origin` with it).
    pub async fn serve(&self) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut state = self.state.clone();
        state.settings = std::sync::Arc::new(Settings {
            public_url: format!("http://{addr}"),
            ..(*state.settings).clone()
        });
        let app = salus_server::router(state);
        tokio::spawn(salus_server::serve(listener, app, std::future::pending()));
        addr
    }

    /// Starts the release `salus serve` binary as its own process on this bench's database,
    /// with default settings, and waits until it is ready: for measuring the server alone.
    pub async fn spawn_server(&self) -> (std::process::Child, SocketAddr) {
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap().port()
        };
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_salus"))
            .arg("serve")
            .envs(self.server_env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("SALUS_ADDR", addr.to_string())
            .spawn()
            .expect("the salus binary starts");
        let client = reqwest::Client::new();
        for _ in 0..300 {
            let ready = client.get(format!("http://{addr}/readyz")).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return (child, addr);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("salus serve did not become ready on {addr}");
    }

    /// Drops the PostgreSQL database (the SQLite file goes with its folder).
    pub async fn finish(self) {
        self.owner.close().await.unwrap();
        if let Some(name) = &self.pg_name {
            drop_database(name).await;
        }
    }
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Signs in through the real endpoints as a person would, and returns the `Cookie` header to
/// send: the password and, for staff (who must use two-step sign-in), setting up an
/// authenticator from the secret the enrolment answers with and confirming its first code
/// (computed with totp-rs on the system clock, which the benchmark's server uses too).
pub async fn session_cookie(addr: SocketAddr, email: &str) -> String {
    use reqwest::cookie::CookieStore;
    let base = format!("http://{addr}");
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .build()
        .unwrap();
    let post = |path: &str, form: Vec<(&str, String)>| {
        client
            .post(format!("{base}{path}"))
            .header("origin", &base)
            .form(&form)
            .send()
    };
    let password = salus_app::server::services::seed::DEMO_PASSWORD.to_owned();
    let response = post(
        "/api/auth/sign_in",
        vec![("email", email.to_owned()), ("password", password)],
    )
    .await
    .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let destination: String = response.json().await.unwrap();
    if destination.starts_with("/signin/enrol") {
        let enrolment: salus_app::model::account::Enrolment = post("/api/mfa/enrolment", vec![])
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let encoded: String = enrolment.secret.split_whitespace().collect();
        let secret = totp_rs::Secret::Encoded(encoded).to_bytes().unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let code =
            totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 1, 30, secret).generate(now);
        let confirmed = post("/api/mfa/confirm", vec![("code", code)])
            .await
            .unwrap();
        assert!(confirmed.status().is_success(), "{}", confirmed.status());
    }
    let url = base.parse().unwrap();
    jar.cookies(&url)
        .expect("a session cookie")
        .to_str()
        .unwrap()
        .to_owned()
}

/// What oha reports for one run.
pub struct Load {
    pub rps: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub errors: u64,
}

/// oha with `args` (the target and what to send); its JSON summary.
pub fn oha(args: &[String]) -> Load {
    let output = std::process::Command::new("oha")
        .args([
            "--no-tui",
            "--output-format",
            "json",
            "--wait-ongoing-requests-after-deadline",
        ])
        .args(args)
        .output()
        .expect("oha is needed: cargo install oha --locked");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let seconds = |p: &str| report["latencyPercentiles"][p].as_f64().unwrap_or(f64::NAN) * 1e3;
    let statuses = report["statusCodeDistribution"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let errors = statuses
        .iter()
        .filter(|(code, _)| code.as_str() != "200")
        .map(|(_, n)| n.as_u64().unwrap_or(0))
        .sum::<u64>()
        + report["errorDistribution"]
            .as_object()
            .map_or(0, |e| e.values().map(|n| n.as_u64().unwrap_or(0)).sum());
    Load {
        rps: report["summary"]["requestsPerSec"].as_f64().unwrap(),
        p50: seconds("p50"),
        p95: seconds("p95"),
        p99: seconds("p99"),
        errors,
    }
}
