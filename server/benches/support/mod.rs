//! What the benchmarks share: a fresh database of the kind asked for, migrated and seeded with
//! the demo, the state `salus serve` would build on it, and serving it as `salus serve` does.
//! On PostgreSQL the owner migrates and the server connects as an application role, as in
//! production, so the figures include row-level security.
#![allow(dead_code)] // each benchmark uses its own part of this

use std::net::SocketAddr;
use std::time::Duration;

use salus_app::server::state::{AppState, Clock, Settings};
use salus_server::config::{Config, LogFormat, MailTransport};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

const APP_ROLE: &str = "salus_bench_app";

pub struct Bench {
    pub state: AppState,
    /// The owner's connection (no row-level security context needed for set-up on SQLite;
    /// on PostgreSQL the owner is the superuser the benchmark connects as).
    pub owner: DatabaseConnection,
    pg_name: Option<String>,
    _dir: tempfile::TempDir,
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
    let dir = tempfile::tempdir().unwrap();
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
        seed_demo: true,
        audit_key_file: dir.path().join("audit.key"),
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
        owner,
        pg_name,
        _dir: dir,
    }
}

impl Bench {
    /// Serves the whole router as `salus serve` does, on a loopback port.
    pub async fn serve(&self) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = salus_server::router(self.state.clone());
        tokio::spawn(salus_server::serve(listener, app, std::future::pending()));
        addr
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
