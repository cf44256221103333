//! The provider's compliance list, patient detail and recorded completions, with the access
//! rules and audit events around them.
use chrono::Months;
use reqwest::StatusCode;
use salus_app::error::AppError;
use salus_app::model::patient::PatientDashboard;
use salus_app::model::provider::{CareItemView, CompliancePage, PatientDetail};
use salus_app::model::{CareStatus, ComplianceLabel, Role};
use salus_app::server::entities::{audit_events, memberships, provider_assignments, users};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::helpers::*;

async fn list(
    app: &TestApp,
    client: &reqwest::Client,
    query: &[(&str, &str)],
) -> reqwest::Response {
    app.post_with(client, "/api/provider/patients", query).await
}

fn names(page: &CompliancePage) -> Vec<&str> {
    page.rows.iter().map(|r| r.name.as_str()).collect()
}

async fn compliance_list_labels_sorts_filters_and_searches(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.sign_in(PROVIDER, DEMO_PASSWORD).await;
    let page: CompliancePage = ok_json(list(&app, &app.client, &[]).await).await;
    assert_eq!(page.total, 3);
    assert_eq!(
        names(&page),
        ["Noah Patel", "David Miller", "Emma Wilson"],
        "most urgent first"
    );
    let labels: Vec<_> = page.rows.iter().map(|r| r.label).collect();
    assert_eq!(
        labels,
        [
            Some(ComplianceLabel::MissedCheckup),
            Some(ComplianceLabel::DueSoon),
            Some(ComplianceLabel::GoalsMissed)
        ]
    );
    assert!(
        page.rows[0]
            .reason
            .starts_with("Seasonal flu vaccination overdue since"),
        "{}",
        page.rows[0].reason
    );
    assert!(
        page.rows[1].reason.starts_with("Annual blood test due"),
        "{}",
        page.rows[1].reason
    );
    assert_eq!(page.rows[2].reason, "All goals met on 4 of the last 7 days");

    let by_name: CompliancePage = ok_json(list(&app, &app.client, &[("sort", "name")]).await).await;
    assert_eq!(
        names(&by_name),
        ["David Miller", "Emma Wilson", "Noah Patel"]
    );
    let due: CompliancePage =
        ok_json(list(&app, &app.client, &[("status", "due_soon")]).await).await;
    assert_eq!(names(&due), ["David Miller"]);
    let found: CompliancePage = ok_json(list(&app, &app.client, &[("search", "EMM")]).await).await;
    assert_eq!(names(&found), ["Emma Wilson"]);
    let none: CompliancePage = ok_json(list(&app, &app.client, &[("search", "%")]).await).await;
    assert_eq!(none.total, 0, "wildcards are searched for literally");

    for (field, query) in [
        ("status", [("status", "fine")]),
        ("sort", [("sort", "age")]),
        ("page", [("page", "0")]),
    ] {
        let (status, error) = err_json(list(&app, &app.client, &query).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error.field_messages(field).len(), 1, "{field}");
    }
}

