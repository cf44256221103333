//! Every server function that touches patient data or runs a clinic, tried by everyone who may
//! not use it: visitors get 401, other roles 403, another clinic's admin 404, and nobody gets
//! data.
use reqwest::StatusCode;
use salus_app::error::AppError;
use sea_orm::EntityTrait;

use salus_app::model::content::ContentStatus;

use crate::helpers::*;

/// (endpoint, form) of every patient-data server function.
const PATIENT_FUNCTIONS: &[(&str, &[(&str, &str)])] = &[
    ("/api/patient/dashboard", &[]),
    (
        "/api/patient/log_goal",
        &[("kind", "steps"), ("date", "2026-11-20"), ("value", "10")],
    ),
    ("/api/patient/goal_history", &[]),
    (
        "/api/patient/set_goal_target",
        &[("kind", "steps"), ("target", "5000")],
    ),
    (
        "/api/patient/update_goal_log",
        &[("id", "1"), ("value", "5")],
    ),
    ("/api/patient/delete_goal_log", &[("id", "1")]),
    ("/api/patient/profile", &[]),
    (
        "/api/patient/update_profile",
        &[
            ("name", "X"),
            ("date_of_birth", ""),
            ("sex", ""),
            ("phone", ""),
            ("time_zone", "UTC"),
            ("preferred_language", "en"),
            ("quiet_hours_start", "21:00"),
            ("quiet_hours_end", "08:00"),
        ],
    ),
    (
        "/api/patient/add_allergy",
        &[
            ("substance", "Latex"),
            ("reaction", "Rash"),
            ("severity", "mild"),
        ],
    ),
    ("/api/patient/remove_allergy", &[("id", "1")]),
    (
        "/api/patient/add_medication",
        &[
            ("medication", "X"),
            ("dose", "1 mg"),
            ("frequency", "daily"),
        ],
    ),
    ("/api/patient/remove_medication", &[("id", "1")]),
    ("/api/patient/record_accesses", &[]),
    ("/api/patient/reminders", &[]),
    ("/api/patient/clinic", &[]),
    ("/api/patient/clinics", &[]),
    ("/api/patient/switch_clinic", &[("clinic_id", "1")]),
    ("/api/patient/leave_clinic", &[("clinic_id", "1")]),
];

const PROVIDER_FUNCTIONS: &[(&str, &[(&str, &str)])] = &[
    ("/api/provider/patients", &[]),
    ("/api/provider/patient", &[("patient_id", "1")]),
    (
        "/api/provider/complete_care_item",
        &[
            ("patient_id", "1"),
            ("item_id", "1"),
            ("completed_on", "2026-11-01"),
        ],
    ),
];

