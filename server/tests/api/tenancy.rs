//! Tenant isolation over HTTP: one patient enrolled in two clinics, each clinic's staff seeing
//! only that clinic's care items, compliance and audit trail.
use chrono::Days;
use reqwest::StatusCode;
use salus_app::model::{ComplianceLabel, CompliancePage, PatientDashboard, PatientDetail};
use salus_app::server::entities::{audit_events, care_items, users};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};

use crate::helpers::*;

async fn id_of(app: &TestApp, email: &str) -> i64 {
    users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn item_ids(app: &TestApp, clinic: i64, patient: i64) -> Vec<i64> {
    let mut ids: Vec<i64> = care_items::Entity::find()
        .filter(care_items::Column::ClinicId.eq(clinic))
        .filter(care_items::Column::PatientId.eq(patient))
        .filter(care_items::Column::Status.ne("not_applicable"))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    ids.sort_unstable();
    ids
}

fn sorted(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids
}

/// Makes every care item of `patient` in `clinic` long overdue.
async fn make_overdue(app: &TestApp, clinic: i64, patient: i64) {
    let long_ago = app.clock.now().date_naive() - Days::new(400);
    for item in care_items::Entity::find()
        .filter(care_items::Column::ClinicId.eq(clinic))
        .filter(care_items::Column::PatientId.eq(patient))
        .all(&app.db)
        .await
        .unwrap()
    {
        let mut active = item.into_active_model();
        active.due_on = Set(long_ago);
        active.due_soon_from = Set(long_ago - Days::new(30));
        active.status = Set("overdue".into());
        active.update(&app.db).await.unwrap();
    }
    salus_app::server::care::compliance::refresh(&app.db, clinic, patient, app.clock.now())
        .await
        .unwrap();
}

async fn detail(app: &TestApp, client: &reqwest::Client, patient: i64) -> PatientDetail {
    ok_json(
        app.post_with(
            client,
            "/api/provider/patient",
            &[("patient_id", &patient.to_string())],
        )
        .await,
    )
    .await
}

async fn label_of(app: &TestApp, client: &reqwest::Client, patient: i64) -> ComplianceLabel {
    let page: CompliancePage =
        ok_json(app.post_with(client, "/api/provider/patients", &[]).await).await;
    page.rows
        .into_iter()
        .find(|r| r.patient_id == patient)
        .and_then(|r| r.label)
        .expect("the patient is listed with a label")
}

async fn a_patient_in_two_clinics_has_separate_care_in_each(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let david = id_of(&app, DAVID).await;
    let sunrise = users::Entity::find()
        .filter(users::Column::Email.eq(PROVIDER))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let sunrise = salus_app::server::entities::memberships::Entity::find()
        .filter(salus_app::server::entities::memberships::Column::UserId.eq(sunrise.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .clinic_id;
    let harbour = second_clinic(&app, DAVID).await;
    // Everything David has at Harbour is long overdue; at Sunrise only the blood test is due soon.
    make_overdue(&app, harbour.id, david).await;
    let sunrise_items = item_ids(&app, sunrise, david).await;
    let harbour_items = item_ids(&app, harbour.id, david).await;
    assert!(!sunrise_items.is_empty() && !harbour_items.is_empty());

    let sarah = client();
    app.sign_in_with(&sarah, PROVIDER, DEMO_PASSWORD).await;
    let seen = detail(&app, &sarah, david).await;
    assert_eq!(
        sorted(seen.care.iter().map(|c| c.item_id).collect()),
        sunrise_items,
        "Sunrise's provider sees Sunrise's items only"
    );
    assert_eq!(
        label_of(&app, &sarah, david).await,
        ComplianceLabel::DueSoon,
        "Harbour's overdue items do not count at Sunrise"
    );

    let omar = client();
    app.sign_in_with(&omar, harbour.provider_email, DEMO_PASSWORD)
        .await;
    let seen = detail(&app, &omar, david).await;
    assert_eq!(
        sorted(seen.care.iter().map(|c| c.item_id).collect()),
        harbour_items,
        "Harbour's provider sees Harbour's items only"
    );
    assert_eq!(
        label_of(&app, &omar, david).await,
        ComplianceLabel::MissedCheckup
    );

    // David acts in Sunrise (his first clinic): his reminders are Sunrise's.
    let patient = client();
    app.sign_in_with(&patient, DAVID, DEMO_PASSWORD).await;
    let dashboard: PatientDashboard =
        ok_json(app.post_with(&patient, "/api/patient/dashboard", &[]).await).await;
    assert!(!dashboard.reminders.is_empty());
    for reminder in &dashboard.reminders {
        assert!(
            sunrise_items.contains(&reminder.item_id),
            "reminder {} is not Sunrise's",
            reminder.name
        );
    }

    // A goal log refreshes his compliance in both clinics, each from its own items.
    let today = dashboard.today.to_string();
    let logged = app
        .post_with(
            &patient,
            "/api/patient/log_goal",
            &[("kind", "water"), ("value", "3"), ("date", &today)],
        )
        .await;
    assert_eq!(
        logged.status(),
        StatusCode::OK,
        "{}",
        logged.text().await.unwrap()
    );
    assert_eq!(
        label_of(&app, &sarah, david).await,
        ComplianceLabel::DueSoon
    );
    assert_eq!(
        label_of(&app, &omar, david).await,
        ComplianceLabel::MissedCheckup
    );

    // Harbour's provider asking for a Sunrise-only patient gets the same 404 as for nobody,
    // and the attempt is audited.
    let emma = id_of(&app, "emma@example.com").await;
    let response = app
        .post_with(
            &omar,
            "/api/provider/patient",
            &[("patient_id", &emma.to_string())],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let refused = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("patient.access_refused"))
        .filter(audit_events::Column::PatientId.eq(emma))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].clinic_id, Some(harbour.id));

    // Each list showed David in its own clinic, and says so in his record.
    let appeared: Vec<Option<i64>> = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("patient.list.appeared"))
        .filter(audit_events::Column::PatientId.eq(david))
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|e| e.clinic_id)
        .collect();
    assert!(appeared.contains(&Some(sunrise)) && appeared.contains(&Some(harbour.id)));

    // Each provider's views are audited in the clinic they act in.
    let views = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("patient.summary.view"))
        .filter(audit_events::Column::PatientId.eq(david))
        .order_by_asc(audit_events::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    let clinics: Vec<Option<i64>> = views.iter().map(|v| v.clinic_id).collect();
    assert_eq!(clinics, [Some(sunrise), Some(harbour.id)]);
}

crate::on_both_databases!(a_patient_in_two_clinics_has_separate_care_in_each);
