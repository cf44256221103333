//! Roles as named sets of permissions: the built-in nurse and front desk, a clinic's own roles,
//! and the rule that nobody grants what runs the clinic unless they hold it.
use reqwest::StatusCode;
use salus_app::error::AppError;
use salus_app::model::account::CurrentUser;
use salus_app::model::clinic::ClinicRoles;
use salus_app::model::provider::CompliancePage;
use salus_app::model::Role;

use crate::clinic_invitations::{directory, invitation_token, invite};
use crate::helpers::*;

const STRONG: &str = "copper kettle harbour lantern";

pub async fn roles(app: &TestApp, admin: &reqwest::Client) -> ClinicRoles {
    ok_json(app.post_with(admin, "/api/clinic/roles", &[]).await).await
}

/// Adds a role of the clinic's own with the permission boxes `ticked` (form fields), and
/// returns its id.
pub async fn add_role(app: &TestApp, admin: &reqwest::Client, name: &str, ticked: &[&str]) -> i64 {
    let mut form = vec![("name", name)];
    form.extend(ticked.iter().map(|field| (*field, "on")));
    let () = ok_json(app.post_with(admin, "/api/clinic/roles/add", &form).await).await;
    roles(app, admin)
        .await
        .custom
        .into_iter()
        .find(|r| r.name == name)
        .and_then(|r| r.id)
        .expect("the role is listed")
}

/// Invites `email` to the staff in the role `key`, accepts the emailed link with a new
/// password, and returns them signed in.
async fn join_staff(
    app: &TestApp,
    admin: &reqwest::Client,
    email: &str,
    name: &str,
    key: &str,
) -> reqwest::Client {
    let () = ok_json(invite(app, admin, email, key).await).await;
    let token = invitation_token(app, email).await;
    let () = ok_json(
        app.post_with(
            &client(),
            "/api/invitation/accept",
            &[("token", &token), ("name", name), ("password", STRONG)],
        )
        .await,
    )
    .await;
    let staff = client();
    app.sign_in_with(&staff, email, STRONG).await;
    staff
}

async fn me(app: &TestApp, c: &reqwest::Client) -> CurrentUser {
    ok_json::<Option<CurrentUser>>(app.post_with(c, "/api/auth/me", &[]).await)
        .await
        .expect("signed in")
}

async fn status(app: &TestApp, c: &reqwest::Client, endpoint: &str) -> StatusCode {
    app.post_with(c, endpoint, &[]).await.status()
}

async fn maria(app: &TestApp) -> reqwest::Client {
    let maria = client();
    app.sign_in_with(&maria, CLINIC_ADMIN, DEMO_PASSWORD).await;
    maria
}

