//! Benchmarks of the provider's compliance list and the care-status recompute at clinic scale.
//!
//!     cargo bench -p salus-server --bench compliance                 # SQLite and PostgreSQL
//!     SALUS_BENCH_DATABASES=sqlite cargo bench -p salus-server --bench compliance
//!
//! It builds a clinic of 10,000 patients assigned to one provider (a week of goal logs and the
//! protocols' care items each), then reports the server time of the compliance list's first
//! page (p50/p95/p99 over 200 requests through the real router on loopback, and the service
//! alone), and the time to recompute every care-item status of a clinic of 100,000 patients.
mod support;

use std::time::{Duration, Instant};

use chrono::Utc;
use salus_app::server::care::{compliance, items};
use salus_app::server::entities::{care_items, clinics, users};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

const LIST_PATIENTS: usize = 10_000;
const RECOMPUTE_PATIENTS: usize = 100_000;
const REQUESTS: usize = 200;

fn report(what: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "  {what:<44} p50 {:>7.2} ms   p95 {:>7.2} ms   p99 {:>7.2} ms",
        support::percentile(&samples, 0.50).as_secs_f64() * 1e3,
        support::percentile(&samples, 0.95).as_secs_f64() * 1e3,
        support::percentile(&samples, 0.99).as_secs_f64() * 1e3,
    );
}

/// `recompute_statuses` as the hourly refresh runs it: in a transaction of the clinic's own
/// task (on PostgreSQL, as the application role under row-level security).
async fn recompute_as_the_hourly_task(db: &DatabaseConnection, clinic: i64) -> u64 {
    use salus_app::server::db_context::{self, DbContext};
    let txn = db_context::begin(db, DbContext::ClinicTask(clinic))
        .await
        .unwrap();
    let changed = items::recompute_statuses(&txn, clinic, Utc::now())
        .await
        .unwrap();
    txn.commit().await.unwrap();
    changed
}

async fn run(backend: &str) {
    println!("{backend}:");
    let bench = support::start(backend, |s| {
        s.sign_in_max_failures_per_address = 1000;
    })
    .await;
    let (state, db) = (bench.state.clone(), bench.owner.clone());
    let clinic = clinics::Entity::find().one(&db).await.unwrap().unwrap().id;
    let provider = users::Entity::find()
        .filter(users::Column::Email.eq("sarah.chen@example.com"))
        .one(&db)
        .await
        .unwrap()
        .unwrap()
        .id;

    let started = Instant::now();
    let patients =
        support::patients::add(&db, clinic, Some(provider), LIST_PATIENTS, true, "list").await;
    println!(
        "  set-up: {} patients inserted in {:.1} s",
        patients.len(),
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    for &p in &patients {
        compliance::refresh(&db, clinic, p, Utc::now())
            .await
            .unwrap();
    }
    println!(
        "  compliance computed for {} patients in {:.1} s",
        patients.len(),
        started.elapsed().as_secs_f64()
    );
    // Fresh planner statistics, as autovacuum would gather after a load this size; without them
    // PostgreSQL estimates one row per table and nests loops over 10,000 × 10,000 rows.
    db.execute_unprepared("ANALYZE").await.unwrap();

    let addr = bench.serve().await;
    let base = format!("http://{addr}");
    // The provider signs in (and, as staff, sets up two-step sign-in) once; every request
    // below carries the session.
    let cookie = support::session_cookie(addr, "sarah.chen@example.com").await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::COOKIE, cookie.parse().unwrap());
    let client = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();

    for (label, query) in [
        ("first page, by status (HTTP round trip)", vec![]),
        (
            "first page, by name (HTTP round trip)",
            vec![("sort", "name")],
        ),
        (
            "first page, filtered and searched (HTTP)",
            vec![("status", "goals_missed"), ("search", "patient 00")],
        ),
    ] {
        let mut samples = Vec::with_capacity(REQUESTS);
        for i in 0..REQUESTS + 10 {
            let started = Instant::now();
            let response = client
                .post(format!("{base}/api/provider/patients"))
                .header("origin", &base)
                .form(&query)
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success());
            let _ = response.bytes().await.unwrap();
            if i >= 10 {
                samples.push(started.elapsed());
            }
        }
        report(label, samples);
    }

    // One patient's record (a point lookup in every patient-owned table, each under its
    // row-level security policy), a different patient each time.
    let mut samples = Vec::with_capacity(REQUESTS);
    for (i, patient) in patients
        .iter()
        .cycle()
        .step_by(37)
        .take(REQUESTS + 10)
        .enumerate()
    {
        let started = Instant::now();
        let response = client
            .post(format!("{base}/api/provider/patient"))
            .header("origin", &base)
            .form(&[("patient_id", patient.to_string())])
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
        let _ = response.bytes().await.unwrap();
        if i >= 10 {
            samples.push(started.elapsed());
        }
    }
    report("one patient's detail (HTTP round trip)", samples);

    let clinic2 = support::patients::large_clinic(&db).await;
    let started = Instant::now();
    let big = support::patients::add(&db, clinic2, None, RECOMPUTE_PATIENTS, false, "big").await;
    let item_count = care_items::Entity::find()
        .filter(care_items::Column::ClinicId.eq(clinic2))
        .all(&db)
        .await
        .unwrap()
        .len();
    println!(
        "  set-up: {} patients, {item_count} care items inserted in {:.1} s",
        big.len(),
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let changed = recompute_as_the_hourly_task(&state.db, clinic2).await;
    println!(
        "  recompute every care item status, {} patients: {:.2} s ({changed} changed)",
        big.len(),
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let changed = recompute_as_the_hourly_task(&state.db, clinic2).await;
    println!(
        "  same again, nothing to change:                {:.2} s ({changed} changed)",
        started.elapsed().as_secs_f64()
    );

    bench.finish().await;
}

fn main() {
    // `cargo bench` passes --bench; there is nothing to filter.
    let databases =
        std::env::var("SALUS_BENCH_DATABASES").unwrap_or_else(|_| "sqlite,postgres".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    for backend in databases
        .split(',')
        .map(str::trim)
        .filter(|b| !b.is_empty())
    {
        rt.block_on(run(backend));
    }
}
