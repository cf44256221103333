//! Super admins over HTTP: inviting another by email, accepting (a new account, a super admin
//! only), revoking (from the next request), and the last one who cannot be revoked.
use reqwest::StatusCode;
use salus_app::model::platform::SuperAdmins;
use salus_app::server::entities::audit_events;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::*;

const NEW_ADMIN: &str = "priya.raman@example.org";
const STRONG: &str = "granite orchard pelican violet";

async fn admins(app: &TestApp, admin: &reqwest::Client) -> SuperAdmins {
    ok_json(
        app.post_with(admin, "/api/platform/super_admins", &[])
            .await,
    )
    .await
}

async fn invitation_token(app: &TestApp) -> String {
    let mail = mail_to(app, NEW_ADMIN, "run the Salus platform").await;
    let link = mail
        .body
        .lines()
        .find(|l| l.contains("/platform-invitation?token="))
        .expect("the link")
        .trim()
        .to_owned();
    link.split("token=").nth(1).unwrap().to_owned()
}

async fn revoke(app: &TestApp, admin: &reqwest::Client, user: i64) -> reqwest::Response {
    app.post_with(
        admin,
        "/api/platform/super_admins/revoke",
        &[("user_id", &user.to_string())],
    )
    .await
}

async fn a_super_admin_invites_another_who_joins_and_can_be_revoked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = signed_in(&app, SUPER_ADMIN).await;
    // An address with an account is refused: a super admin's account is theirs alone.
    let (status, error) = err_json(
        app.post_with(
            &admin,
            "/api/platform/super_admins/invite",
            &[("email", DAVID)],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error.field_messages("email")[0].starts_with("This address has a Salus account already.")
    );

    let response = app
        .post_with(
            &admin,
            "/api/platform/super_admins/invite",
            &[("email", " Priya.Raman@Example.org ")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let listed = admins(&app, &admin).await;
    assert_eq!(listed.invitations.len(), 1);
    assert_eq!(listed.invitations[0].email, NEW_ADMIN);
    let token = invitation_token(&app).await;
    let shown: String = ok_json(
        app.post_with(
            &client(),
            "/api/platform/super_admin_invitation",
            &[("token", &token)],
        )
        .await,
    )
    .await;
    assert_eq!(shown, NEW_ADMIN);
    let (status, error) = err_json(
        app.post_with(
            &client(),
            "/api/platform/super_admin_invitation/accept",
            &[
                ("token", &token),
                ("name", "Priya Raman"),
                ("password", "short"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!error.field_messages("password").is_empty());
    let response = app
        .post_with(
            &client(),
            "/api/platform/super_admin_invitation/accept",
            &[
                ("token", &token),
                ("name", "Priya Raman"),
                ("password", STRONG),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    // Once only.
    let (status, error) = err_json(
        app.post_with(
            &client(),
            "/api/platform/super_admin_invitation/accept",
            &[("token", &token), ("name", "Someone"), ("password", STRONG)],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("form"),
        [salus_app::server::services::platform::super_admins::INVALID]
    );

    // She signs in as a super admin (setting up two-step sign-in) and sees the platform.
    let priya = client();
    let response = app.sign_in_with(&priya, NEW_ADMIN, STRONG).await;
    assert_eq!(response.status(), StatusCode::OK);
    let listed = admins(&app, &priya).await;
    let names: Vec<&str> = listed.admins.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Platform Admin", "Priya Raman"]);
    assert!(listed.admins.iter().all(|a| a.two_step));
    assert!(listed.invitations.is_empty());

    // Revoked by the first: her very next request is refused, and she cannot sign in.
    let priya_id = user_id(&app, NEW_ADMIN).await;
    assert_eq!(
        revoke(&app, &admin, priya_id).await.status(),
        StatusCode::OK
    );
    let (status, _) = err_json(
        app.post_with(&priya, "/api/platform/super_admins", &[])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let response = app.password_step(&client(), NEW_ADMIN, STRONG).await;
    assert!(
        !response.status().is_success(),
        "no role left to sign in with"
    );
    let actions: Vec<String> = audit_events::Entity::find()
        .filter(audit_events::Column::Action.starts_with("platform.super_admin"))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "platform.super_admin_invite",
            "platform.super_admin_join",
            "platform.super_admin_revoke"
        ]
    );
}

/// The platform keeps at least one super admin: revoking the last is refused, with the reason.
async fn the_last_super_admin_cannot_be_revoked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = signed_in(&app, SUPER_ADMIN).await;
    let me = user_id(&app, SUPER_ADMIN).await;
    let (status, error) = err_json(revoke(&app, &admin, me).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        error.to_string(),
        salus_app::server::services::platform::super_admins::LAST_ONE
    );
    assert_eq!(admins(&app, &admin).await.admins.len(), 1);
    // Someone who is not a super admin is not theirs to revoke.
    let david = user_id(&app, DAVID).await;
    let (status, _) = err_json(revoke(&app, &admin, david).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// A link that is not good is refused before anything runs with the platform's reach: no
/// platform transaction (it would take the platform's audit-chain lock, on SQLite the whole
/// database's write lock, and write an audit event), for the page or for an acceptance. And
/// one address may try only so many links.
async fn a_bad_invitation_link_is_refused_before_any_platform_work(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let platform_work = || async {
        use sea_orm::PaginatorTrait;
        audit_events::Entity::find()
            .filter(audit_events::Column::Action.eq("platform.task"))
            .count(&app.db)
            .await
            .unwrap()
    };
    let before = platform_work().await;
    let (status, _) = err_json(
        app.post(
            "/api/platform/super_admin_invitation",
            &[("token", "not-a-real-token")],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = err_json(
        app.post(
            "/api/platform/super_admin_invitation/accept",
            &[
                ("token", "not-a-real-token"),
                ("name", "Mallory"),
                ("password", STRONG),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        platform_work().await,
        before,
        "no platform work for a bad link"
    );

    // A clinic's invitation page counts against the same limit per address.
    let mut refused = None;
    for attempt in 0..40 {
        let response = app
            .post(
                "/api/invitation/details",
                &[("token", "1-not-a-real-token")],
            )
            .await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(attempt);
            break;
        }
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(
        refused,
        Some(28),
        "30 link requests per address in 15 minutes"
    );
}

crate::on_both_databases!(
    a_super_admin_invites_another_who_joins_and_can_be_revoked,
    the_last_super_admin_cannot_be_revoked,
    a_bad_invitation_link_is_refused_before_any_platform_work,
);
