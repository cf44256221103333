//! Preventive care: items created at enrollment for eligible protocols, reminders on the
//! dashboard, and the database recompute agreeing with the rules.
use chrono::{Days, Months, NaiveDate};
use reqwest::StatusCode;
use salus_app::model::patient::PatientDashboard;
use salus_app::model::{CareStatus, ComplianceLabel};
use salus_app::server::care::items::recompute_statuses;
use salus_app::server::care::rules::{self, Rule};
use salus_app::server::entities::{care_items, care_protocols, clinics};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};

use crate::helpers::*;

async fn protocol_keys_of(app: &TestApp, patient: i64) -> Vec<(String, String)> {
    let items = care_items::Entity::find()
        .filter(care_items::Column::PatientId.eq(patient))
        .all(&app.db)
        .await
        .unwrap();
    let mut keys = Vec::new();
    for item in items {
        let protocol = care_protocols::Entity::find_by_id(item.protocol_id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        keys.push((
            protocol.template_key.unwrap(),
            item.status.as_str().to_owned(),
        ));
    }
    keys.sort();
    keys
}

async fn enrollment_creates_items_for_eligible_protocols(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(
        app.register(&app.client, "Grace Hopper", "grace@example.org")
            .await
            .status(),
        StatusCode::OK
    );
    let grace = user_id(&app, "grace@example.org").await;
    // No birth date or sex yet: only the protocols that apply to everyone, due at once.
    assert_eq!(
        protocol_keys_of(&app, grace).await,
        [
            ("dental-checkup".to_string(), "due".to_string()),
            ("flu-vaccination".to_string(), "due".to_string())
        ]
    );
    // The demo patient (46, male) has every adult protocol but the cervical screening.
    let david = user_id(&app, DAVID).await;
    let keys: Vec<String> = protocol_keys_of(&app, david)
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        keys,
        [
            "annual-blood-test",
            "blood-pressure",
            "cholesterol",
            "colorectal",
            "dental-checkup",
            "flu-vaccination"
        ]
    );
}

async fn dashboard_shows_reminders_and_a_tip_in_the_patients_days(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.sign_in(DAVID, DEMO_PASSWORD).await;
    let d: PatientDashboard = ok_json(app.post("/api/patient/dashboard", &[]).await).await;
    let last_test = d.today.checked_sub_months(Months::new(12)).unwrap() + Days::new(21);
    let due = rules::add_months(last_test, 12);
    assert_eq!(d.reminders.len(), 1, "{:?}", d.reminders);
    assert_eq!(d.reminders[0].status, CareStatus::DueSoon);
    assert_eq!(
        d.reminders[0].sentence(),
        format!("Upcoming: Annual blood test on {}", due.format("%-d %b %Y"))
    );
    let tip = d.tip.expect("a tip of the day");
    assert!(!tip.text.is_empty());
}

async fn database_recompute_agrees_with_the_rules(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let david = user_id(&app, DAVID).await;
    let clinic = clinics::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let now = app.clock.now();
    let today: NaiveDate = now
        .with_timezone(&chrono_tz::America::New_York)
        .date_naive();
    let items = care_items::Entity::find()
        .filter(care_items::Column::PatientId.eq(david))
        .all(&app.db)
        .await
        .unwrap();
    // Put each item at a different distance from today, across every boundary, with a stale status.
    let offsets: [i64; 6] = [-31, -30, -1, 0, 29, 200];
    let mut expected = Vec::new();
    for (item, offset) in items.into_iter().zip(offsets) {
        let protocol = care_protocols::Entity::find_by_id(item.protocol_id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let rule = Rule::from(&protocol);
        let due_on = today
            .checked_add_signed(chrono::Duration::days(-offset))
            .unwrap();
        let completed = (offset % 2 == 0).then(|| today - Days::new(400));
        let mut active = item.clone().into_active_model();
        active.due_on = Set(due_on);
        active.due_soon_from = Set(due_on - Days::new(u64::from(rule.due_soon_days)));
        active.last_completed_on = Set(completed);
        active.status = Set(CareStatus::NotDue);
        active.update(&app.db).await.unwrap();
        expected.push((item.id, rules::status(&rule, due_on, completed, today)));
    }
    assert!(
        expected.iter().any(|(_, s)| *s == CareStatus::Overdue)
            && expected.iter().any(|(_, s)| *s == CareStatus::DueSoon)
    );
    recompute_statuses(&app.db, clinic, now).await.unwrap();
    for (id, status) in expected {
        let item = care_items::Entity::find_by_id(id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(item.status, status, "item {id} due {}", item.due_on);
    }
    // Nothing changed, nothing written.
    assert_eq!(recompute_statuses(&app.db, clinic, now).await.unwrap(), 0);
}

async fn protocol_changes_and_new_days_are_applied_to_patients(backend: Backend) {
    use salus_app::server::care::compliance::resync_clinic;
    use salus_app::server::entities::patient_compliance;
    let app = TestApp::spawn(backend).await;
    let clinic = clinics::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let david = user_id(&app, DAVID).await;
    // The clinic raises the blood test's minimum age to 50 and retires the dental check-up.
    for (key, change) in [("annual-blood-test", 0), ("dental-checkup", 1)] {
        let protocol = care_protocols::Entity::find()
            .filter(care_protocols::Column::ClinicId.eq(clinic))
            .filter(care_protocols::Column::TemplateKey.eq(key))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let mut active = protocol.into_active_model();
        if change == 0 {
            active.min_age_years = Set(Some(50));
        } else {
            active.active = Set(false);
        }
        active.update(&app.db).await.unwrap();
    }
    // A daily pass leaves patients already current for today alone…
    assert_eq!(
        resync_clinic(&app.db, clinic, app.clock.now(), true)
            .await
            .unwrap(),
        0
    );
    // …a protocol change re-applies to everyone.
    assert_eq!(
        resync_clinic(&app.db, clinic, app.clock.now(), false)
            .await
            .unwrap(),
        3
    );
    let statuses: Vec<(String, String)> = protocol_keys_of(&app, david).await;
    let status_of = |key: &str| {
        statuses
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, s)| s.clone())
            .unwrap()
    };
    assert_eq!(
        status_of("annual-blood-test"),
        "not_applicable",
        "46 is under the new minimum"
    );
    assert_eq!(
        status_of("dental-checkup"),
        "not_applicable",
        "retired protocol"
    );
    // David's only open item is gone, so his compliance now follows his goals.
    let stored = patient_compliance::Entity::find()
        .filter(patient_compliance::Column::PatientId.eq(david))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.label, ComplianceLabel::GoalsMissed);
    // On a later day the daily pass picks everyone up again.
    let tomorrow = app.clock.now() + chrono::Duration::days(1);
    assert_eq!(
        resync_clinic(&app.db, clinic, tomorrow, true)
            .await
            .unwrap(),
        3
    );
}

