//! Invitations to a clinic's staff, from the admin's form to the invitee's first sign-in.
use reqwest::StatusCode;
use salus_app::error::AppError;
use salus_app::model::clinic::{InvitationDetails, StaffDirectory};
use salus_app::model::Role;

use crate::helpers::*;

const NEW_PROVIDER: &str = "lena.fischer@example.org";
const STRONG: &str = "copper kettle harbour lantern";

pub async fn directory(app: &TestApp, admin: &reqwest::Client) -> StaffDirectory {
    ok_json(app.post_with(admin, "/api/clinic/staff", &[]).await).await
}

async fn admin(app: &TestApp) -> reqwest::Client {
    let admin = client();
    app.sign_in_with(&admin, CLINIC_ADMIN, DEMO_PASSWORD).await;
    admin
}

/// The token of the latest invitation mailed to `to`.
pub async fn invitation_token(app: &TestApp, to: &str) -> String {
    invitation_token_about(app, to, "invited").await
}

/// The token of the latest invitation mailed to `to` whose subject contains `subject` (each
/// clinic's says "join <clinic> on Salus").
pub async fn invitation_token_about(app: &TestApp, to: &str, subject: &str) -> String {
    let mail = mail_to(app, to, subject).await;
    let link = mail
        .body
        .lines()
        .find(|l| l.contains("/invitation?token="))
        .expect("the link")
        .trim()
        .to_owned();
    link.split("token=").nth(1).unwrap().to_owned()
}

pub async fn invite(
    app: &TestApp,
    admin: &reqwest::Client,
    email: &str,
    role: &str,
) -> reqwest::Response {
    app.post_with(
        admin,
        "/api/clinic/invitations/new",
        &[("email", email), ("role", role)],
    )
    .await
}