/// (endpoint, form) of every clinic-admin server function. `{member}`, `{invitation}` and
/// `{patient}` stand for a staff membership, an open invitation and a patient of Sunrise.
const CLINIC_ADMIN_FUNCTIONS: &[(&str, &[(&str, &str)])] = &[
    ("/api/clinic/home", &[]),
    ("/api/clinic/staff", &[]),
    (
        "/api/clinic/staff/role",
        &[("membership_id", "{member}"), ("role", "clinic_admin")],
    ),
    (
        "/api/clinic/staff/deactivate",
        &[("membership_id", "{member}")],
    ),
    (
        "/api/clinic/staff/reactivate",
        &[("membership_id", "{member}")],
    ),
    ("/api/mfa/reset", &[("user_id", "{member_user}")]),
    (
        "/api/clinic/invitations/new",
        &[("email", "new.provider@example.org"), ("role", "provider")],
    ),
    (
        "/api/clinic/invitations/resend",
        &[("invitation_id", "{invitation}")],
    ),
    (
        "/api/clinic/invitations/withdraw",
        &[("invitation_id", "{invitation}")],
    ),
    (
        "/api/clinic/roster/invitation/resend",
        &[("invitation_id", "{invitation}")],
    ),
    (
        "/api/clinic/roster/invitation/withdraw",
        &[("invitation_id", "{invitation}")],
    ),
    ("/api/clinic/roster", &[]),
    ("/api/clinic/compliance_breakdown", &[]),
    ("/api/clinic/audit_log", &[]),
    ("/api/clinic/audit_log/verify", &[]),
    ("/api/clinic/settings", &[]),
    ("/api/clinic/settings/new_code", &[]),
    (
        "/api/clinic/settings/details",
        &[
            ("name", "X"),
            ("contact_email", ""),
            ("contact_phone", ""),
            ("address", ""),
            ("time_zone", "UTC"),
        ],
    ),
    (
        "/api/clinic/settings/hours",
        &[
            ("monday_opens", ""),
            ("monday_closes", ""),
            ("tuesday_opens", ""),
            ("tuesday_closes", ""),
            ("wednesday_opens", ""),
            ("wednesday_closes", ""),
            ("thursday_opens", ""),
            ("thursday_closes", ""),
            ("friday_opens", ""),
            ("friday_closes", ""),
            ("saturday_opens", ""),
            ("saturday_closes", ""),
            ("sunday_opens", ""),
            ("sunday_closes", ""),
        ],
    ),
    (
        "/api/clinic/settings/reminders",
        &[
            ("quiet_hours_start", "21:00"),
            ("quiet_hours_end", "08:00"),
            ("sender_name", "X"),
            ("due_soon_days", "14"),
            ("sms_daily_cap", "10"),
        ],
    ),
    (
        "/api/clinic/enrolment/add",
        &[("name", "Ada Lovelace"), ("email", "ada@example.org")],
    ),
    (
        "/api/clinic/enrolment/invite",
        &[("email", "ada@example.org")],
    ),
    ("/api/clinic/enrolment/import", &[("id", "{import}")]),
    (
        "/api/clinic/roster/discharge",
        &[("patient_id", "{patient}")],
    ),
    ("/api/clinic/roster/readmit", &[("patient_id", "{patient}")]),
    (
        "/api/clinic/reminders",
        &[("status", "dead"), ("channel", "email")],
    ),
    (
        "/api/clinic/reminders/retry",
        &[("reminder_id", "{reminder}")],
    ),
    ("/api/clinic/roles", &[]),
    (
        "/api/clinic/roles/add",
        &[("name", "Coordinator"), ("patients_manage", "on")],
    ),
    (
        "/api/clinic/roles/save",
        &[
            ("role_id", "{role}"),
            ("name", "Renamed"),
            ("audit_read", "on"),
        ],
    ),
    ("/api/clinic/roles/delete", &[("role_id", "{role}")]),
    ("/api/clinic/protocols", &[]),
    (
        "/api/clinic/protocols/save",
        &[
            ("id", "{protocol}"),
            ("name", "X"),
            ("description", ""),
            ("min_age_years", ""),
            ("max_age_years", ""),
            ("sex", ""),
            ("interval_months", "12"),
            ("due_soon_days", "30"),
        ],
    ),
    (
        "/api/clinic/protocols/add",
        &[
            ("name", "Eye exam"),
            ("description", ""),
            ("min_age_years", ""),
            ("max_age_years", ""),
            ("sex", ""),
            ("interval_months", "24"),
            ("due_soon_days", "30"),
        ],
    ),
    (
        "/api/clinic/protocols/active",
        &[("id", "{protocol}"), ("active", "false")],
    ),
    (
        "/api/clinic/roster/assign",
        &[
            ("provider_id", "{member_user}"),
            ("patient_ids[0]", "{patient}"),
        ],
    ),
    (
        "/api/clinic/roster/unassign",
        &[
            ("provider_id", "{member_user}"),
            ("patient_id", "{patient}"),
        ],
    ),
];

