//! The clinic's preventive-care protocols: a change moves patients' due dates and labels, is
//! audited with before and after, and is re-applied in the background with progress in a clinic
//! too large to wait for. Another clinic's patients, including one enrolled in both, keep theirs.
use std::time::Duration;

use reqwest::StatusCode;
use salus_app::model::clinic::{ClinicProtocol, ClinicProtocols, ResyncState};
use salus_app::server::entities::{care_items, care_protocols, patient_compliance};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use salus_app::model::{CareStatus, ComplianceLabel};

use crate::helpers::*;

async fn admin(app: &TestApp, email: &str) -> reqwest::Client {
    let c = client();
    app.sign_in_with(&c, email, DEMO_PASSWORD).await;
    c
}

pub async fn protocols(app: &TestApp, admin: &reqwest::Client) -> ClinicProtocols {
    ok_json(app.post_with(admin, "/api/clinic/protocols", &[]).await).await
}

async fn protocol(app: &TestApp, admin: &reqwest::Client, name: &str) -> ClinicProtocol {
    protocols(app, admin)
        .await
        .protocols
        .into_iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no protocol {name}"))
}

/// The id of the admin's clinic's protocol called `name`.
pub async fn protocol_id(app: &TestApp, admin: &reqwest::Client, name: &str) -> i64 {
    protocol(app, admin, name).await.id
}

/// The protocol's form with `changes` made to its current values.
fn form_of(p: &ClinicProtocol, changes: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let number = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    let mut form = vec![
        ("id", p.id.to_string()),
        ("name", p.name.clone()),
        ("description", p.description.clone()),
        ("min_age_years", number(p.min_age_years)),
        ("max_age_years", number(p.max_age_years)),
        (
            "sex",
            p.sex.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        ),
        ("interval_months", p.interval_months.to_string()),
        ("due_soon_days", p.due_soon_days.to_string()),
    ];
    for (field, value) in changes {
        form.iter_mut().find(|(f, _)| f == field).unwrap().1 = (*value).to_owned();
    }
    form
}

