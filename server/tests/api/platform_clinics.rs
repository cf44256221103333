//! The platform's clinics over HTTP: the list, a new clinic and its first admin, plan changes
//! and the limits plans set, suspension and reactivation, closing. Two clinics throughout
//! (Sunrise and Harbour), with David enrolled in both.
use reqwest::StatusCode;
use salus_app::model::platform::{ClinicDetail, ClinicList, ClinicStatus};
use salus_app::model::reminders::DeliveryStatus;
use salus_app::server::entities::{care_protocols, clinics, reminders};
use salus_app::server::reminders::plan;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::clinic_invitations::{invitation_token, invite};
use crate::helpers::*;

const NEW_ADMIN: &str = "ines.duarte@example.org";
const STRONG: &str = "copper kettle harbour lantern";

async fn clinics_of(app: &TestApp, admin: &reqwest::Client, form: &[(&str, &str)]) -> ClinicList {
    ok_json(app.post_with(admin, "/api/platform/clinics", form).await).await
}

pub(crate) async fn detail(app: &TestApp, admin: &reqwest::Client, id: i64) -> ClinicDetail {
    ok_json(
        app.post_with(
            admin,
            "/api/platform/clinics/one",
            &[("id", &id.to_string())],
        )
        .await,
    )
    .await
}

async fn act(
    app: &TestApp,
    admin: &reqwest::Client,
    action: &str,
    id: i64,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let id = id.to_string();
    let mut form = vec![("id", id.as_str())];
    form.extend_from_slice(extra);
    app.post_with(admin, &format!("/api/platform/clinics/{action}"), &form)
        .await
}

/// Enrols a new patient by hand, as the roster's form does.
pub(crate) async fn enrol(
    app: &TestApp,
    admin: &reqwest::Client,
    email: &str,
) -> reqwest::Response {
    app.post_with(
        admin,
        "/api/clinic/enrolment/add",
        &[
            ("name", "New Patient"),
            ("email", email),
            ("date_of_birth", "1980-01-01"),
            ("sex", ""),
            ("phone", ""),
        ],
    )
    .await
}

fn riverside() -> Vec<(&'static str, &'static str)> {
    vec![
        ("name", "Riverside Family Practice"),
        ("code", " riverside "),
        ("time_zone", "America/Chicago"),
        ("plan", "starter"),
        ("admin_email", " Ines.Duarte@Example.org "),
    ]
}

async fn the_list_shows_each_clinic_and_its_use_of_its_plan(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let harbour = second_clinic(&app, DAVID).await;
    let admin = signed_in(&app, SUPER_ADMIN).await;
    let list = clinics_of(&app, &admin, &[]).await;
    let names: Vec<&str> = list.rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["Harbour Health", "Sunrise Wellness Clinic"]);
    assert_eq!(list.total, 2);
    let sunrise = &list.rows[1];
    assert_eq!(sunrise.status, ClinicStatus::Active);
    assert_eq!(sunrise.plan, "Standard");
    assert_eq!((sunrise.seats_taken, sunrise.seats_allowed), (1, 10));
    assert_eq!(sunrise.patients, 3);
    let harbour_row = &list.rows[0];
    assert_eq!(harbour_row.id, harbour.id);
    assert_eq!(harbour_row.patients, 1, "David, enrolled in both");

    let found = clinics_of(&app, &admin, &[("search", "harb")]).await;
    assert_eq!(found.total, 1);
    assert_eq!(found.rows[0].name, "Harbour Health");
    assert_eq!(
        clinics_of(&app, &admin, &[("status", "suspended")])
            .await
            .total,
        0
    );
    assert_eq!(
        clinics_of(&app, &admin, &[("plan", "standard")])
            .await
            .total,
        2
    );
    assert_eq!(
        clinics_of(&app, &admin, &[("plan", "starter")]).await.total,
        0
    );
    let (status, error) = err_json(
        app.post_with(&admin, "/api/platform/clinics", &[("status", "gone")])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("status"),
        ["Choose a status from the list."]
    );
}