/// The functions above that name something of one clinic: another clinic's admin is told it
/// does not exist. (The lists and the new invitation answer with their own clinic's data.)
const CLINIC_RESOURCE_FUNCTIONS: [&str; 18] = [
    "/api/clinic/reminders/retry",
    "/api/clinic/roles/save",
    "/api/clinic/roles/delete",
    "/api/clinic/roster/discharge",
    "/api/clinic/roster/readmit",
    "/api/clinic/enrolment/import",
    "/api/clinic/protocols/save",
    "/api/clinic/protocols/active",
    "/api/clinic/staff/role",
    "/api/clinic/staff/deactivate",
    "/api/clinic/staff/reactivate",
    "/api/mfa/reset",
    "/api/clinic/invitations/resend",
    "/api/clinic/invitations/withdraw",
    "/api/clinic/roster/invitation/resend",
    "/api/clinic/roster/invitation/withdraw",
    "/api/clinic/roster/assign",
    "/api/clinic/roster/unassign",
];

/// Sunrise's ids for the placeholders of `CLINIC_ADMIN_FUNCTIONS`: a reminder, a role of its own, Sarah's
/// membership and account, an open invitation (sent here by Maria), Emma, one of Sunrise's
/// protocols, and the outcome of a CSV import.
async fn sunrise_ids(app: &TestApp) -> Vec<(&'static str, String)> {
    let maria = client();
    app.sign_in_with(&maria, CLINIC_ADMIN, DEMO_PASSWORD).await;
    let () = ok_json(
        crate::clinic_invitations::invite(app, &maria, "invited@example.org", "clinic_admin").await,
    )
    .await;
    let staff = crate::clinic_invitations::directory(app, &maria).await;
    let sarah = staff.members.iter().find(|m| m.email == PROVIDER).unwrap();
    let role =
        crate::clinic_roles::add_role(app, &maria, "Care coordinator", &["patients_manage"]).await;
    salus_app::server::reminders::plan::plan_all(&app.app_db, app.clock.now(), false)
        .await
        .unwrap();
    let reminder = {
        use sea_orm::EntityTrait;
        salus_app::server::entities::reminders::Entity::find()
            .one(&app.db)
            .await
            .unwrap()
            .expect("Noah's overdue flu vaccination is planned")
            .id
    };
    vec![
        ("{reminder}", reminder.to_string()),
        ("{role}", role.to_string()),
        ("{member}", sarah.membership_id.to_string()),
        ("{member_user}", sarah.user_id.to_string()),
        ("{invitation}", staff.invitations[0].id.to_string()),
        (
            "{patient}",
            user_id(app, "emma@example.com").await.to_string(),
        ),
        (
            "{import}",
            crate::clinic_enrolment::import_csv(
                app,
                &maria,
                "name,email\nGrace,grace@example.org\n",
            )
            .await
            .id
            .to_string(),
        ),
        (
            "{protocol}",
            crate::clinic_protocols::protocol_id(app, &maria, "Annual blood test")
                .await
                .to_string(),
        ),
    ]
}

fn filled<'a>(form: &[(&'a str, &str)], ids: &[(&str, String)]) -> Vec<(&'a str, String)> {
    form.iter()
        .map(|(name, value)| {
            let value = ids
                .iter()
                .find(|(placeholder, _)| placeholder == value)
                .map_or_else(|| value.to_string(), |(_, id)| id.clone());
            (*name, value)
        })
        .collect()
}