async fn an_invited_provider_sets_a_password_and_signs_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = admin(&app).await;
    let () = ok_json(invite(&app, &admin, " Lena.Fischer@Example.org ", "provider").await).await;
    let token = invitation_token(&app, NEW_PROVIDER).await;
    let mail = mail_to(&app, NEW_PROVIDER, "invited").await;
    assert_eq!(
        mail.subject,
        "You are invited to join Sunrise Wellness Clinic on Salus"
    );
    assert!(mail.body.contains("as provider"), "{}", mail.body);

    let open = directory(&app, &admin).await;
    assert_eq!(open.invitations.len(), 1);
    assert_eq!(open.invitations[0].email, NEW_PROVIDER);
    assert_eq!(open.seats.invited, 1);

    // Whoever has the link sees what it is for, signed in or not.
    let visitor = client();
    let details: InvitationDetails = ok_json(
        app.post_with(&visitor, "/api/invitation/details", &[("token", &token)])
            .await,
    )
    .await;
    assert_eq!(
        details,
        InvitationDetails {
            clinic_name: "Sunrise Wellness Clinic".into(),
            email: NEW_PROVIDER.into(),
            role: Role::Provider,
            role_name: "Provider".into(),
            has_account: false,
            name: None,
        }
    );

    // The password policy holds here as at registration.
    let (status, error) = err_json(
        app.post_with(
            &visitor,
            "/api/invitation/accept",
            &[
                ("token", &token),
                ("name", "Lena Fischer"),
                ("password", "password123"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!error.field_messages("password").is_empty(), "{error:?}");

    let () = ok_json(
        app.post_with(
            &visitor,
            "/api/invitation/accept",
            &[
                ("token", &token),
                ("name", "Lena Fischer"),
                ("password", STRONG),
            ],
        )
        .await,
    )
    .await;
    // Single use.
    let (status, error) = err_json(
        app.post_with(
            &visitor,
            "/api/invitation/accept",
            &[
                ("token", &token),
                ("name", "Someone Else"),
                ("password", STRONG),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("token"),
        [salus_app::server::services::clinic::invitations::INVALID]
    );

    // They sign in as a provider (setting up two-step sign-in first) and see their list.
    let lena = client();
    let response = app.sign_in_with(&lena, NEW_PROVIDER, STRONG).await;
    assert_eq!(response.status(), StatusCode::OK);
    let list: salus_app::model::provider::CompliancePage =
        ok_json(app.post_with(&lena, "/api/provider/patients", &[]).await).await;
    assert_eq!(list.total, 0);

    let after = directory(&app, &admin).await;
    assert!(after.invitations.is_empty());
    let member = after
        .members
        .iter()
        .find(|m| m.email == NEW_PROVIDER)
        .expect("on the staff list");
    assert_eq!(
        (member.role, member.active, member.two_step),
        (Role::Provider, true, true)
    );
    assert!(member.last_sign_in.is_some());
    assert_eq!(after.seats.providers, open.seats.providers + 1);
    assert_eq!(after.seats.invited, 0);

    // The link proved the address.
    use salus_app::server::entities::users;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let user = users::Entity::find()
        .filter(users::Column::Email.eq(NEW_PROVIDER))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(user.email_verified_at.is_some());
}

async fn an_existing_account_joins_with_its_password(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = admin(&app).await;
    let () = ok_json(invite(&app, &admin, DAVID, "provider").await).await;
    let token = invitation_token(&app, DAVID).await;
    let details: InvitationDetails = ok_json(
        app.post("/api/invitation/details", &[("token", &token)])
            .await,
    )
    .await;
    assert!(details.has_account);
    let (status, error) = err_json(
        app.post(
            "/api/invitation/accept",
            &[("token", &token), ("password", "not his password at all")],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("password"),
        ["That is not this account's password."]
    );
    // A name sent along does not rename the account.
    let () = ok_json(
        app.post(
            "/api/invitation/accept",
            &[
                ("token", &token),
                ("name", "Mallory"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await,
    )
    .await;
    let staff = directory(&app, &admin).await;
    let david = staff
        .members
        .iter()
        .find(|m| m.email == DAVID)
        .expect("David is on the staff");
    assert_eq!(david.role, Role::Provider);
    assert_eq!(david.name, "David Miller");
}

async fn provider_seats_limit_invitations(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = admin(&app).await;
    let seats = directory(&app, &admin).await.seats;
    // One seat left on the clinic's plan.
    as_platform(
        &app,
        &format!(
            "UPDATE plans SET provider_seats = {} WHERE code = 'standard'",
            seats.providers + 1
        ),
    )
    .await;
    let () = ok_json(invite(&app, &admin, NEW_PROVIDER, "provider").await).await;
    let (status, error) =
        err_json(invite(&app, &admin, "second@example.org", "provider").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = error.field_messages("role").join(" ");
    assert!(
        message.contains(&format!(
            "has {} provider seats and all are taken",
            seats.providers + 1
        )),
        "{message}"
    );
    // Admins take no provider seat.
    let () = ok_json(invite(&app, &admin, "second@example.org", "clinic_admin").await).await;
    // Withdrawing the provider invitation frees its seat.
    let open = directory(&app, &admin).await;
    let lena = open
        .invitations
        .iter()
        .find(|i| i.email == NEW_PROVIDER)
        .unwrap();
    let () = ok_json(
        app.post_with(
            &admin,
            "/api/clinic/invitations/withdraw",
            &[("invitation_id", &lena.id.to_string())],
        )
        .await,
    )
    .await;
    let () = ok_json(invite(&app, &admin, "third@example.org", "provider").await).await;
}

async fn a_link_sent_again_replaces_the_first_and_a_withdrawn_one_is_dead(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = admin(&app).await;
    let () = ok_json(invite(&app, &admin, NEW_PROVIDER, "provider").await).await;
    let first = invitation_token(&app, NEW_PROVIDER).await;
    let id = directory(&app, &admin).await.invitations[0].id.to_string();
    let () = ok_json(
        app.post_with(
            &admin,
            "/api/clinic/invitations/resend",
            &[("invitation_id", &id)],
        )
        .await,
    )
    .await;
    while mails_to(&app, NEW_PROVIDER) < 2 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let second = invitation_token(&app, NEW_PROVIDER).await;
    assert_ne!(first, second);
    let details = |token: String| {
        let app = &app;
        async move {
            app.post("/api/invitation/details", &[("token", &token)])
                .await
        }
    };
    assert_eq!(
        details(first).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(details(second.clone()).await.status(), StatusCode::OK);
    let () = ok_json(
        app.post_with(
            &admin,
            "/api/clinic/invitations/withdraw",
            &[("invitation_id", &id)],
        )
        .await,
    )
    .await;
    assert_eq!(
        details(second.clone()).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Withdrawn is not open: neither can be done twice.
    let (status, _) = err_json(
        app.post_with(
            &admin,
            "/api/clinic/invitations/resend",
            &[("invitation_id", &id)],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Nor do forged tokens get anywhere.
    for forged in ["", "abc", "1-", "999-00", &second.replacen('-', "0-", 1)] {
        assert_eq!(
            details(forged.to_owned()).await.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{forged}"
        );
    }
}

async fn links_expire_after_a_week(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = admin(&app).await;
    let () = ok_json(invite(&app, &admin, NEW_PROVIDER, "provider").await).await;
    let token = invitation_token(&app, NEW_PROVIDER).await;
    app.clock
        .advance(chrono::Duration::days(7) + chrono::Duration::minutes(1));
    let (status, _) = err_json(
        app.post(
            "/api/invitation/accept",
            &[
                ("token", &token),
                ("name", "Lena Fischer"),
                ("password", STRONG),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // It shows as expired and holds no seat (the admin signs in again: a week has passed).
    let admin = self::admin(&app).await;
    let staff = directory(&app, &admin).await;
    assert!(staff.invitations[0].expired);
    assert_eq!(staff.seats.invited, 0);
}

async fn duplicate_and_bad_invitations_get_field_messages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = admin(&app).await;
    let cases: [(&str, &str, &str, &str); 4] = [
        (
            PROVIDER,
            "provider",
            "email",
            "They are on your staff as provider already.",
        ),
        (
            "not-an-email",
            "provider",
            "email",
            "Enter a valid email address, like name@example.com.",
        ),
        (
            NEW_PROVIDER,
            "super_admin",
            "role",
            "Choose one of your clinic's roles.",
        ),
        (
            NEW_PROVIDER,
            "patient",
            "role",
            "Choose one of your clinic's roles.",
        ),
    ];
    for (email, role, field, message) in cases {
        let (status, error) = err_json(invite(&app, &admin, email, role).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{email} {role}");
        assert_eq!(error.field_messages(field), [message], "{email} {role}");
    }
    let () = ok_json(invite(&app, &admin, NEW_PROVIDER, "provider").await).await;
    let (_, error) = err_json(invite(&app, &admin, NEW_PROVIDER, "clinic_admin").await).await;
    assert_eq!(
        error.field_messages("email"),
        ["They have an open invitation already: send it again from the list instead."]
    );
}

/// Another clinic's admin reaches none of Sunrise's invitations: not through the application,
/// and, on PostgreSQL, not through the database either.
async fn another_clinics_admin_reaches_no_invitation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let harbour = second_clinic(&app, DAVID).await;
    clinic_admin_of(&app, harbour.id, SECOND_ADMIN).await;
    let admin = admin(&app).await;
    let () = ok_json(invite(&app, &admin, NEW_PROVIDER, "provider").await).await;
    let id = directory(&app, &admin).await.invitations[0].id.to_string();
    let nadia = client();
    app.sign_in_with(&nadia, SECOND_ADMIN, DEMO_PASSWORD).await;
    assert!(directory(&app, &nadia).await.invitations.is_empty());
    for endpoint in [
        "/api/clinic/invitations/resend",
        "/api/clinic/invitations/withdraw",
    ] {
        let (status, error) = err_json(
            app.post_with(&nadia, endpoint, &[("invitation_id", &id)])
                .await,
        )
        .await;
        assert_eq!(
            (status, error),
            (StatusCode::NOT_FOUND, AppError::NotFound),
            "{endpoint}"
        );
    }
    if backend == Backend::Postgres {
        use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
        let sunrise = sunrise(&app).await;
        for (role, clinic, expected) in [
            ("clinic_admin", harbour.id, 0),
            ("provider", sunrise, 0),
            ("patient", sunrise, 0),
            ("clinic_admin", sunrise, 1),
        ] {
            let txn = app_txn_as(&app, role, clinic).await;
            let row = txn
                .query_one_raw(Statement::from_string(
                    DatabaseBackend::Postgres,
                    "SELECT count(*) AS n FROM invitations",
                ))
                .await
                .unwrap()
                .unwrap();
            let n: i64 = row.try_get("", "n").unwrap();
            assert_eq!(n, expected, "{role} of clinic {clinic}");
            txn.rollback().await.unwrap();
        }
    }
}

crate::on_both_databases!(
    an_invited_provider_sets_a_password_and_signs_in,
    an_existing_account_joins_with_its_password,
    provider_seats_limit_invitations,
    a_link_sent_again_replaces_the_first_and_a_withdrawn_one_is_dead,
    links_expire_after_a_week,
    duplicate_and_bad_invitations_get_field_messages,
    another_clinics_admin_reaches_no_invitation
);