async fn a_new_clinic_adopts_the_templates_and_its_admin_joins_by_email(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = signed_in(&app, SUPER_ADMIN).await;
    let id: i64 = ok_json(
        app.post_with(&admin, "/api/platform/clinics/new", &riverside())
            .await,
    )
    .await;
    let clinic = detail(&app, &admin, id).await;
    assert_eq!(clinic.code, "RIVERSIDE");
    assert_eq!(clinic.plan_code, "starter");
    assert_eq!(clinic.row.status, ClinicStatus::Active);
    let templates = care_protocols::Entity::find()
        .filter(care_protocols::Column::ClinicId.is_null())
        .count(&app.db)
        .await
        .unwrap();
    let adopted = care_protocols::Entity::find()
        .filter(care_protocols::Column::ClinicId.eq(id))
        .count(&app.db)
        .await
        .unwrap();
    assert!(templates > 0);
    assert_eq!(adopted, templates, "every template adopted");
    assert_eq!(
        last_resource(&app, "clinic.create").await,
        format!("clinic:{id} plan starter")
    );

    // The first admin accepts the emailed invitation and signs in to the new clinic.
    let token = invitation_token(&app, NEW_ADMIN).await;
    let () = ok_json(
        app.post(
            "/api/invitation/accept",
            &[
                ("token", &token),
                ("name", "Inês Duarte"),
                ("password", STRONG),
            ],
        )
        .await,
    )
    .await;
    let ines = client();
    app.sign_in_with(&ines, NEW_ADMIN, STRONG).await;
    let home: salus_app::model::PortalSummary =
        ok_json(app.post_with(&ines, "/api/clinic/home", &[]).await).await;
    assert_eq!(home.heading, "Riverside Family Practice");

    // The same code again, and a form with every field wrong.
    let (status, error) = err_json(
        app.post_with(&admin, "/api/platform/clinics/new", &riverside())
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("code"),
        ["Another clinic has that code. Choose another."]
    );
    let (_, error) = err_json(
        app.post_with(
            &admin,
            "/api/platform/clinics/new",
            &[
                ("name", " "),
                ("code", "ab"),
                ("time_zone", "Mars/Olympus"),
                ("plan", "platinum"),
                ("admin_email", "nobody"),
            ],
        )
        .await,
    )
    .await;
    for field in ["name", "code", "time_zone", "plan", "admin_email"] {
        assert_eq!(error.field_messages(field).len(), 1, "{field}: {error:?}");
    }
}

async fn suspension_refuses_sign_in_and_stops_reminders_until_reactivated(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let harbour = second_clinic(&app, DAVID).await;
    let sunrise = sunrise(&app).await;
    let admin = signed_in(&app, SUPER_ADMIN).await;
    let sarah = signed_in(&app, PROVIDER).await;
    let list = || app.post_with(&sarah, "/api/provider/patients", &[]);
    assert_eq!(list().await.status(), StatusCode::OK);
    let planned = plan::plan_all(&app.app_db, app.clock.now(), false)
        .await
        .unwrap();
    assert!(planned.total() > 0, "the demo's due care is owed reminders");

    let (status, error) =
        err_json(act(&app, &admin, "suspend", sunrise, &[("reason", " ")]).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.field_messages("reason"), ["Say why it is suspended."]);
    let () = ok_json(
        act(
            &app,
            &admin,
            "suspend",
            sunrise,
            &[("reason", "Invoice unpaid")],
        )
        .await,
    )
    .await;

    // Her very next request, and signing in again.
    assert_eq!(list().await.status(), StatusCode::UNAUTHORIZED);
    let (status, error) =
        err_json(app.password_step(&client(), PROVIDER, DEMO_PASSWORD).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("form"),
        ["Sunrise Wellness Clinic's Salus portal is suspended, so it cannot be signed in to for \
          now. Your records are kept. Contact the clinic for help."]
    );
    // David is a patient of Harbour too: he signs in there.
    let david = signed_in(&app, DAVID).await;
    let me: Option<salus_app::model::account::CurrentUser> =
        ok_json(app.post_with(&david, "/api/auth/me", &[]).await).await;
    assert_eq!(
        me.and_then(|u| u.clinic_name).as_deref(),
        Some("Harbour Health")
    );
    assert_eq!(
        app.post_with(&david, "/api/patient/dashboard", &[])
            .await
            .status(),
        StatusCode::OK
    );
    let _ = harbour;

    // Nothing of Sunrise's waits to be sent, and planning plans nothing for it.
    let waiting = reminders::Entity::find()
        .filter(reminders::Column::ClinicId.eq(sunrise))
        .filter(reminders::Column::Status.eq("pending"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(waiting, 0);
    let cancelled = reminders::Entity::find()
        .filter(reminders::Column::ClinicId.eq(sunrise))
        .filter(reminders::Column::LastError.eq("the clinic was suspended"))
        .count(&app.db)
        .await
        .unwrap();
    assert!(cancelled > 0);
    // With the cancelled rows gone, planning still plans nothing for a suspended clinic...
    as_platform(
        &app,
        &format!("DELETE FROM reminders WHERE clinic_id = {sunrise}"),
    )
    .await;
    let replan = || plan::plan_clinic(&app.app_db, sunrise, app.clock.now(), false);
    assert_eq!(
        replan().await.unwrap().total(),
        0,
        "none planned while suspended"
    );
    let shown = detail(&app, &admin, sunrise).await;
    assert_eq!(shown.row.status, ClinicStatus::Suspended);
    assert_eq!(shown.status_reason.as_deref(), Some("Invoice unpaid"));
    assert_eq!(
        last_resource(&app, "clinic.suspend").await,
        format!("clinic:{sunrise} reason given")
    );

    let () = ok_json(act(&app, &admin, "reactivate", sunrise, &[]).await).await;
    // ...and once it is active again, what it owes.
    assert!(replan().await.unwrap().total() > 0);
    let sarah = signed_in(&app, PROVIDER).await;
    assert_eq!(
        app.post_with(&sarah, "/api/provider/patients", &[])
            .await
            .status(),
        StatusCode::OK
    );
    let row = clinics::Entity::find_by_id(sunrise)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.status.as_str(), row.status_reason), ("active", None));
}