async fn save(
    app: &TestApp,
    admin: &reqwest::Client,
    p: &ClinicProtocol,
    changes: &[(&'static str, &str)],
) -> reqwest::Response {
    let form = form_of(p, changes);
    let form: Vec<(&str, &str)> = form.iter().map(|(f, v)| (*f, v.as_str())).collect();
    app.post_with(admin, "/api/clinic/protocols/save", &form)
        .await
}

/// The patient's item of the clinic's protocol called `name`, if they have one.
async fn item(app: &TestApp, clinic: i64, email: &str, name: &str) -> Option<care_items::Model> {
    let patient = user_id(app, email).await;
    let protocol = care_protocols::Entity::find()
        .filter(care_protocols::Column::ClinicId.eq(clinic))
        .filter(care_protocols::Column::Name.eq(name))
        .one(&app.db)
        .await
        .unwrap()?;
    care_items::Entity::find()
        .filter(care_items::Column::ProtocolId.eq(protocol.id))
        .filter(care_items::Column::PatientId.eq(patient))
        .one(&app.db)
        .await
        .unwrap()
}

async fn label(app: &TestApp, clinic: i64, email: &str) -> ComplianceLabel {
    let patient = user_id(app, email).await;
    patient_compliance::Entity::find()
        .filter(patient_compliance::Column::ClinicId.eq(clinic))
        .filter(patient_compliance::Column::PatientId.eq(patient))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .label
}

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

async fn an_interval_change_moves_due_dates_and_labels(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sunrise = sunrise(&app).await;
    let harbour = second_clinic(&app, DAVID).await;
    let maria = admin(&app, CLINIC_ADMIN).await;
    // David's annual blood test was last done on 14 Dec 2025: due 14 Dec 2026, "due soon".
    let before = item(&app, sunrise, DAVID, "Annual blood test")
        .await
        .unwrap();
    assert_eq!(before.last_completed_on, Some(day("2025-12-14")));
    assert_eq!(before.due_on, day("2026-12-14"));
    assert_eq!(label(&app, sunrise, DAVID).await, ComplianceLabel::DueSoon);
    let harbour_before = item(&app, harbour.id, DAVID, "Annual blood test").await;

    let blood_test = protocol(&app, &maria, "Annual blood test").await;
    assert_eq!(
        (blood_test.interval_months, blood_test.due_soon_days),
        (12, 30)
    );
    let () = ok_json(
        save(
            &app,
            &maria,
            &blood_test,
            &[("interval_months", "6"), ("due_soon_days", "14")],
        )
        .await,
    )
    .await;

    // Six months after the last test: 14 Jun 2026, more than 30 days ago, so overdue.
    let after = item(&app, sunrise, DAVID, "Annual blood test")
        .await
        .unwrap();
    assert_eq!(after.due_on, day("2026-06-14"));
    assert_eq!(after.due_soon_from, day("2026-05-31"));
    assert_eq!(after.status, CareStatus::Overdue);
    assert_eq!(
        label(&app, sunrise, DAVID).await,
        ComplianceLabel::MissedCheckup
    );
    // What David and his provider read follows.
    let david = admin(&app, DAVID).await;
    let dashboard: salus_app::model::patient::PatientDashboard =
        ok_json(app.post_with(&david, "/api/patient/dashboard", &[]).await).await;
    let shown = dashboard
        .reminders
        .iter()
        .find(|r| r.name == "Annual blood test")
        .unwrap();
    assert_eq!(shown.due_on, day("2026-06-14"));
    // Harbour's copy of the protocol, and David's item under it, are Harbour's.
    assert_eq!(
        item(&app, harbour.id, DAVID, "Annual blood test").await,
        harbour_before
    );

    let audited = last_resource(&app, "protocol.changed").await;
    assert!(
        audited.contains("interval_months: \"12\" -> \"6\"")
            && audited.contains("due_soon_days: \"30\" -> \"14\""),
        "{audited}"
    );
    assert!(!audited.contains("name:"), "only what changed: {audited}");
    let list = protocols(&app, &maria).await;
    let resync = &list.resyncs[0];
    assert_eq!(resync.protocol, "Annual blood test");
    assert_eq!(resync.state, ResyncState::Done);
    assert_eq!((resync.done, resync.total), (3, 3));

    // Saving it unchanged changes nothing and queues nothing.
    let unchanged = protocol(&app, &maria, "Annual blood test").await;
    let () = ok_json(save(&app, &maria, &unchanged, &[]).await).await;
    assert_eq!(protocols(&app, &maria).await.resyncs.len(), 1);
}

async fn age_range_sex_and_deactivation_decide_who_it_applies_to(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sunrise = sunrise(&app).await;
    let maria = admin(&app, CLINIC_ADMIN).await;
    let blood_test = protocol(&app, &maria, "Annual blood test").await;
    // David is 46: a lower limit of 50 takes the test off his list, with its history kept.
    let () = ok_json(save(&app, &maria, &blood_test, &[("min_age_years", "50")]).await).await;
    let item_now = item(&app, sunrise, DAVID, "Annual blood test")
        .await
        .unwrap();
    assert_eq!(item_now.status, CareStatus::NotApplicable);
    assert_eq!(item_now.last_completed_on, Some(day("2025-12-14")));
    assert_ne!(label(&app, sunrise, DAVID).await, ComplianceLabel::DueSoon);
    // Back to 18: it applies again with the status its dates give.
    let () = ok_json(save(&app, &maria, &blood_test, &[("min_age_years", "18")]).await).await;
    assert_eq!(
        item(&app, sunrise, DAVID, "Annual blood test")
            .await
            .unwrap()
            .status,
        CareStatus::DueSoon
    );
    assert_eq!(label(&app, sunrise, DAVID).await, ComplianceLabel::DueSoon);
    // Female patients only: Emma keeps hers, David's no longer applies.
    let () = ok_json(save(&app, &maria, &blood_test, &[("sex", "female")]).await).await;
    assert_eq!(
        item(&app, sunrise, DAVID, "Annual blood test")
            .await
            .unwrap()
            .status,
        CareStatus::NotApplicable
    );
    assert_ne!(
        item(&app, sunrise, "emma@example.com", "Annual blood test")
            .await
            .unwrap()
            .status,
        CareStatus::NotApplicable
    );
    let () = ok_json(save(&app, &maria, &blood_test, &[("sex", "")]).await).await;

    // Deactivated, it applies to no one; reactivated, as before.
    let toggle = |active: &'static str| {
        let id = blood_test.id.to_string();
        let (app, maria) = (&app, &maria);
        async move {
            let () = ok_json(
                app.post_with(
                    maria,
                    "/api/clinic/protocols/active",
                    &[("id", &id), ("active", active)],
                )
                .await,
            )
            .await;
        }
    };
    toggle("false").await;
    assert!(!protocol(&app, &maria, "Annual blood test").await.active);
    for email in [DAVID, "emma@example.com"] {
        assert_eq!(
            item(&app, sunrise, email, "Annual blood test")
                .await
                .unwrap()
                .status,
            CareStatus::NotApplicable,
            "{email}"
        );
    }
    assert_eq!(
        last_resource(&app, "protocol.deactivated").await,
        format!("protocol {}", blood_test.id)
    );
    toggle("true").await;
    assert_eq!(
        item(&app, sunrise, DAVID, "Annual blood test")
            .await
            .unwrap()
            .status,
        CareStatus::DueSoon
    );
}

async fn a_custom_protocol_applies_to_the_patients_it_fits(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sunrise = sunrise(&app).await;
    let maria = admin(&app, CLINIC_ADMIN).await;
    let eye_exam = [
        ("name", "Eye exam"),
        ("description", "A check of vision and eye health."),
        ("min_age_years", "40"),
        ("max_age_years", ""),
        ("sex", ""),
        ("interval_months", "24"),
        ("due_soon_days", "30"),
    ];
    let () = ok_json(
        app.post_with(&maria, "/api/clinic/protocols/add", &eye_exam)
            .await,
    )
    .await;
    let added = protocol(&app, &maria, "Eye exam").await;
    assert!(added.custom && added.active);
    // David (46) has it, due today in New York; Emma (34) does not.
    let david = item(&app, sunrise, DAVID, "Eye exam").await.unwrap();
    assert_eq!(
        (david.due_on, david.status.as_str()),
        (day("2026-11-23"), "due")
    );
    assert!(item(&app, sunrise, "emma@example.com", "Eye exam")
        .await
        .is_none());
    assert!(last_resource(&app, "protocol.added")
        .await
        .contains("name: \"\" -> \"Eye exam\""));

    for (field, value, message) in [
        (
            "name",
            "eye EXAM",
            "Your clinic has a protocol of that name already.",
        ),
        ("name", " ", "Enter the protocol's name."),
        (
            "interval_months",
            "0",
            "Enter a number of months from 1 to 240.",
        ),
        (
            "interval_months",
            "twelve",
            "Enter a number of months from 1 to 240.",
        ),
        (
            "due_soon_days",
            "-1",
            "Enter a number of days from 0 to 365.",
        ),
        (
            "due_soon_days",
            "365",
            "The \"due soon\" window must be shorter than the interval.",
        ),
        (
            "min_age_years",
            "121",
            "Enter an age in years from 0 to 120, or leave it empty.",
        ),
        ("sex", "other", "Choose everyone, female or male."),
    ] {
        let mut form = eye_exam.to_vec();
        form.iter_mut().find(|(f, _)| *f == field).unwrap().1 = value;
        if field == "due_soon_days" && value == "365" {
            form.iter_mut()
                .find(|(f, _)| *f == "interval_months")
                .unwrap()
                .1 = "6";
        }
        if field != "name" {
            form.iter_mut().find(|(f, _)| *f == "name").unwrap().1 = "Hearing test";
        }
        let (status, error) = err_json(
            app.post_with(&maria, "/api/clinic/protocols/add", &form)
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={value}");
        assert_eq!(error.field_messages(field), [message], "{field}={value}");
    }
    let mut reversed = eye_exam.to_vec();
    reversed[0].1 = "Hearing test";
    reversed[2].1 = "70";
    reversed[3].1 = "60";
    let (_, error) = err_json(
        app.post_with(&maria, "/api/clinic/protocols/add", &reversed)
            .await,
    )
    .await;
    assert_eq!(
        error.field_messages("max_age_years"),
        ["The oldest age must be at least the youngest."]
    );
    assert_eq!(
        protocols(&app, &maria).await.protocols.len(),
        8,
        "nothing else added"
    );
}

/// Waits, on the real clock, for the clinic's latest re-application to finish.
async fn finished(app: &TestApp, admin: &reqwest::Client) -> ClinicProtocols {
    for _ in 0..300 {
        let list = protocols(app, admin).await;
        if !list.running() {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the re-application did not finish");
}

async fn a_large_clinic_reapplies_in_the_background(backend: Backend) {
    // Every clinic counts as large here: no request waits for its re-application.
    let app = TestApp::spawn_with(backend, |s| s.resync_wait_patients = 0).await;
    let sunrise = sunrise(&app).await;
    let maria = admin(&app, CLINIC_ADMIN).await;
    let blood_test = protocol(&app, &maria, "Annual blood test").await;
    let () = ok_json(save(&app, &maria, &blood_test, &[("interval_months", "9")]).await).await;
    let () = ok_json(save(&app, &maria, &blood_test, &[("interval_months", "6")]).await).await;
    let list = finished(&app, &maria).await;
    assert_eq!(list.resyncs.len(), 2);
    assert_eq!(list.resyncs[0].state, ResyncState::Done);
    assert_eq!((list.resyncs[0].done, list.resyncs[0].total), (3, 3));
    assert!(
        matches!(
            list.resyncs[1].state,
            ResyncState::Superseded | ResyncState::Done
        ),
        "{:?}",
        list.resyncs[1]
    );
    // The later change is what the items follow.
    let after = item(&app, sunrise, DAVID, "Annual blood test")
        .await
        .unwrap();
    assert_eq!(after.due_on, day("2026-06-14"));
    assert_eq!(
        label(&app, sunrise, DAVID).await,
        ComplianceLabel::MissedCheckup
    );
}

async fn a_job_left_running_resumes_where_it_stopped(backend: Backend) {
    use salus_app::server::care::resync_job;
    use salus_app::server::entities::protocol_resyncs;
    use sea_orm::{ActiveValue::Set, EntityTrait};
    let app = TestApp::spawn(backend).await;
    let sunrise = sunrise(&app).await;
    let maria = admin(&app, CLINIC_ADMIN).await;
    let blood_test = protocol(&app, &maria, "Annual blood test").await;
    // The change committed, then the server stopped before re-applying it.
    as_platform(
        &app,
        &format!(
            "UPDATE care_protocols SET interval_months = 6 WHERE id = {}",
            blood_test.id
        ),
    )
    .await;
    protocol_resyncs::Entity::insert(protocol_resyncs::ActiveModel {
        clinic_id: Set(sunrise),
        protocol_id: Set(blood_test.id),
        state: Set(ResyncState::Running),
        patients_total: Set(3),
        patients_done: Set(0),
        after_patient: Set(0),
        problem: Set(None),
        requested_at: Set(app.clock.now()),
        finished_at: Set(None),
        ..Default::default()
    })
    .exec(&app.db)
    .await
    .unwrap();
    let clock = salus_app::server::state::Clock::manual(app.clock.now());
    let resumed = resync_job::resume_unfinished(&app.app_db, &app.audit_key, &clock)
        .await
        .unwrap();
    assert_eq!(resumed, 1);
    let list = finished(&app, &maria).await;
    assert_eq!(list.resyncs[0].state, ResyncState::Done);
    assert_eq!(
        item(&app, sunrise, DAVID, "Annual blood test")
            .await
            .unwrap()
            .due_on,
        day("2026-06-14")
    );
}

async fn each_admin_reaches_only_their_own_clinics_protocols(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let harbour = second_clinic(&app, DAVID).await;
    clinic_admin_of(&app, harbour.id, SECOND_ADMIN).await;
    let maria = admin(&app, CLINIC_ADMIN).await;
    let nadia = admin(&app, SECOND_ADMIN).await;
    let sunrise_test = protocol(&app, &maria, "Annual blood test").await;
    let harbour_test = protocol(&app, &nadia, "Annual blood test").await;
    assert_ne!(sunrise_test.id, harbour_test.id);
    let (status, _) =
        err_json(save(&app, &nadia, &sunrise_test, &[("interval_months", "1")]).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let () = ok_json(save(&app, &nadia, &harbour_test, &[("interval_months", "24")]).await).await;
    // David, a patient of both, has Harbour's change in Harbour only.
    assert_eq!(
        protocol(&app, &maria, "Annual blood test")
            .await
            .interval_months,
        12
    );
    assert_eq!(
        item(&app, sunrise(&app).await, DAVID, "Annual blood test")
            .await
            .unwrap()
            .due_on,
        day("2026-12-14")
    );
    assert!(protocols(&app, &maria).await.resyncs.is_empty());
}

crate::on_both_databases!(
    an_interval_change_moves_due_dates_and_labels,
    age_range_sex_and_deactivation_decide_who_it_applies_to,
    a_custom_protocol_applies_to_the_patients_it_fits,
    a_large_clinic_reapplies_in_the_background,
    a_job_left_running_resumes_where_it_stopped,
    each_admin_reaches_only_their_own_clinics_protocols
);
