//! The crash test: 10,000 due reminders, three `salus worker` processes on one PostgreSQL, one
//! of them killed with SIGKILL mid-run and started again. Every reminder reaches the SMTP server
//! on loopback and none is lost; a duplicate can only be a message that was in flight in the
//! killed process, sent and not yet recorded (at most `SENDING_AT_ONCE + SETTLED_TOGETHER`),
//! and the test counts and prints them.
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use salus_app::model::reminders::DeliveryStatus;
use salus_app::server::mail::SENDING_AT_ONCE;
use salus_app::server::reminders::deliver::SETTLED_TOGETHER;
use sea_orm::{ConnectionTrait, Statement};

use crate::helpers::*;
use crate::smtp::SmtpServer;

const PATIENTS: usize = 10_000;
/// Short, so that the killed worker's claims are taken over within the test.
const LEASE_SECONDS: &str = "15";

/// Adds `PATIENTS` patients to Sunrise, each with a confirmed address, email reminders on, no
/// quiet hours (the workers run on the real clock) and one overdue care item.
async fn crowd(app: &TestApp, clinic: i64) {
    let protocol = scalar(
        app,
        &format!("SELECT MIN(id) FROM care_protocols WHERE clinic_id = {clinic}"),
    )
    .await;
    let statements = [
        format!(
            "INSERT INTO users (email, password_hash, display_name, is_super_admin, is_active, \
             email_verified_at, created_at, updated_at) \
             SELECT 'crash' || g || '@example.org', 'x', 'Patient ' || g, false, true, \
             now(), now(), now() FROM generate_series(1, {PATIENTS}) g"
        ),
        format!(
            "INSERT INTO memberships (user_id, clinic_id, role, created_at) \
             SELECT id, {clinic}, 'patient', now() FROM users WHERE email LIKE 'crash%'"
        ),
        "INSERT INTO patient_profiles (user_id, time_zone, preferred_language, email_reminders, \
         sms_reminders, quiet_hours_start, quiet_hours_end, created_at, updated_at) \
         SELECT id, 'UTC', 'en', true, false, '00:00', '00:00', now(), now() \
         FROM users WHERE email LIKE 'crash%'"
            .to_owned(),
        format!(
            "INSERT INTO care_items (clinic_id, patient_id, protocol_id, due_on, due_soon_from, \
             status, updated_at) \
             SELECT {clinic}, id, {protocol}, CURRENT_DATE - 30, CURRENT_DATE - 60, 'overdue', \
             now() FROM users WHERE email LIKE 'crash%'"
        ),
        // The clinic keeps no quiet hours either.
        format!(
            "INSERT INTO clinic_reminder_settings (clinic_id, email_enabled, sms_enabled, \
             quiet_hours_start, quiet_hours_end, sender_name, due_soon_days, sms_daily_cap, \
             updated_at) VALUES ({clinic}, true, false, '00:00', '00:00', 'Sunrise', 14, 200, now())"
        ),
    ];
    for sql in statements {
        as_platform(app, &sql).await;
    }
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT ({sql})::bigint AS n"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

fn worker(app: &TestApp, smtp: &SmtpServer) -> Child {
    Command::new(env!("CARGO_BIN_EXE_salus"))
        .arg("worker")
        .current_dir(app.dir())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", app.database_url())
        .env("SALUS_MIGRATION_DATABASE_URL", app.owner_database_url())
        .env("SALUS_MAIL_TRANSPORT", "smtp")
        .env("SALUS_SMTP_URL", smtp.url())
        .env("SALUS_MAIL_FROM", "Salus <no-reply@salus.test>")
        .env("SALUS_PUBLIC_URL", app.origin())
        .env("SALUS_AUDIT_KEY_FILE", app.dir().join("audit.key"))
        .env("SALUS_SECRET_KEYS_FILE", app.dir().join("secret-keys.json"))
        .env("SALUS_REMINDER_LEASE_SECONDS", LEASE_SECONDS)
        .env("SALUS_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the salus binary")
}

async fn wait_for(what: &str, limit: Duration, mut done: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !done().await {
        assert!(start.elapsed() < limit, "{what} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_one_killed_lose_nothing_and_duplicate_only_what_was_in_flight() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let clinic = sunrise(&app).await;
    crowd(&app, clinic).await;
    let smtp = SmtpServer::start().await;
    let started = Instant::now();
    let mut workers: Vec<Child> = (0..3).map(|_| worker(&app, &smtp)).collect();

    // Mid-run: a third of the crowd has been reminded.
    wait_for("a third sent", Duration::from_secs(300), async || {
        smtp.received_count() >= PATIENTS / 3
    })
    .await;
    workers[0].kill().expect("SIGKILL");
    workers[0].wait().unwrap();
    let at_kill = smtp.received_count();
    workers[0] = worker(&app, &smtp);

    // The crowd's reminders (the demo patients' may wait out New York's night).
    let crowd_rows = "FROM reminders WHERE patient_id IN \
                      (SELECT id FROM users WHERE email LIKE 'crash%')";
    let owed = scalar(&app, &format!("SELECT COUNT(*) {crowd_rows}")).await;
    assert_eq!(owed, PATIENTS as i64, "one reminder planned per patient");
    wait_for(
        "every reminder sent",
        Duration::from_secs(600),
        async || {
            scalar(
                &app,
                &format!(
                    "SELECT COUNT(*) {crowd_rows} AND status <> '{}'",
                    DeliveryStatus::Sent.as_str()
                ),
            )
            .await
                == 0
        },
    )
    .await;
    let elapsed = started.elapsed();
    for mut w in workers {
        w.kill().unwrap();
        w.wait().unwrap();
    }

    let recipients = smtp.recipients();
    let crowd_reached = recipients
        .keys()
        .filter(|to| to.starts_with("crash"))
        .count();
    assert_eq!(crowd_reached, PATIENTS, "every patient reached");
    let total: usize = recipients
        .iter()
        .filter(|(to, _)| to.starts_with("crash"))
        .map(|(_, n)| n)
        .sum();
    let duplicates = total - crowd_reached;
    println!(
        "crash test: {total} messages for {crowd_reached} patients in {:.1} s, one worker \
         killed after {at_kill}; {duplicates} duplicate(s)",
        elapsed.as_secs_f64()
    );
    assert!(
        duplicates <= SENDING_AT_ONCE + SETTLED_TOGETHER,
        "{duplicates} duplicates: more than the killed worker had sent and not recorded"
    );
}