async fn logging_the_missing_steps_turns_goals_missed_into_goal_met(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let emma = client();
    assert_eq!(
        app.sign_in_with(&emma, "emma@example.com", DEMO_PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    let today =
        ok_json::<PatientDashboard>(app.post_with(&emma, "/api/patient/dashboard", &[]).await)
            .await
            .today
            .to_string();
    let response = app
        .post_with(
            &emma,
            "/api/patient/log_goal",
            &[("kind", "steps"), ("date", &today), ("value", "6500")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    app.sign_in(PROVIDER, DEMO_PASSWORD).await;
    let page: CompliancePage = ok_json(list(&app, &app.client, &[("search", "emma")]).await).await;
    assert_eq!(page.rows[0].label, Some(ComplianceLabel::GoalMet));
    assert_eq!(page.rows[0].reason, "All goals met on 5 of the last 7 days");
}

async fn recording_a_completion_moves_the_due_date_and_clears_the_reminder(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let david_id = user_id(&app, DAVID).await;
    app.sign_in(PROVIDER, DEMO_PASSWORD).await;
    let detail: PatientDetail = ok_json(
        app.post(
            "/api/provider/patient",
            &[("patient_id", &david_id.to_string())],
        )
        .await,
    )
    .await;
    assert_eq!(detail.name, "David Miller");
    assert_eq!(
        detail.age,
        Some(46)
            .filter(|_| detail.today.format("%m-%d").to_string() >= "03-14".to_string())
            .or(Some(45))
    );
    assert_eq!(detail.goals.len(), 4);
    let blood = detail
        .care
        .iter()
        .find(|c| c.name == "Annual blood test")
        .unwrap()
        .clone();
    assert_eq!(blood.status, CareStatus::DueSoon);

    // The view is audited as the provider's, about David.
    let viewed = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("patient.summary.view"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(viewed.len(), 1);
    assert_eq!(viewed[0].patient_id, Some(david_id));
    assert_eq!(viewed[0].actor_user_id, Some(user_id(&app, PROVIDER).await));
    assert_eq!(viewed[0].actor_role.as_deref(), Some("provider"));

    let today = detail.today;
    let tomorrow = (today + chrono::Days::new(1)).to_string();
    let form = |date: &str| {
        vec![
            ("patient_id", david_id.to_string()),
            ("item_id", blood.item_id.to_string()),
            ("completed_on", date.to_owned()),
        ]
    };
    let (status, error) = err_json(
        app.client
            .post(app.url("/api/provider/complete_care_item"))
            .header("origin", app.origin())
            .form(&form(&tomorrow))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("completed_on"),
        ["A completion cannot be in the future."]
    );

    let done: CareItemView = ok_json(
        app.client
            .post(app.url("/api/provider/complete_care_item"))
            .header("origin", app.origin())
            .form(&form(&today.to_string()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(done.status, CareStatus::Completed);
    assert_eq!(done.last_completed_on, Some(today));
    assert_eq!(
        done.due_on,
        today.checked_add_months(Months::new(12)).unwrap()
    );
    let completions = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("care_item.complete"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(completions.len(), 1);
    assert_eq!(completions[0].patient_id, Some(david_id));

    // David's reminder is gone, and his status now follows his goals.
    let david = client();
    app.sign_in_with(&david, DAVID, DEMO_PASSWORD).await;
    let dashboard: PatientDashboard =
        ok_json(app.post_with(&david, "/api/patient/dashboard", &[]).await).await;
    assert!(dashboard.reminders.is_empty(), "{:?}", dashboard.reminders);
    let page: CompliancePage = ok_json(list(&app, &app.client, &[("search", "david")]).await).await;
    assert_eq!(page.rows[0].label, Some(ComplianceLabel::GoalsMissed));
}

async fn providers_see_only_their_assigned_patients(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(
        app.register(&client(), "Grace Hopper", "grace@example.org")
            .await
            .status(),
        StatusCode::OK
    );
    let grace = user_id(&app, "grace@example.org").await.to_string();
    let david = user_id(&app, DAVID).await.to_string();
    app.sign_in(PROVIDER, DEMO_PASSWORD).await;
    let page: CompliancePage = ok_json(list(&app, &app.client, &[]).await).await;
    assert!(
        !names(&page).contains(&"Grace Hopper"),
        "not assigned, not listed"
    );
    let (status, _) = err_json(
        app.post("/api/provider/patient", &[("patient_id", &grace)])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = err_json(
        app.post("/api/provider/patient", &[("patient_id", "999999")])
            .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a patient who does not exist looks the same"
    );
    let (status, _) = err_json(
        app.post(
            "/api/provider/complete_care_item",
            &[
                ("patient_id", &grace),
                ("item_id", "1"),
                ("completed_on", "2026-01-01"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // An item of another patient is not reachable through an assigned one.
    let (status, _) = err_json(
        app.post(
            "/api/provider/complete_care_item",
            &[
                ("patient_id", &david),
                ("item_id", "999999"),
                ("completed_on", "2026-01-01"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("patient.summary.view"))
        .all(&app.db)
        .await
        .unwrap()
        .is_empty());

    // Nobody else reaches the provider's functions.
    for email in [DAVID, CLINIC_ADMIN, SUPER_ADMIN] {
        let c = client();
        app.sign_in_with(&c, email, DEMO_PASSWORD).await;
        for (endpoint, form) in [
            ("/api/provider/patients", vec![]),
            (
                "/api/provider/patient",
                vec![("patient_id", david.as_str())],
            ),
            (
                "/api/provider/complete_care_item",
                vec![
                    ("patient_id", david.as_str()),
                    ("item_id", "1"),
                    ("completed_on", "2026-01-01"),
                ],
            ),
        ] {
            let (status, error) = err_json(app.post_with(&c, endpoint, &form).await).await;
            assert_eq!(
                (status, error),
                (StatusCode::FORBIDDEN, AppError::Forbidden),
                "{email} on {endpoint}"
            );
        }
    }
    let (status, _) = err_json(
        app.post_with(
            &client(),
            "/api/provider/patient",
            &[("patient_id", &david)],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn the_list_pages_through_thousands_of_patients(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let provider = user_id(&app, PROVIDER).await;
    let clinic = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(provider))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .clinic_id;
    let now = app.clock.now();
    for n in 0..25 {
        let user = users::Entity::insert(users::ActiveModel {
            email: Set(format!("patient{n:02}@example.org")),
            password_hash: Set("not-a-usable-hash".into()),
            display_name: Set(format!("Zed Patient {n:02}")),
            is_super_admin: Set(false),
            is_active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec(&app.db)
        .await
        .unwrap()
        .last_insert_id;
        memberships::Entity::insert(memberships::ActiveModel {
            user_id: Set(user),
            clinic_id: Set(clinic),
            role: Set(Role::Patient),
            created_at: Set(now),
            ..Default::default()
        })
        .exec(&app.db)
        .await
        .unwrap();
        provider_assignments::Entity::insert(provider_assignments::ActiveModel {
            clinic_id: Set(clinic),
            provider_id: Set(provider),
            patient_id: Set(user),
            created_at: Set(now),
            ..Default::default()
        })
        .exec(&app.db)
        .await
        .unwrap();
        // As registration does: every enrolled patient has a compliance snapshot.
        salus_app::server::care::compliance::refresh(&app.db, clinic, user, now)
            .await
            .unwrap();
    }
    app.sign_in(PROVIDER, DEMO_PASSWORD).await;
    let first: CompliancePage = ok_json(list(&app, &app.client, &[("sort", "name")]).await).await;
    assert_eq!((first.total, first.rows.len(), first.pages()), (28, 20, 2));
    let second: CompliancePage =
        ok_json(list(&app, &app.client, &[("sort", "name"), ("page", "2")]).await).await;
    assert_eq!(second.rows.len(), 8);
    assert_eq!(second.rows.last().unwrap().name, "Zed Patient 24");
    let beyond: CompliancePage = ok_json(list(&app, &app.client, &[("page", "9")]).await).await;
    assert!(beyond.rows.is_empty());
    // Each list view is one audit event, whatever the page holds.
    let views = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("patient.compliance_list.view"))
        .order_by_asc(audit_events::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(views.len(), 3);
}

/// The list shows and searches names from the compliance snapshot; a patient who changes their
/// name is listed, and found, by the new one at once.
async fn a_renamed_patient_is_listed_and_found_by_the_new_name(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let david = client();
    app.sign_in_with(&david, DAVID, DEMO_PASSWORD).await;
    let renamed = app
        .post_with(
            &david,
            "/api/patient/update_profile",
            &[
                ("name", "David Mills"),
                ("date_of_birth", "1980-03-14"),
                ("sex", "male"),
                ("phone", "+1 555 010 0199"),
                ("time_zone", "America/New_York"),
                ("email_reminders", "on"),
                ("preferred_language", "en"),
                ("quiet_hours_start", "21:00"),
                ("quiet_hours_end", "08:00"),
            ],
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);

    app.sign_in(PROVIDER, DEMO_PASSWORD).await;
    let found: CompliancePage =
        ok_json(list(&app, &app.client, &[("search", "mills")]).await).await;
    assert_eq!(names(&found), ["David Mills"]);
    let old: CompliancePage = ok_json(list(&app, &app.client, &[("search", "miller")]).await).await;
    assert_eq!(old.total, 0);
    let all: CompliancePage = ok_json(list(&app, &app.client, &[("sort", "name")]).await).await;
    assert_eq!(names(&all), ["David Mills", "Emma Wilson", "Noah Patel"]);
}

crate::on_both_databases!(
    a_renamed_patient_is_listed_and_found_by_the_new_name,
    compliance_list_labels_sorts_filters_and_searches,
    logging_the_missing_steps_turns_goals_missed_into_goal_met,
    recording_a_completion_moves_the_due_date_and_clears_the_reminder,
    providers_see_only_their_assigned_patients,
    the_list_pages_through_thousands_of_patients,
);