async fn every_clinic_admin_function_refuses_outsiders(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let harbour = second_clinic(&app, DAVID).await;
    clinic_admin_of(&app, harbour.id, SECOND_ADMIN).await;
    let ids = sunrise_ids(&app).await;
    let post = |c: &reqwest::Client, endpoint: &'static str, form: Vec<(&'static str, String)>| {
        let form: Vec<(&str, &str)> = form.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let request = c
            .post(app.url(endpoint))
            .header("origin", app.origin())
            .form(&form);
        async move { request.send().await.unwrap() }
    };
    let visitor = client();
    for (endpoint, form) in CLINIC_ADMIN_FUNCTIONS {
        let (status, error) = err_json(post(&visitor, endpoint, filled(form, &ids)).await).await;
        assert_eq!(
            (status, error),
            (StatusCode::UNAUTHORIZED, AppError::Unauthorized),
            "visitor on {endpoint}"
        );
    }
    for email in [DAVID, PROVIDER, SUPER_ADMIN] {
        let c = client();
        app.sign_in_with(&c, email, DEMO_PASSWORD).await;
        for (endpoint, form) in CLINIC_ADMIN_FUNCTIONS {
            if email == SUPER_ADMIN && *endpoint == "/api/mfa/reset" {
                continue; // A super admin resets anyone's two-step sign-in (the mfa tests).
            }
            let (status, error) = err_json(post(&c, endpoint, filled(form, &ids)).await).await;
            assert_eq!(
                (status, error),
                (StatusCode::FORBIDDEN, AppError::Forbidden),
                "{email} on {endpoint}"
            );
        }
    }
    let nadia = client();
    app.sign_in_with(&nadia, SECOND_ADMIN, DEMO_PASSWORD).await;
    for (endpoint, form) in CLINIC_ADMIN_FUNCTIONS {
        if !CLINIC_RESOURCE_FUNCTIONS.contains(endpoint) {
            continue;
        }
        let (status, error) = err_json(post(&nadia, endpoint, filled(form, &ids)).await).await;
        assert_eq!(
            (status, error),
            (StatusCode::NOT_FOUND, AppError::NotFound),
            "Harbour's admin on {endpoint}"
        );
    }
}

async fn every_patient_data_function_refuses_outsiders(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let visitor = client();
    for (endpoint, form) in PATIENT_FUNCTIONS.iter().chain(PROVIDER_FUNCTIONS) {
        let (status, error) = err_json(app.post_with(&visitor, endpoint, form).await).await;
        assert_eq!(
            (status, error),
            (StatusCode::UNAUTHORIZED, AppError::Unauthorized),
            "visitor on {endpoint}"
        );
    }
    let export = visitor
        .get(app.url("/api/patient/export"))
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), StatusCode::UNAUTHORIZED);

    for email in [PROVIDER, CLINIC_ADMIN, SUPER_ADMIN] {
        let c = client();
        app.sign_in_with(&c, email, DEMO_PASSWORD).await;
        for (endpoint, form) in PATIENT_FUNCTIONS {
            let (status, error) = err_json(app.post_with(&c, endpoint, form).await).await;
            assert_eq!(
                (status, error),
                (StatusCode::FORBIDDEN, AppError::Forbidden),
                "{email} on {endpoint}"
            );
        }
        let export = c.get(app.url("/api/patient/export")).send().await.unwrap();
        assert_eq!(export.status(), StatusCode::FORBIDDEN, "{email} exporting");
    }
    for email in [DAVID, CLINIC_ADMIN, SUPER_ADMIN] {
        let c = client();
        app.sign_in_with(&c, email, DEMO_PASSWORD).await;
        for (endpoint, form) in PROVIDER_FUNCTIONS {
            let (status, error) = err_json(app.post_with(&c, endpoint, form).await).await;
            assert_eq!(
                (status, error),
                (StatusCode::FORBIDDEN, AppError::Forbidden),
                "{email} on {endpoint}"
            );
        }
    }
}

