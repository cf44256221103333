//! Concurrent audited transactions on PostgreSQL: how much appending to the audit chain makes
//! requests of different clinics wait for each other.
//!
//!     cargo bench -p salus-server --bench audit
//!
//! 32 tasks, each on its own pooled connection, run transactions shaped like an audited
//! request: append one audit event, then hold the transaction open for 2 ms (`pg_sleep`, the
//! stand-in for the request's other queries), then commit. The events go to one clinic, or are
//! spread over 8 clinics. The benchmark connects as the database owner and sets no tenant
//! context, so it measures the chain's locking and nothing else.
use std::time::{Duration, Instant};

use chrono::Utc;
use salus_app::server::audit::{self, AuditEntry, AuditKey};
use salus_app::server::request::RequestMeta;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, TransactionTrait};

const TASKS: usize = 32;
const PER_TASK: usize = 40;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn run(url: &str, key: &AuditKey, clinics: i64) {
    let mut options = ConnectOptions::new(url.to_owned());
    options.max_connections(TASKS as u32).sqlx_logging(false);
    let db = Database::connect(options).await.unwrap();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let (db, key) = (db.clone(), key.clone());
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::with_capacity(PER_TASK);
            for _ in 0..PER_TASK {
                let begun = Instant::now();
                let txn = db.begin().await.unwrap();
                let entry = AuditEntry {
                    actor_user_id: Some(task as i64),
                    clinic_id: Some(task as i64 % clinics + 1),
                    action: "bench.event",
                    ..Default::default()
                };
                audit::record(&txn, &key, Utc::now(), &RequestMeta::default(), entry)
                    .await
                    .unwrap();
                txn.execute_unprepared("SELECT pg_sleep(0.002)")
                    .await
                    .unwrap();
                txn.commit().await.unwrap();
                samples.push(begun.elapsed());
            }
            samples
        }));
    }
    let mut samples = Vec::new();
    for task in tasks {
        samples.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    samples.sort();
    println!(
        "  events over {clinics} clinic(s): {:>6.0} transactions/s   p50 {:>6.1} ms   p99 {:>6.1} ms",
        samples.len() as f64 / elapsed.as_secs_f64(),
        percentile(&samples, 0.50).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
    );
    let report = audit::verify(&db, &key, None).await.unwrap();
    assert_eq!(report.problem, None, "the chain verifies after the run");
    db.close().await.unwrap();
}

#[tokio::main]
async fn main() {
    let admin_url = std::env::var("SALUS_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("salus_bench_audit_{}", std::process::id());
    let admin = Database::connect(&admin_url)
        .await
        .expect("PostgreSQL reachable");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
    salus_server::db::migrate_url(&url).await.unwrap();
    let key = AuditKey::random();
    println!("audited transactions, {TASKS} concurrent, {PER_TASK} each, PostgreSQL:");
    for clinics in [1, 8] {
        run(&url, &key, clinics).await;
    }
    admin
        .execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
}
