//! Benchmarks of the clinic admin's two large jobs, through their services as the portal runs
//! them (on PostgreSQL as the application role, under row-level security):
//!
//!     cargo bench -p salus-server --bench clinic_admin                 # SQLite and PostgreSQL
//!     SALUS_BENCH_DATABASES=postgres cargo bench -p salus-server --bench clinic_admin
//!
//! - importing a CSV file of 10,000 new patients (checked, then enrolled in one transaction with
//!   their profiles, goals, care items, compliance, invitations and audit events), and importing
//!   the same file again (every row already enrolled);
//! - re-applying one protocol change (a new interval) to a clinic of 100,000 patients as the
//!   background job does: dates moved set-based, then batches of 500 patients, each committed
//!   with its progress.
mod support;

use std::time::Instant;

use chrono::Utc;
use salus_app::server::care::resync_job;
use salus_app::server::db_context::{self, DbContext};
use salus_app::server::entities::{care_items, care_protocols, clinics, memberships};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, PaginatorTrait,
    QueryFilter,
};

const IMPORT_PATIENTS: usize = 10_000;
const RESYNC_PATIENTS: usize = 100_000;

fn csv_of(n: usize) -> String {
    let mut csv = String::from("name,email,date_of_birth,sex,phone\n");
    for i in 0..n {
        csv.push_str(&format!(
            "Imported Patient {i:05},imported{i}@bench.example,{}-{:02}-{:02},{},+1 555 01{:05}\n",
            1940 + i % 60,
            1 + i % 12,
            1 + i % 28,
            if i % 2 == 0 { "female" } else { "male" },
            i
        ));
    }
    csv
}

async fn run(backend: &str) {
    println!("{backend}:");
    let bench = support::start(backend, |_| {}).await;
    let (state, db) = (bench.state.clone(), bench.owner.clone());
    let clinic = clinics::Entity::find().one(&db).await.unwrap().unwrap().id;
    let csv = csv_of(IMPORT_PATIENTS);
    println!(
        "  a CSV file of {IMPORT_PATIENTS} patients, {} KB",
        csv.len() / 1024
    );
    // Through the real router, as the page's form posts it.
    let addr = bench.serve().await;
    let base = format!("http://{addr}");
    let cookie = support::session_cookie(addr, "maria.lopez@example.com").await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for attempt in ["first import", "same file again"] {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(csv.clone().into_bytes())
                .file_name("patients.csv")
                .mime_str("text/csv")
                .unwrap(),
        );
        let started = Instant::now();
        let response = client
            .post(format!("{base}/clinic/patients/enrol/import"))
            .header("origin", &base)
            .header(reqwest::header::COOKIE, &cookie)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let elapsed = started.elapsed();
        assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
        let enrolled = memberships::Entity::find()
            .filter(memberships::Column::ClinicId.eq(clinic))
            .filter(memberships::Column::Role.eq("patient"))
            .count(&db)
            .await
            .unwrap();
        println!(
            "  import, {attempt:<16} {:>7.2} s   ({enrolled} patients enrolled after it)",
            elapsed.as_secs_f64(),
        );
    }

    let big = support::patients::large_clinic(&db).await;
    let started = Instant::now();
    let patients = support::patients::add(&db, big, None, RESYNC_PATIENTS, false, "big").await;
    // Half the items were completed a year before they fall due, so the change moves dates.
    let completed = match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            "UPDATE care_items SET last_completed_on = due_on - INTERVAL '1 year' WHERE id % 2 = 0"
        }
        _ => "UPDATE care_items SET last_completed_on = date(due_on, '-1 year') WHERE id % 2 = 0",
    };
    db.execute_unprepared(completed).await.unwrap();
    db.execute_unprepared("ANALYZE").await.unwrap();
    println!(
        "  set-up: {} patients in a second clinic, in {:.1} s",
        patients.len(),
        started.elapsed().as_secs_f64()
    );
    let protocol = care_protocols::Entity::find()
        .filter(care_protocols::Column::ClinicId.eq(big))
        .filter(care_protocols::Column::TemplateKey.eq("annual-blood-test"))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let before = care_items::Entity::find_by_id(
        care_items::Entity::find()
            .filter(care_items::Column::ProtocolId.eq(protocol.id))
            .filter(care_items::Column::LastCompletedOn.is_not_null())
            .one(&db)
            .await
            .unwrap()
            .unwrap()
            .id,
    )
    .one(&db)
    .await
    .unwrap()
    .unwrap();

    // The change and its job, as the admin's request commits them.
    let txn = db_context::begin(&state.db, DbContext::ClinicTask(big))
        .await
        .unwrap();
    let changed = care_protocols::Entity::update(care_protocols::ActiveModel {
        id: Set(protocol.id),
        interval_months: Set(6),
        ..Default::default()
    })
    .exec(&txn)
    .await
    .unwrap();
    let (job, total) = resync_job::queue(&txn, &changed, Utc::now()).await.unwrap();
    txn.commit().await.unwrap();
    let started = Instant::now();
    resync_job::run(&state.db, &state.clock, job, big).await;
    let elapsed = started.elapsed();
    let after = care_items::Entity::find_by_id(before.id)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(before.due_on, after.due_on, "the change moved the due date");
    println!(
        "  re-apply one protocol change to {total} patients: {:.2} s ({:.0} patients/s, in {} batches)",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        total.div_ceil(salus_app::server::care::reapply::BATCH)
    );
    bench.finish().await;
}

fn main() {
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
