//! Sessions: cookie flags, id rotation at sign-in, idle and absolute expiry, sign-out.
use std::time::Duration;

use reqwest::StatusCode;
use salus_app::model::{CurrentUser, Role};

use crate::helpers::*;

async fn me_with_cookie(app: &TestApp, cookie: &str) -> Option<CurrentUser> {
    let response = client()
        .post(app.url("/api/auth/me"))
        .header("origin", app.origin())
        .header("cookie", format!("salus_session={cookie}"))
        .send()
        .await
        .unwrap();
    ok_json(response).await
}

async fn sign_in_sets_a_safe_cookie_and_rotates_the_session_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = app.sign_in_with(&app.client, DAVID, DEMO_PASSWORD).await;
    let header = first
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(header.contains("HttpOnly"), "{header}");
    assert!(header.contains("SameSite=Lax"), "{header}");
    assert!(header.contains("Path=/"), "{header}");
    let first_id = session_cookie(&first).expect("a session cookie");
    let destination: String = ok_json(first).await;
    assert_eq!(destination, "/patient");

    // Signing in again from the same browser issues a new id and retires the old one.
    let second = app.sign_in_with(&app.client, DAVID, DEMO_PASSWORD).await;
    let second_id = session_cookie(&second).expect("a new session cookie");
    assert_ne!(first_id, second_id);
    assert!(
        me_with_cookie(&app, &first_id).await.is_none(),
        "the old id no longer works"
    );
    assert_eq!(
        me_with_cookie(&app, &second_id).await.unwrap().role,
        Role::Patient
    );
}

