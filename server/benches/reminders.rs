//! The reminder worker at scale: 50,000 patients each owed one overdue care reminder by email
//! and by text, 100,000 messages in all, planned and delivered by the worker's own loop
//! (`reminders::worker::run`) to an SMTP server and an Channel::Sms gateway (Twilio's shape) on loopback
//! in this process:
//!
//!     cargo bench -p salus-server --bench reminders          # PostgreSQL 1 and 3 workers, SQLite 1
//!     SALUS_BENCH_REMINDERS=postgres:3 cargo bench -p salus-server --bench reminders
//!
//! Each worker has its own mail and gateway clients, as a `salus worker` process does; on
//! PostgreSQL they connect as the application role, under row-level security. Reported: messages
//! per second from the workers' start until the last is sent, and from that start (when every
//! reminder was due) to each message's `sent_at`, the median and the 95th percentile.
mod support;

#[path = "../tests/api/sms_gateway.rs"]
#[allow(dead_code)]
mod sms_gateway;
#[path = "../tests/api/smtp.rs"]
#[allow(dead_code)]
mod smtp;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use salus_app::model::reminders::DeliveryStatus;
use salus_app::server::entities::reminders;
use salus_app::server::mail::SmtpMailer;
use salus_app::server::reminders::worker;
use salus_app::server::sms::HttpSmsGateway;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};

const PATIENTS: usize = 50_000;

/// Adds the patients to `clinic` in set-based statements that both databases run: a confirmed
/// address, a mobile number, email and texts on, no quiet hours (the workers run on the real
/// clock), and one overdue care item each. The clinic sends both channels with no quiet hours
/// and a daily text cap and a plan whose allowances are above the run.
async fn crowd(bench: &support::Bench, clinic: i64) {
    let db = &bench.owner;
    let protocol: i64 = salus_app::server::entities::care_protocols::Entity::find()
        .filter(salus_app::server::entities::care_protocols::Column::ClinicId.eq(clinic))
        .select_only()
        .column(salus_app::server::entities::care_protocols::Column::Id)
        .into_tuple()
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let due = (Utc::now() - chrono::Duration::days(30)).date_naive();
    let soon = due - chrono::Duration::days(30);
    let numbers = format!(
        "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {PATIENTS})"
    );
    let crowd = "(SELECT id FROM users WHERE email LIKE 'load%')";
    let statements = [
        format!(
            "INSERT INTO users (email, password_hash, display_name, is_super_admin, is_active, \
             email_verified_at, created_at, updated_at) {numbers} \
             SELECT 'load' || n || '@bench.example', 'x', 'Patient ' || n, false, true, \
             CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM g"
        ),
        format!(
            "INSERT INTO memberships (user_id, clinic_id, role, created_at) \
             SELECT id, {clinic}, 'patient', CURRENT_TIMESTAMP FROM users WHERE id IN {crowd}"
        ),
        format!(
            "INSERT INTO patient_profiles (user_id, phone, time_zone, preferred_language, \
             email_reminders, sms_reminders, quiet_hours_start, quiet_hours_end, created_at, \
             updated_at) \
             SELECT id, '+1555' || (1000000 + id), 'UTC', 'en', true, true, '00:00', '00:00', \
             CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM users WHERE id IN {crowd}"
        ),
        format!(
            "INSERT INTO care_items (clinic_id, patient_id, protocol_id, due_on, due_soon_from, \
             status, updated_at) \
             SELECT {clinic}, id, {protocol}, '{due}', '{soon}', 'overdue', CURRENT_TIMESTAMP \
             FROM users WHERE id IN {crowd}"
        ),
        format!(
            "INSERT INTO clinic_reminder_settings (clinic_id, email_enabled, sms_enabled, \
             quiet_hours_start, quiet_hours_end, sender_name, due_soon_days, sms_daily_cap, \
             updated_at) VALUES ({clinic}, true, true, '00:00', '00:00', 'Large clinic', 14, \
             100000, CURRENT_TIMESTAMP)"
        ),
        // A plan whose monthly allowance and patient limit are above the run.
        "INSERT INTO plans (code, name, provider_seats, patient_limit, sms_per_month, \
         sms_reminders, created_at) VALUES ('bench', 'Bench', 10, 100000, 100000, true, \
         CURRENT_TIMESTAMP)"
            .to_owned(),
        // As platform work: a trigger keeps the plan to it on PostgreSQL.
        if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            format!(
                "BEGIN; SELECT set_config('app.role', 'platform', true); \
                 UPDATE clinics SET plan = 'bench' WHERE id = {clinic}; COMMIT"
            )
        } else {
            format!("UPDATE clinics SET plan = 'bench' WHERE id = {clinic}")
        },
    ];
    for sql in statements {
        db.execute_unprepared(&sql).await.unwrap();
    }
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        db.execute_unprepared("ANALYZE").await.unwrap();
    }
}