/// The refusals above that reached a signed-in actor are in the audit log, one each.
async fn refusals_are_audited(backend: Backend) {
    use salus_app::server::entities::audit_events;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let app = TestApp::spawn(backend).await;
    for email in [PROVIDER, CLINIC_ADMIN] {
        let c = client();
        app.sign_in_with(&c, email, DEMO_PASSWORD).await;
        for (endpoint, form) in PATIENT_FUNCTIONS {
            app.post_with(&c, endpoint, form).await;
        }
    }
    let c = client();
    app.sign_in_with(&c, DAVID, DEMO_PASSWORD).await;
    for (endpoint, form) in PROVIDER_FUNCTIONS {
        app.post_with(&c, endpoint, form).await;
    }
    let refused = |role: &'static str| {
        audit_events::Entity::find()
            .filter(audit_events::Column::Action.eq("patient.access_refused"))
            .filter(audit_events::Column::ActorRole.eq(role))
            .count(&app.db)
    };
    assert_eq!(
        refused("provider").await.unwrap(),
        PATIENT_FUNCTIONS.len() as u64
    );
    assert_eq!(
        refused("clinic_admin").await.unwrap(),
        PATIENT_FUNCTIONS.len() as u64
    );
    assert_eq!(
        refused("patient").await.unwrap(),
        PROVIDER_FUNCTIONS.len() as u64
    );
}

/// (endpoint, form) of every platform-administration server function; `{clinic}` stands for
/// Sunrise's id.
const PLATFORM_FUNCTIONS: &[(&str, &[(&str, &str)])] = &[
    ("/api/platform/home", &[]),
    ("/api/platform/compliance_by_clinic", &[]),
    ("/api/platform/clinics", &[]),
    ("/api/platform/clinics/one", &[("id", "{clinic}")]),
    (
        "/api/platform/clinics/new",
        &[
            ("name", "Riverside"),
            ("code", "RIVERSIDE"),
            ("time_zone", "UTC"),
            ("plan", "starter"),
            ("admin_email", "new.admin@example.org"),
        ],
    ),
    (
        "/api/platform/clinics/plan",
        &[("id", "{clinic}"), ("plan", "network")],
    ),
    (
        "/api/platform/clinics/suspend",
        &[("id", "{clinic}"), ("reason", "x")],
    ),
    ("/api/platform/clinics/reactivate", &[("id", "{clinic}")]),
    (
        "/api/platform/clinics/close",
        &[("id", "{clinic}"), ("confirm_code", "SUNRISE")],
    ),
    ("/api/platform/plans", &[]),
    (
        "/api/platform/plans/add",
        &[
            ("code", "clinic-plus"),
            ("name", "Clinic Plus"),
            ("provider_seats", "5"),
            ("patient_limit", "900"),
        ],
    ),
    (
        "/api/platform/plans/change",
        &[
            ("code", "network"),
            ("name", "Network"),
            ("provider_seats", "60"),
            ("patient_limit", "50000"),
        ],
    ),
    ("/api/platform/plans/retire", &[("code", "network")]),
    ("/api/platform/plans/offer", &[("code", "network")]),
    ("/api/platform/audit_log", &[]),
    ("/api/platform/audit_log/verify", &[]),
    ("/api/platform/super_admins", &[]),
    (
        "/api/platform/super_admins/invite",
        &[("email", "someone.new@example.org")],
    ),
    ("/api/platform/super_admins/revoke", &[("user_id", "5")]),
    ("/api/platform/protocols", &[]),
    ("/api/platform/protocols/one", &[("id", "1")]),
    (
        "/api/platform/protocols/new",
        &[
            ("name", "Hearing check"),
            ("description", ""),
            ("min_age_years", ""),
            ("max_age_years", ""),
            ("sex", ""),
            ("interval_months", "24"),
            ("due_soon_days", "30"),
        ],
    ),
    (
        "/api/platform/protocols/save",
        &[
            ("id", "1"),
            ("name", "Changed"),
            ("description", ""),
            ("min_age_years", ""),
            ("max_age_years", ""),
            ("sex", ""),
            ("interval_months", "24"),
            ("due_soon_days", "30"),
        ],
    ),
    (
        "/api/platform/protocols/active",
        &[("id", "1"), ("active", "false")],
    ),
    ("/api/platform/content", &[]),
    ("/api/platform/topics/one", &[("id", "1")]),
    (
        "/api/platform/topics/new",
        &[
            ("title", "Sleep"),
            ("slug", ""),
            ("summary", "Rest"),
            ("body", "Sleep well."),
            ("tags", ""),
            ("home_position", "1"),
        ],
    ),
    (
        "/api/platform/topics/save",
        &[
            ("id", "1"),
            ("title", "Changed"),
            ("slug", "covid-19-updates"),
            ("summary", "Changed"),
            ("body", "Changed."),
            ("tags", ""),
            ("home_position", ""),
            ("status", "draft"),
        ],
    ),
    (
        "/api/platform/tips/new",
        &[("title", "Tip"), ("text", "Text"), ("category", "")],
    ),
    (
        "/api/platform/tips/save",
        &[
            ("id", "5"),
            ("title", "Tip"),
            ("text", "Text"),
            ("category", ""),
        ],
    ),
    (
        "/api/platform/tips/retire",
        &[("id", "5"), ("retire", "yes")],
    ),
    (
        "/api/platform/policy/publish",
        &[("version", "9"), ("summary", "New"), ("body", "New.")],
    ),
];