async fn sign_out_ends_the_session_on_the_server(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.sign_in_with(&app.client, DAVID, DEMO_PASSWORD).await;
    let id = session_cookie(&response).unwrap();
    assert!(me_with_cookie(&app, &id).await.is_some());
    let response = app.post("/api/auth/sign_out", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    // Replaying the old cookie from anywhere gets nothing.
    assert!(me_with_cookie(&app, &id).await.is_none());
    let response = app.post("/api/patient/dashboard", &[]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

/// A request still running when its session signs out ends by offering the session to the
/// store; the store only updates, so the signed-out session does not come back.
async fn a_request_running_at_sign_out_does_not_bring_the_session_back(backend: Backend) {
    use salus_app::server::session_store::SeaOrmSessionStore;
    use tower_sessions::session::Id;
    use tower_sessions::SessionStore;
    let app = TestApp::spawn(backend).await;
    let response = app.sign_in_with(&app.client, DAVID, DEMO_PASSWORD).await;
    let cookie = session_cookie(&response).unwrap();
    let id: Id = cookie.parse().unwrap();
    // The running request's own store, which loaded the session before the sign-out.
    let store = SeaOrmSessionStore::new(
        app.app_db.clone(),
        app.clock.clone(),
        Duration::from_secs(15 * 60),
    );
    let mut running = store.load(&id).await.unwrap().expect("signed in");

    let response = app.post("/api/auth/sign_out", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);

    // It ends, with a change to save and an expiry to move.
    app.clock.advance(chrono::Duration::minutes(5));
    running
        .data
        .insert("last_page".into(), serde_json::json!("/patient"));
    store.save(&running).await.unwrap();
    assert!(store.load(&id).await.unwrap().is_none());
    assert!(me_with_cookie(&app, &cookie).await.is_none());
}

async fn idle_sessions_expire(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.session_idle = Duration::from_secs(15 * 60)).await;
    let response = app.sign_in_with(&app.client, DAVID, DEMO_PASSWORD).await;
    let id = session_cookie(&response).unwrap();
    // Activity keeps it alive past the idle timeout…
    for _ in 0..3 {
        app.clock.advance(chrono::Duration::minutes(10));
        assert!(me_with_cookie(&app, &id).await.is_some());
    }
    // …and idleness ends it, whatever the browser still holds.
    app.clock
        .advance(chrono::Duration::minutes(15) + chrono::Duration::seconds(1));
    assert!(me_with_cookie(&app, &id).await.is_none());
}

/// A run of requests does not rewrite the session row each time: only a change of its data or
/// an expiry more than a minute behind is written.
async fn session_rows_are_written_only_when_needed(backend: Backend) {
    use salus_app::server::entities::sessions;
    use sea_orm::EntityTrait;
    let app = TestApp::spawn_with(backend, |s| s.session_idle = Duration::from_secs(15 * 60)).await;
    app.sign_in(DAVID, DEMO_PASSWORD).await;
    let stored = || async {
        let rows = sessions::Entity::find().all(&app.db).await.unwrap();
        assert_eq!(rows.len(), 1);
        rows[0].expiry_date
    };
    let signed_in_at = app.clock.now();
    assert_eq!(stored().await, signed_in_at + chrono::Duration::minutes(15));

    app.clock.advance(chrono::Duration::seconds(30));
    assert_eq!(
        app.post("/api/patient/dashboard", &[]).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        stored().await,
        signed_in_at + chrono::Duration::minutes(15),
        "30 s later the expiry is close enough: nothing written"
    );

    app.clock.advance(chrono::Duration::minutes(2));
    assert_eq!(
        app.post("/api/patient/dashboard", &[]).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        stored().await,
        app.clock.now() + chrono::Duration::minutes(15),
        "two and a half minutes later it is moved"
    );
}

async fn sessions_end_after_their_absolute_lifetime(backend: Backend) {
    let app =
        TestApp::spawn_with(backend, |s| s.session_absolute = Duration::from_secs(3600)).await;
    let response = app.sign_in_with(&app.client, DAVID, DEMO_PASSWORD).await;
    let id = session_cookie(&response).unwrap();
    // Active every ten minutes, so never idle for long…
    for _ in 0..5 {
        app.clock.advance(chrono::Duration::minutes(10));
        assert!(me_with_cookie(&app, &id).await.is_some());
    }
    app.clock.advance(chrono::Duration::minutes(10));
    assert!(
        me_with_cookie(&app, &id).await.is_none(),
        "active, but past its lifetime"
    );
}

async fn each_role_lands_on_its_own_portal(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (email, portal) in [
        (DAVID, "/patient"),
        (PROVIDER, "/provider"),
        (CLINIC_ADMIN, "/clinic"),
        (SUPER_ADMIN, "/platform"),
    ] {
        let destination: String =
            ok_json(app.sign_in_with(&client(), email, DEMO_PASSWORD).await).await;
        assert_eq!(destination, portal, "{email}");
    }
    // A local return path is honoured; anything else is ignored.
    let c = client();
    let to: String = ok_json(
        app.post_with(
            &c,
            "/api/auth/sign_in",
            &[
                ("email", DAVID),
                ("password", DEMO_PASSWORD),
                ("next", "/patient?x=1"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(to, "/patient?x=1");
    let to: String = ok_json(
        app.post_with(
            &c,
            "/api/auth/sign_in",
            &[
                ("email", DAVID),
                ("password", DEMO_PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(to, "/patient");
}

/// What a session was granted is checked on every request, not only at sign-in.
async fn lost_roles_end_sessions_on_the_next_request(backend: Backend) {
    use salus_app::server::entities::{clinics, memberships, users};
    use sea_orm::{
        ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    };
    let app = TestApp::spawn(backend).await;
    let signed_in = |email: &'static str| {
        let app = &app;
        async move {
            let c = client();
            let id = session_cookie(&app.sign_in_with(&c, email, DEMO_PASSWORD).await).unwrap();
            assert!(
                me_with_cookie(app, &id).await.is_some(),
                "{email} signed in"
            );
            id
        }
    };
    let user = |email: &'static str| {
        let db = app.db.clone();
        async move {
            users::Entity::find()
                .filter(users::Column::Email.eq(email))
                .one(&db)
                .await
                .unwrap()
                .unwrap()
        }
    };

    // The provider's membership is removed.
    let provider = signed_in(PROVIDER).await;
    memberships::Entity::delete_many()
        .filter(memberships::Column::UserId.eq(user(PROVIDER).await.id))
        .exec(&app.db)
        .await
        .unwrap();
    assert!(
        me_with_cookie(&app, &provider).await.is_none(),
        "removed provider"
    );

    // The clinic admin is demoted to provider.
    let admin = signed_in(CLINIC_ADMIN).await;
    let membership = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user(CLINIC_ADMIN).await.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut demoted = membership.into_active_model();
    demoted.role = Set("provider".into());
    demoted.update(&app.db).await.unwrap();
    assert!(
        me_with_cookie(&app, &admin).await.is_none(),
        "demoted admin"
    );

    // The super admin flag is revoked.
    let platform = signed_in(SUPER_ADMIN).await;
    let mut revoked = user(SUPER_ADMIN).await.into_active_model();
    revoked.is_super_admin = Set(false);
    revoked.update(&app.db).await.unwrap();
    assert!(
        me_with_cookie(&app, &platform).await.is_none(),
        "revoked super admin"
    );

    // The patient's clinic is suspended.
    let patient = signed_in(DAVID).await;
    let clinic = clinics::Entity::find().one(&app.db).await.unwrap().unwrap();
    as_platform(
        &app,
        &format!(
            "UPDATE clinics SET status = 'suspended' WHERE id = {}",
            clinic.id
        ),
    )
    .await;
    assert!(
        me_with_cookie(&app, &patient).await.is_none(),
        "suspended clinic"
    );
    let response = client()
        .post(app.url("/api/patient/dashboard"))
        .header("origin", app.origin())
        .header("cookie", format!("salus_session={patient}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

crate::on_both_databases!(
    a_request_running_at_sign_out_does_not_bring_the_session_back,
    lost_roles_end_sessions_on_the_next_request,
    sign_in_sets_a_safe_cookie_and_rotates_the_session_id,
    sign_out_ends_the_session_on_the_server,
    idle_sessions_expire,
    session_rows_are_written_only_when_needed,
    sessions_end_after_their_absolute_lifetime,
    each_role_lands_on_its_own_portal,
);