async fn plan_limits_refuse_staff_patients_and_texts_by_name(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sunrise = sunrise(&app).await;
    let admin = signed_in(&app, SUPER_ADMIN).await;
    // Starter: 3 provider seats, no texts; and here room for one more patient.
    as_platform(
        &app,
        "UPDATE plans SET patient_limit = 4 WHERE code = 'starter'",
    )
    .await;
    let () = ok_json(act(&app, &admin, "plan", sunrise, &[("plan", "starter")]).await).await;
    assert_eq!(
        last_resource(&app, "clinic.plan_change").await,
        format!("clinic:{sunrise} plan: \"standard\" -> \"starter\"")
    );

    let maria = signed_in(&app, CLINIC_ADMIN).await;
    for email in ["p1@example.org", "p2@example.org"] {
        let () = ok_json(invite(&app, &maria, email, "provider").await).await;
    }
    let (status, error) = err_json(invite(&app, &maria, "p3@example.org", "provider").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error.field_messages("role")[0]
            .starts_with("Your clinic's plan (Starter) has 3 provider seats and all are taken"),
        "{error:?}"
    );

    // An open invitation holds a place, as a staff invitation holds a seat.
    assert_eq!(
        enrol(&app, &maria, "n1@example.org").await.status(),
        StatusCode::OK
    );
    let (status, error) = err_json(enrol(&app, &maria, "n2@example.org").await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        error.to_string(),
        "Sunrise Wellness Clinic's plan (Starter) allows 4 patients and 3 are enrolled and 1 is \
         invited, so 1 more cannot be. Discharge patients, withdraw invitations, or ask the \
         platform team to change the plan."
    );
    let (status, error) = err_json(
        app.register(&client(), "Late Comer", "late@example.org")
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("clinic_code"),
        [
            "Sunrise Wellness Clinic cannot take new patients in the portal at the moment. Please \
          contact the clinic."
        ]
    );

    // No text reminders on Starter.
    let mut settings: Vec<(&str, &str)> = vec![
        ("email_enabled", "on"),
        ("sms_enabled", "on"),
        ("quiet_hours_start", "21:00"),
        ("quiet_hours_end", "08:00"),
        ("sender_name", "Sunrise"),
        ("due_soon_days", "30"),
        ("sms_daily_cap", "10"),
    ];
    let (status, error) = err_json(
        app.post_with(&maria, "/api/clinic/settings/reminders", &settings)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error.field_messages("sms_enabled")[0]
            .starts_with("Your clinic's plan (Starter) does not include text reminders"),
        "{error:?}"
    );
    settings.retain(|(k, _)| *k != "sms_enabled");
    let () = ok_json(
        app.post_with(&maria, "/api/clinic/settings/reminders", &settings)
            .await,
    )
    .await;
}