async fn every_platform_function_refuses_all_but_super_admins(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let clinic = sunrise(&app).await.to_string();
    let fill = |form: &[(&str, &str)]| -> Vec<(String, String)> {
        form.iter()
            .map(|(k, v)| (k.to_string(), v.replace("{clinic}", &clinic)))
            .collect()
    };
    let post = |c: &reqwest::Client, endpoint: &str, form: Vec<(String, String)>| {
        let request = c
            .post(app.url(endpoint))
            .header("origin", app.origin())
            .form(&form);
        async move { request.send().await.unwrap() }
    };
    for (endpoint, form) in PLATFORM_FUNCTIONS {
        let (status, error) = err_json(post(&client(), endpoint, fill(form)).await).await;
        assert_eq!(
            (status, error),
            (StatusCode::UNAUTHORIZED, AppError::Unauthorized),
            "visitor on {endpoint}"
        );
    }
    for email in [DAVID, PROVIDER, CLINIC_ADMIN] {
        let c = signed_in(&app, email).await;
        for (endpoint, form) in PLATFORM_FUNCTIONS {
            let (status, error) = err_json(post(&c, endpoint, fill(form)).await).await;
            assert_eq!(
                (status, error),
                (StatusCode::FORBIDDEN, AppError::Forbidden),
                "{email} on {endpoint}"
            );
        }
    }
    // Nothing changed: Sunrise is as it was and no clinic was added.
    let clinics = salus_app::server::entities::clinics::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(clinics.len(), 1);
    assert_eq!(
        (clinics[0].status.as_str(), clinics[0].plan.as_str()),
        ("active", "standard")
    );
    // No template was added, changed or retired.
    let templates = salus_app::server::entities::care_protocols::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.clinic_id.is_none())
        .collect::<Vec<_>>();
    assert!(templates
        .iter()
        .all(|t| t.active && t.name != "Changed" && t.name != "Hearing check"));
    // No super admin was invited or revoked.
    let invited = salus_app::server::entities::super_admin_invitations::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert!(invited.is_empty());
    let super_admins = salus_app::server::entities::users::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|u| u.is_super_admin)
        .count();
    assert_eq!(super_admins, 1);
    // Nor the public content: the seeded topics, tips and policy, all as published.
    let content = salus_app::server::entities::content::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(content.len(), 11);
    assert!(content
        .iter()
        .all(|c| c.status == ContentStatus::Published && c.updated_at.is_none()));
}

crate::on_both_databases!(
    every_platform_function_refuses_all_but_super_admins,
    every_clinic_admin_function_refuses_outsiders,
    every_patient_data_function_refuses_outsiders,
    refusals_are_audited
);
