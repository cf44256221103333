//! The clinic's staff as its admin manages them: roles, deactivation, the last-admin rule.
use reqwest::StatusCode;
use salus_app::error::AppError;
use salus_app::model::clinic::StaffMember;
use salus_app::model::Role;

use crate::clinic_invitations::directory;
use crate::helpers::*;

async fn member(app: &TestApp, admin: &reqwest::Client, email: &str) -> StaffMember {
    directory(app, admin)
        .await
        .members
        .into_iter()
        .find(|m| m.email == email)
        .unwrap_or_else(|| panic!("{email} is on the staff"))
}

async fn act(
    app: &TestApp,
    admin: &reqwest::Client,
    endpoint: &str,
    member: &StaffMember,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let id = member.membership_id.to_string();
    let mut form = vec![("membership_id", id.as_str())];
    form.extend_from_slice(extra);
    app.post_with(admin, endpoint, &form).await
}

async fn the_list_shows_each_staff_member(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = client();
    app.sign_in_with(&admin, CLINIC_ADMIN, DEMO_PASSWORD).await;
    let staff = directory(&app, &admin).await;
    let listed: Vec<(&str, Role, bool)> = staff
        .members
        .iter()
        .map(|m| (m.email.as_str(), m.role, m.active))
        .collect();
    // Staff only, never the clinic's patients; by name.
    assert_eq!(
        listed,
        [
            (PROVIDER, Role::Provider, true),
            (CLINIC_ADMIN, Role::ClinicAdmin, true)
        ]
    );
    let maria = &staff.members[1];
    assert!(maria.two_step, "she set it up to sign in");
    assert!(maria.last_sign_in.is_some());
    assert_eq!(staff.seats.providers, 1);
    assert_eq!(staff.seats.allowed, 10);
}

async fn a_deactivated_provider_is_signed_out_and_kept_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = client();
    app.sign_in_with(&admin, CLINIC_ADMIN, DEMO_PASSWORD).await;
    let sarah = client();
    app.sign_in_with(&sarah, PROVIDER, DEMO_PASSWORD).await;
    let list = || app.post_with(&sarah, "/api/provider/patients", &[]);
    assert_eq!(list().await.status(), StatusCode::OK);

    let her = member(&app, &admin, PROVIDER).await;
    let () = ok_json(act(&app, &admin, "/api/clinic/staff/deactivate", &her, &[]).await).await;
    // Her very next request.
    assert_eq!(list().await.status(), StatusCode::UNAUTHORIZED);
    let (status, error) =
        err_json(app.password_step(&client(), PROVIDER, DEMO_PASSWORD).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("form"),
        ["Your account has no active clinic. Contact your clinic for help."]
    );
    let listed = member(&app, &admin, PROVIDER).await;
    assert!(!listed.active);
    assert_eq!(directory(&app, &admin).await.seats.providers, 0);
    let (status, _) =
        err_json(act(&app, &admin, "/api/clinic/staff/deactivate", &her, &[]).await).await;
    assert_eq!(status, StatusCode::CONFLICT);

    let () = ok_json(act(&app, &admin, "/api/clinic/staff/reactivate", &her, &[]).await).await;
    let again = client();
    assert_eq!(
        app.sign_in_with(&again, PROVIDER, DEMO_PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.post_with(&again, "/api/provider/patients", &[])
            .await
            .status(),
        StatusCode::OK
    );

    use salus_app::server::entities::audit_events;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    for action in ["staff.deactivated", "staff.reactivated"] {
        let n = audit_events::Entity::find()
            .filter(audit_events::Column::Action.eq(action))
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(n, 1, "{action}");
    }
}