async fn a_downgrade_below_what_the_clinic_uses_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sunrise = sunrise(&app).await;
    let admin = signed_in(&app, SUPER_ADMIN).await;
    as_platform(
        &app,
        "UPDATE plans SET patient_limit = 2, provider_seats = 0 WHERE code = 'starter'",
    )
    .await;
    let (status, error) =
        err_json(act(&app, &admin, "plan", sunrise, &[("plan", "starter")]).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("plan"),
        ["Sunrise Wellness Clinic uses more than Starter allows: 1 provider seats are taken and \
          Starter has 0; 3 patients are enrolled and Starter allows 2."]
    );
    assert_eq!(detail(&app, &admin, sunrise).await.plan_code, "standard");
    let () = ok_json(act(&app, &admin, "plan", sunrise, &[("plan", "network")]).await).await;
    let shown = detail(&app, &admin, sunrise).await;
    assert_eq!(
        (shown.plan_code.as_str(), shown.row.seats_allowed),
        ("network", 50)
    );
    let (_, error) =
        err_json(act(&app, &admin, "plan", sunrise, &[("plan", "network")]).await).await;
    assert_eq!(error.field_messages("plan"), ["It is on Network already."]);
}

async fn closing_takes_the_code_and_keeps_the_data(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sunrise = sunrise(&app).await;
    let admin = signed_in(&app, SUPER_ADMIN).await;
    let (status, error) = err_json(
        act(
            &app,
            &admin,
            "close",
            sunrise,
            &[("confirm_code", "SUNSET")],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("confirm_code"),
        ["Type the clinic's code exactly as shown to confirm."]
    );
    let () = ok_json(
        act(
            &app,
            &admin,
            "close",
            sunrise,
            &[("confirm_code", "sunrise")],
        )
        .await,
    )
    .await;
    let row = clinics::Entity::find_by_id(sunrise)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, ClinicStatus::Closed);
    assert_eq!(
        row.delete_after.map(|d| d.date_naive()),
        Some((app.clock.now() + chrono::Duration::days(90)).date_naive())
    );
    let (_, error) = err_json(app.password_step(&client(), PROVIDER, DEMO_PASSWORD).await).await;
    assert_eq!(
        error.field_messages("form"),
        ["Sunrise Wellness Clinic has closed its Salus portal, so it cannot be signed in to."]
    );
    // Kept: its members and their records are all there.
    let members = salus_app::server::entities::memberships::Entity::find()
        .filter(salus_app::server::entities::memberships::Column::ClinicId.eq(sunrise))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(members, 5, "three patients, a provider and an admin");
    let () = ok_json(act(&app, &admin, "reactivate", sunrise, &[]).await).await;
    signed_in(&app, PROVIDER).await;
}