async fn a_custom_role_grants_exactly_what_it_names(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let maria = maria(&app).await;
    let id = add_role(
        &app,
        &maria,
        "Care coordinator",
        &["patients_manage", "audit_read"],
    )
    .await;
    let listed = roles(&app, &maria).await;
    assert_eq!(
        listed.custom[0].permissions,
        ["patients.manage", "audit.read"]
    );
    assert_eq!(
        listed
            .built_in
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>(),
        ["Provider", "Nurse", "Front desk", "Clinic admin"]
    );
    let key = format!("custom:{id}");
    let coordinator = join_staff(&app, &maria, "kim@example.org", "Kim Park", &key).await;

    let who = me(&app, &coordinator).await;
    assert_eq!(
        (who.role, who.role_name.as_str(), who.home.as_str()),
        (Role::Custom, "Care coordinator", "/clinic")
    );
    assert_eq!(who.permissions, ["patients.manage", "audit.read"]);
    for (endpoint, expected) in [
        ("/api/clinic/home", StatusCode::OK),
        ("/api/clinic/roster", StatusCode::OK),
        ("/api/clinic/audit_log", StatusCode::OK),
        ("/api/clinic/staff", StatusCode::FORBIDDEN),
        ("/api/clinic/roles", StatusCode::FORBIDDEN),
        ("/api/clinic/settings", StatusCode::FORBIDDEN),
        ("/api/clinic/protocols", StatusCode::FORBIDDEN),
        ("/api/provider/patients", StatusCode::FORBIDDEN),
    ] {
        assert_eq!(
            status(&app, &coordinator, endpoint).await,
            expected,
            "{endpoint}"
        );
    }

    // A change to the role holds from its holders' next request, without signing in again.
    let id_text = id.to_string();
    let () = ok_json(
        app.post_with(
            &maria,
            "/api/clinic/roles/save",
            &[
                ("role_id", &id_text),
                ("name", "Patient coordinator"),
                ("patients_manage", "on"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(
        status(&app, &coordinator, "/api/clinic/audit_log").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status(&app, &coordinator, "/api/clinic/roster").await,
        StatusCode::OK
    );
    assert_eq!(
        me(&app, &coordinator).await.role_name,
        "Patient coordinator"
    );
    let audited = last_resource(&app, "role.changed").await;
    assert!(
        audited.contains("name: \"Care coordinator\" -> \"Patient coordinator\"")
            && audited
                .contains("permissions: \"patients.manage audit.read\" -> \"patients.manage\""),
        "{audited}"
    );
    assert!(last_resource(&app, "role.added")
        .await
        .contains("permissions: patients.manage audit.read"));

    // Held, so it stays; once no one holds it, it goes.
    let (status_code, error) = err_json(
        app.post_with(&maria, "/api/clinic/roles/delete", &[("role_id", &id_text)])
            .await,
    )
    .await;
    assert_eq!(status_code, StatusCode::CONFLICT);
    assert!(error.to_string().contains("1 staff members"), "{error}");
    let kim = directory(&app, &maria)
        .await
        .members
        .into_iter()
        .find(|m| m.email == "kim@example.org")
        .unwrap();
    assert_eq!(kim.role_name, "Patient coordinator");
    let () = ok_json(
        app.post_with(
            &maria,
            "/api/clinic/staff/role",
            &[
                ("membership_id", &kim.membership_id.to_string()),
                ("role", "front_desk"),
            ],
        )
        .await,
    )
    .await;
    let () = ok_json(
        app.post_with(&maria, "/api/clinic/roles/delete", &[("role_id", &id_text)])
            .await,
    )
    .await;
    assert!(roles(&app, &maria).await.custom.is_empty());
}

async fn nobody_grants_what_they_do_not_hold(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let maria = maria(&app).await;
    let lead_role = add_role(&app, &maria, "Staff lead", &["staff_manage"]).await;
    let lead = join_staff(
        &app,
        &maria,
        "lee@example.org",
        "Lee Adams",
        &format!("custom:{lead_role}"),
    )
    .await;
    let refused = "You cannot grant what you do not hold yourself";

    // A role with more than theirs.
    let (code, error) = err_json(
        app.post_with(
            &lead,
            "/api/clinic/roles/add",
            &[("name", "Auditor"), ("audit_read", "on")],
        )
        .await,
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error.field_messages("permissions")[0].starts_with(refused),
        "{error:?}"
    );
    // More for their own role.
    let (_, error) = err_json(
        app.post_with(
            &lead,
            "/api/clinic/roles/save",
            &[
                ("role_id", &lead_role.to_string()),
                ("name", "Staff lead"),
                ("staff_manage", "on"),
                ("clinic_settings", "on"),
            ],
        )
        .await,
    )
    .await;
    assert!(error.field_messages("permissions")[0].starts_with(refused));
    // Invitations and role changes to a role running more of the clinic.
    for role in ["clinic_admin", "front_desk"] {
        let (_, error) = err_json(invite(&app, &lead, "new@example.org", role).await).await;
        assert!(
            error.field_messages("role")[0].starts_with(refused),
            "{role}"
        );
    }
    let staff = directory(&app, &lead).await;
    let sarah = staff.members.iter().find(|m| m.email == PROVIDER).unwrap();
    let (_, error) = err_json(
        app.post_with(
            &lead,
            "/api/clinic/staff/role",
            &[
                ("membership_id", &sarah.membership_id.to_string()),
                ("role", "clinic_admin"),
            ],
        )
        .await,
    )
    .await;
    assert!(error.field_messages("role")[0].starts_with(refused));
    // Nor may they change the standing of someone whose role runs more of the clinic.
    let admin = staff
        .members
        .iter()
        .find(|m| m.email == CLINIC_ADMIN)
        .unwrap();
    for (endpoint, extra) in [
        ("/api/clinic/staff/deactivate", None),
        ("/api/clinic/staff/role", Some(("role", "nurse"))),
    ] {
        let id = admin.membership_id.to_string();
        let mut form = vec![("membership_id", id.as_str())];
        form.extend(extra);
        let (code, _) = err_json(app.post_with(&lead, endpoint, &form).await).await;
        assert_eq!(code, StatusCode::CONFLICT, "{endpoint}");
    }
    let (code, _) = err_json(
        app.post_with(
            &lead,
            "/api/mfa/reset",
            &[("user_id", &admin.user_id.to_string())],
        )
        .await,
    )
    .await;
    assert_eq!(code, StatusCode::CONFLICT);
    let after = directory(&app, &maria).await;
    let maria_now = after
        .members
        .iter()
        .find(|m| m.email == CLINIC_ADMIN)
        .unwrap();
    assert!(maria_now.active && maria_now.role == Role::ClinicAdmin);
    assert!(after.invitations.is_empty(), "nothing was invited");

    // Caring for patients is granted by whoever manages staff: a nurse, here.
    let () = ok_json(invite(&app, &lead, "nina@example.org", "nurse").await).await;
}

async fn a_nurse_takes_a_seat_and_sees_the_patients_assigned(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let maria = maria(&app).await;
    let before = directory(&app, &maria).await.seats;
    let nurse = join_staff(&app, &maria, "nina@example.org", "Nina Okafor", "nurse").await;
    let seats = directory(&app, &maria).await.seats;
    assert_eq!(seats.providers, before.providers + 1);
    assert_eq!(me(&app, &nurse).await.home, "/provider");

    let nina = user_id(&app, "nina@example.org").await.to_string();
    let david = user_id(&app, DAVID).await.to_string();
    let assigned: u64 = ok_json(
        app.post_with(
            &maria,
            "/api/clinic/roster/assign",
            &[
                ("provider_id", nina.as_str()),
                ("patient_ids[0]", david.as_str()),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(assigned, 1);
    let page: CompliancePage =
        ok_json(app.post_with(&nurse, "/api/provider/patients", &[]).await).await;
    let names: Vec<&str> = page.rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["David Miller"]);
    assert_eq!(
        app.post_with(&nurse, "/api/provider/patient", &[("patient_id", &david)])
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        status(&app, &nurse, "/api/clinic/roster").await,
        StatusCode::FORBIDDEN
    );

    // A role that stops reading patients gives up their assignments and their seat.
    let nina_member = directory(&app, &maria)
        .await
        .members
        .into_iter()
        .find(|m| m.email == "nina@example.org")
        .unwrap();
    let () = ok_json(
        app.post_with(
            &maria,
            "/api/clinic/staff/role",
            &[
                ("membership_id", &nina_member.membership_id.to_string()),
                ("role", "front_desk"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(directory(&app, &maria).await.seats, before);
    let desk = client();
    app.sign_in_with(&desk, "nina@example.org", STRONG).await;
    assert_eq!(
        status(&app, &desk, "/api/provider/patients").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status(&app, &desk, "/api/clinic/roster").await,
        StatusCode::OK
    );
    assert_eq!(
        status(&app, &desk, "/api/clinic/staff").await,
        StatusCode::FORBIDDEN
    );
}

async fn a_role_that_starts_reading_patients_needs_seats(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let maria = maria(&app).await;
    let id = add_role(&app, &maria, "Desk", &["patients_manage"]).await;
    let _ = join_staff(
        &app,
        &maria,
        "dee@example.org",
        "Dee Ray",
        &format!("custom:{id}"),
    )
    .await;
    as_platform(
        &app,
        "UPDATE plans SET provider_seats = 1 WHERE code = 'standard'",
    )
    .await;
    let (code, error) = err_json(
        app.post_with(
            &maria,
            "/api/clinic/roles/save",
            &[
                ("role_id", &id.to_string()),
                ("name", "Desk"),
                ("patients_manage", "on"),
                ("patient_read", "on"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error.field_messages("permissions")[0]
            .contains("plan (Standard) has 0 of its 1 seats free"),
        "{error:?}"
    );
}

async fn role_forms_explain_each_problem(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let maria = maria(&app).await;
    add_role(&app, &maria, "Care coordinator", &["patients_manage"]).await;
    for (form, field, message) in [
        (
            vec![("name", " "), ("patients_manage", "on")],
            "name",
            "Give the role a name.",
        ),
        (
            vec![("name", "NURSE"), ("patients_manage", "on")],
            "name",
            "That is the name of a built-in role: choose another.",
        ),
        (
            vec![("name", "care Coordinator"), ("patients_manage", "on")],
            "name",
            "Your clinic has a role of that name already.",
        ),
        (
            vec![("name", "Nothing")],
            "permissions",
            "Tick at least one permission.",
        ),
    ] {
        let (code, error) =
            err_json(app.post_with(&maria, "/api/clinic/roles/add", &form).await).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{form:?}");
        assert_eq!(error.field_messages(field), [message], "{form:?}");
    }
    // Another clinic's role is not one of this clinic's.
    let harbour = second_clinic(&app, DAVID).await;
    clinic_admin_of(&app, harbour.id, SECOND_ADMIN).await;
    let nadia = client();
    app.sign_in_with(&nadia, SECOND_ADMIN, DEMO_PASSWORD).await;
    let sunrise_role = roles(&app, &maria).await.custom[0].id.unwrap();
    let (code, error) = err_json(
        invite(
            &app,
            &nadia,
            "x@example.org",
            &format!("custom:{sunrise_role}"),
        )
        .await,
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("role"),
        ["Choose one of your clinic's roles."]
    );
    let (code, error) = err_json(
        app.post_with(
            &nadia,
            "/api/clinic/roles/delete",
            &[("role_id", &sunrise_role.to_string())],
        )
        .await,
    )
    .await;
    assert_eq!((code, error), (StatusCode::NOT_FOUND, AppError::NotFound));
}

crate::on_both_databases!(
    a_custom_role_grants_exactly_what_it_names,
    nobody_grants_what_they_do_not_hold,
    a_nurse_takes_a_seat_and_sees_the_patients_assigned,
    a_role_that_starts_reading_patients_needs_seats,
    role_forms_explain_each_problem
);