async fn a_new_role_takes_effect_at_the_next_sign_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = client();
    app.sign_in_with(&admin, CLINIC_ADMIN, DEMO_PASSWORD).await;
    let sarah = client();
    app.sign_in_with(&sarah, PROVIDER, DEMO_PASSWORD).await;
    let her = member(&app, &admin, PROVIDER).await;
    let () = ok_json(
        act(
            &app,
            &admin,
            "/api/clinic/staff/role",
            &her,
            &[("role", "clinic_admin")],
        )
        .await,
    )
    .await;
    assert_eq!(
        app.post_with(&sarah, "/api/provider/patients", &[])
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let again = client();
    app.sign_in_with(&again, PROVIDER, DEMO_PASSWORD).await;
    assert_eq!(
        app.post_with(&again, "/api/clinic/staff", &[])
            .await
            .status(),
        StatusCode::OK
    );
    let (status, error) = err_json(
        act(
            &app,
            &admin,
            "/api/clinic/staff/role",
            &her,
            &[("role", "clinic_admin")],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("role"),
        ["They have that role already."]
    );
    let (_, error) = err_json(
        act(
            &app,
            &admin,
            "/api/clinic/staff/role",
            &her,
            &[("role", "super_admin")],
        )
        .await,
    )
    .await;
    assert_eq!(
        error.field_messages("role"),
        ["Choose one of your clinic's roles."]
    );
}

async fn the_last_clinic_admin_stays(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = client();
    app.sign_in_with(&admin, CLINIC_ADMIN, DEMO_PASSWORD).await;
    let maria = member(&app, &admin, CLINIC_ADMIN).await;
    let refusal = AppError::Conflict(
        "This is the clinic's last active clinic admin. Make someone else a clinic admin first."
            .into(),
    );
    let (status, error) =
        err_json(act(&app, &admin, "/api/clinic/staff/deactivate", &maria, &[]).await).await;
    assert_eq!((status, error), (StatusCode::CONFLICT, refusal.clone()));
    let (status, error) = err_json(
        act(
            &app,
            &admin,
            "/api/clinic/staff/role",
            &maria,
            &[("role", "provider")],
        )
        .await,
    )
    .await;
    assert_eq!((status, error), (StatusCode::CONFLICT, refusal));
    // With a second admin, she may step down.
    let sarah = member(&app, &admin, PROVIDER).await;
    let () = ok_json(
        act(
            &app,
            &admin,
            "/api/clinic/staff/role",
            &sarah,
            &[("role", "clinic_admin")],
        )
        .await,
    )
    .await;
    let () = ok_json(
        act(
            &app,
            &admin,
            "/api/clinic/staff/role",
            &maria,
            &[("role", "provider")],
        )
        .await,
    )
    .await;
    // Which signed her out.
    assert_eq!(
        app.post_with(&admin, "/api/clinic/staff", &[])
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn reactivating_a_provider_needs_a_free_seat(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = client();
    app.sign_in_with(&admin, CLINIC_ADMIN, DEMO_PASSWORD).await;
    let sarah = member(&app, &admin, PROVIDER).await;
    let () = ok_json(act(&app, &admin, "/api/clinic/staff/deactivate", &sarah, &[]).await).await;
    as_platform(
        &app,
        "UPDATE plans SET provider_seats = 1 WHERE code = 'standard'",
    )
    .await;
    let () = ok_json(
        crate::clinic_invitations::invite(&app, &admin, "lena@example.org", "provider").await,
    )
    .await;
    let (status, error) =
        err_json(act(&app, &admin, "/api/clinic/staff/reactivate", &sarah, &[]).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error
            .field_messages("form")
            .join(" ")
            .contains("has 1 provider seats and all are taken"),
        "{error:?}"
    );
}

async fn another_clinics_admin_reaches_none_of_the_staff(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let harbour = second_clinic(&app, DAVID).await;
    clinic_admin_of(&app, harbour.id, SECOND_ADMIN).await;
    let admin = client();
    app.sign_in_with(&admin, CLINIC_ADMIN, DEMO_PASSWORD).await;
    let sarah = member(&app, &admin, PROVIDER).await;
    let nadia = client();
    app.sign_in_with(&nadia, SECOND_ADMIN, DEMO_PASSWORD).await;
    let theirs: Vec<String> = directory(&app, &nadia)
        .await
        .members
        .into_iter()
        .map(|m| m.email)
        .collect();
    assert_eq!(theirs, [SECOND_PROVIDER, SECOND_ADMIN]);
    for (endpoint, extra) in [
        ("/api/clinic/staff/deactivate", &[][..]),
        ("/api/clinic/staff/reactivate", &[][..]),
        ("/api/clinic/staff/role", &[("role", "clinic_admin")][..]),
    ] {
        let (status, error) = err_json(act(&app, &nadia, endpoint, &sarah, extra).await).await;
        assert_eq!(
            (status, error),
            (StatusCode::NOT_FOUND, AppError::NotFound),
            "{endpoint}"
        );
    }
    assert!(member(&app, &admin, PROVIDER).await.active);
}

crate::on_both_databases!(
    the_list_shows_each_staff_member,
    a_deactivated_provider_is_signed_out_and_kept_out,
    a_new_role_takes_effect_at_the_next_sign_in,
    the_last_clinic_admin_stays,
    reactivating_a_provider_needs_a_free_seat,
    another_clinics_admin_reaches_none_of_the_staff
);