async fn the_overview_counts_clinics_people_and_the_week(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    second_clinic(&app, DAVID).await;
    let admin = signed_in(&app, SUPER_ADMIN).await;
    let home: salus_app::model::PortalSummary =
        ok_json(app.post_with(&admin, "/api/platform/home", &[]).await).await;
    let fact = |name: &str| {
        home.facts
            .iter()
            .find(|(label, _)| label == name)
            .map(|(_, n)| *n)
            .unwrap_or_else(|| panic!("{name} in {:?}", home.facts))
    };
    assert_eq!(fact("Active clinics"), 2);
    assert_eq!(fact("Suspended clinics"), 0);
    assert_eq!(fact("Closed clinics"), 0);
    assert_eq!(fact("Patients"), 3, "David once, though enrolled in both");
    assert_eq!(fact("Staff who see patients"), 2);
    // A clinic's own role that reads patients counts too; one that does not, does not.
    let sunrise = sunrise(&app).await;
    app.db
        .execute_unprepared(&format!(
            "INSERT INTO clinic_roles (clinic_id, name, permissions, created_at, updated_at) VALUES
               ({sunrise}, 'Care coordinator', 'patient.read', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
               ({sunrise}, 'Receptionist', 'patients.manage', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);
             INSERT INTO users (email, password_hash, display_name, is_super_admin, is_active, created_at, updated_at) VALUES
               ('cora@example.com', 'x', 'Cora', false, true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
               ('rita@example.com', 'x', 'Rita', false, true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);
             INSERT INTO memberships (user_id, clinic_id, role, clinic_role_id, created_at)
               SELECT u.id, {sunrise}, 'custom', r.id, CURRENT_TIMESTAMP FROM users u, clinic_roles r
               WHERE (u.email = 'cora@example.com' AND r.name = 'Care coordinator')
                  OR (u.email = 'rita@example.com' AND r.name = 'Receptionist');"
        ))
        .await
        .unwrap();
    let home: salus_app::model::PortalSummary =
        ok_json(app.post_with(&admin, "/api/platform/home", &[]).await).await;
    let seeing = home
        .facts
        .iter()
        .find(|(label, _)| label == "Staff who see patients")
        .map(|(_, n)| *n);
    assert_eq!(
        seeing,
        Some(3),
        "Cora's role reads patients; Rita's does not"
    );
    assert!(fact("Sign-ins (last 7 days)") >= 1, "the super admin's own");
    assert_eq!(fact("Reminders sent (last 7 days)"), 0);
    let shares: Vec<(String, Option<u64>)> = ok_json(
        app.post_with(&admin, "/api/platform/compliance_by_clinic", &[])
            .await,
    )
    .await;
    let names: Vec<&str> = shares.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Harbour Health", "Sunrise Wellness Clinic"]);
    assert!(shares
        .iter()
        .all(|(_, share)| share.is_some_and(|p| p <= 100)));
}

/// Reactivation restores the reminders the suspension cancelled, and only those: a reminder a
/// patient's choice cancelled stays cancelled.
async fn reactivation_puts_back_the_reminders_the_suspension_cancelled(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sunrise = sunrise(&app).await;
    let admin = signed_in(&app, SUPER_ADMIN).await;
    // As in the suspension test: the provider's list is open first.
    let sarah = signed_in(&app, PROVIDER).await;
    let listed = app.post_with(&sarah, "/api/provider/patients", &[]).await;
    assert_eq!(listed.status(), StatusCode::OK);
    plan::plan_all(&app.app_db, app.clock.now(), false)
        .await
        .unwrap();
    let planned: Vec<i64> = reminders::Entity::find()
        .filter(reminders::Column::ClinicId.eq(sunrise))
        .filter(reminders::Column::Status.eq("pending"))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert!(!planned.is_empty(), "the demo's due care is owed reminders");
    // A copy of one, cancelled before for the patient's own reason.
    as_platform(
        &app,
        &format!(
            "INSERT INTO reminders (clinic_id, patient_id, channel, kind, idempotency_key, status, \
             attempts, next_attempt_at, created_at, care_item_id, last_error) \
             SELECT clinic_id, patient_id, channel, kind, idempotency_key || ':copy', 'cancelled', \
             0, next_attempt_at, created_at, care_item_id, 'the patient turned off email' \
             FROM reminders WHERE id = {}",
            planned[0]
        ),
    )
    .await;
    let kept_cancelled = reminders::Entity::find()
        .filter(reminders::Column::Status.eq("cancelled"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the copy")
        .id;
    let restorable = planned.clone();
    let () = ok_json(act(&app, &admin, "suspend", sunrise, &[("reason", "Audit")]).await).await;
    let pending = || async {
        reminders::Entity::find()
            .filter(reminders::Column::ClinicId.eq(sunrise))
            .filter(reminders::Column::Status.eq("pending"))
            .all(&app.db)
            .await
            .unwrap()
    };
    assert!(pending().await.is_empty());
    app.clock.advance(chrono::Duration::hours(2));
    // Signed in afresh: two idle hours ended the earlier session.
    let admin = signed_in(&app, SUPER_ADMIN).await;
    let () = ok_json(act(&app, &admin, "reactivate", sunrise, &[]).await).await;
    let back = pending().await;
    let mut ids: Vec<i64> = back.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    let mut expected = restorable;
    expected.sort_unstable();
    assert_eq!(
        ids, expected,
        "the suspension's cancellations, and no other"
    );
    assert!(back
        .iter()
        .all(|r| r.last_error.is_none() && r.next_attempt_at >= app.clock.now()));
    let still = reminders::Entity::find_by_id(kept_cancelled)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.status, DeliveryStatus::Cancelled);
}

crate::on_both_databases!(
    reactivation_puts_back_the_reminders_the_suspension_cancelled,
    the_overview_counts_clinics_people_and_the_week,
    the_list_shows_each_clinic_and_its_use_of_its_plan,
    a_new_clinic_adopts_the_templates_and_its_admin_joins_by_email,
    suspension_refuses_sign_in_and_stops_reminders_until_reactivated,
    plan_limits_refuse_staff_patients_and_texts_by_name,
    a_downgrade_below_what_the_clinic_uses_is_refused,
    closing_takes_the_code_and_keeps_the_data
);