async fn run(backend: &str, workers: usize) {
    let bench = support::start(backend, |_| {}).await;
    let clinic = support::patients::large_clinic(&bench.owner).await;
    let seeding = Instant::now();
    crowd(&bench, clinic).await;
    println!(
        "{backend}, {workers} worker(s): {PATIENTS} patients seeded in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    let smtp = smtp::SmtpServer::start().await;
    let gateway = sms_gateway::SmsGateway::start().await;

    let (stop, stopping) = tokio::sync::watch::channel(false);
    let started: DateTime<Utc> = Utc::now();
    let clock = Instant::now();
    let running: Vec<_> = (0..workers)
        .map(|_| {
            let mut state = bench.state.clone();
            state.mailer = Arc::new(SmtpMailer::new(&smtp.url(), "bench@salus.example").unwrap());
            state.sms = Some(Arc::new(
                HttpSmsGateway::new(&gateway.url(), "AC_TEST", "token", "+15550100000").unwrap(),
            ));
            tokio::spawn(worker::run(state, stopping.clone()))
        })
        .collect();
    let expected = 2 * PATIENTS as u64;
    let of_clinic = || {
        reminders::Entity::find()
            .filter(reminders::Column::ClinicId.eq(clinic))
            .filter(reminders::Column::Status.eq(DeliveryStatus::Sent))
    };
    loop {
        let sent = of_clinic().count(&bench.owner).await.unwrap();
        if sent >= expected {
            break;
        }
        assert!(
            clock.elapsed() < Duration::from_secs(1800),
            "{sent} of {expected} sent after 30 minutes"
        );
        // Counting is work for the database too: four times a second is precise enough.
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let elapsed = clock.elapsed();
    let _ = stop.send(true);
    for r in running {
        r.await.unwrap();
    }

    let mut waits: Vec<Duration> = of_clinic()
        .select_only()
        .column(reminders::Column::SentAt)
        .into_tuple::<Option<DateTime<Utc>>>()
        .all(&bench.owner)
        .await
        .unwrap()
        .into_iter()
        .flatten()
        .map(|at| (at - started).to_std().unwrap_or_default())
        .collect();
    waits.sort();
    let texts = gateway.received().len();
    let emails = smtp.received_count();
    println!(
        "{backend}, {workers} worker(s): {expected} reminders ({emails} emails, {texts} texts) in \
         {:.1} s = {:.0} messages/s; due to sent p50 {:.1} s, p95 {:.1} s",
        elapsed.as_secs_f64(),
        expected as f64 / elapsed.as_secs_f64(),
        support::percentile(&waits, 0.5).as_secs_f64(),
        support::percentile(&waits, 0.95).as_secs_f64(),
    );
    assert!(emails as u64 >= PATIENTS as u64 && texts >= PATIENTS);
    bench.finish().await;
}

fn main() {
    let runs = std::env::var("SALUS_BENCH_REMINDERS")
        .unwrap_or_else(|_| "postgres:1,postgres:3,sqlite:1".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    for run_spec in runs.split(',').map(str::trim).filter(|r| !r.is_empty()) {
        let (backend, workers) = run_spec.split_once(':').unwrap_or((run_spec, "1"));
        let workers: usize = workers.parse().expect("postgres:3, say");
        rt.block_on(run(backend, workers));
    }
}