async fn the_daily_refresh_moves_labels_with_the_calendar(backend: Backend) {
    use salus_app::model::provider::CompliancePage;
    use salus_app::model::ComplianceLabel;
    let app = TestApp::spawn(backend).await;
    app.sign_in(PROVIDER, DEMO_PASSWORD).await;
    let david = user_id(&app, DAVID).await;
    let label = |page: CompliancePage| {
        page.rows
            .into_iter()
            .find(|r| r.patient_id == david)
            .and_then(|r| r.label)
    };
    let before: CompliancePage = ok_json(app.post("/api/provider/patients", &[]).await).await;
    assert_eq!(
        label(before),
        Some(ComplianceLabel::DueSoon),
        "blood test due soon"
    );

    // Three months on, nobody has logged in or recorded anything; the hourly task runs.
    app.clock.advance(chrono::Duration::days(90));
    let done =
        salus_app::server::care::refresh_all_clinics(&app.app_db, &app.audit_key, app.clock.now())
            .await
            .unwrap();
    assert!(done.statuses_changed > 0);
    assert_eq!(done.patients_refreshed, 3);
    app.sign_in(PROVIDER, DEMO_PASSWORD).await;
    let after: CompliancePage = ok_json(app.post("/api/provider/patients", &[]).await).await;
    assert_eq!(
        label(after),
        Some(ComplianceLabel::MissedCheckup),
        "the blood test is now overdue"
    );
    // Run again at the same moment: nothing left to change.
    let again =
        salus_app::server::care::refresh_all_clinics(&app.app_db, &app.audit_key, app.clock.now())
            .await
            .unwrap();
    assert_eq!(again.statuses_changed, 0);
}

crate::on_both_databases!(
    the_daily_refresh_moves_labels_with_the_calendar,
    enrollment_creates_items_for_eligible_protocols,
    dashboard_shows_reminders_and_a_tip_in_the_patients_days,
    database_recompute_agrees_with_the_rules,
    protocol_changes_and_new_days_are_applied_to_patients,
);

/// On SQLite a request holding the write lock past the busy timeout made a clinic's hourly
/// refresh fail, and it was skipped until the next hour. A run now names the clinics that
/// failed, and refreshing them again (as `serve` does at its next five-minute ticks, until the
/// hour is up) catches up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clinic_whose_refresh_met_a_locked_database_is_refreshed_on_the_retry() {
    use sea_orm::{ConnectOptions, ConnectionTrait, Database};
    let app = TestApp::spawn(Backend::Sqlite).await;
    let sunrise = sunrise(&app).await;
    let url = format!("sqlite://{}", app.dir().join("salus.db").display());
    let connect = |busy: std::time::Duration| {
        let mut options = ConnectOptions::new(url.clone());
        options
            .max_connections(1)
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(move |o| o.busy_timeout(busy));
        Database::connect(options)
    };
    // A request's write transaction, held open; the refresh gives up after 100 ms.
    let writer = connect(std::time::Duration::from_secs(5)).await.unwrap();
    writer.execute_unprepared("BEGIN IMMEDIATE").await.unwrap();
    let impatient = connect(std::time::Duration::from_millis(100))
        .await
        .unwrap();
    app.clock.advance(chrono::Duration::days(90));
    // The whole run fails when it cannot even list the clinics (it audits as platform work),
    // and `serve` runs it again at its next tick; a clinic that fails is named.
    assert!(salus_app::server::care::refresh_all_clinics(
        &impatient,
        &app.audit_key,
        app.clock.now()
    )
    .await
    .is_err());
    let run =
        salus_app::server::care::refresh_clinics(&impatient, &[sunrise], app.clock.now()).await;
    assert_eq!(run.failed, [sunrise]);
    assert_eq!(run.statuses_changed, 0);
    writer.execute_unprepared("COMMIT").await.unwrap();
    let retried =
        salus_app::server::care::refresh_clinics(&impatient, &run.failed, app.clock.now()).await;
    assert!(retried.failed.is_empty());
    assert!(retried.statuses_changed > 0);
    assert_eq!(retried.patients_refreshed, 3);
}
