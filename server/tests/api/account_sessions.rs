//! Sessions: cookie flags, id rotation at sign-in, idle and absolute expiry, sign-out.
use std::time::Duration;

use reqwest::StatusCode;
use salus_app::model::account::CurrentUser;
use salus_app::model::Role;

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
    demoted.role = Set(Role::Provider);
    demoted.update(&app.db).await.unwrap();
    assert!(
        me_with_cookie(&app, &admin).await.is_none(),
        "demoted admin"
    );

    // The super admin flag is revoked.
    let platform = signed_in(SUPER_ADMIN).await;
    // (Only platform work changes the flag: on PostgreSQL a trigger holds the admin to it too.)
    as_platform(
        &app,
        &format!("UPDATE users SET is_super_admin = false WHERE email = '{SUPER_ADMIN}'"),
    )
    .await;
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
    anonymous_refused_posts_cannot_fill_the_sessions_table,
);

/// What the `sessions` table holds, in bytes of data.
async fn session_bytes(app: &TestApp) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT CAST(COALESCE(SUM(LENGTH(data)), 0) AS BIGINT) AS n FROM sessions",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// A form a browser without JavaScript posts to sign-in, about 1 MB: an address and a field of
/// no form's, both huge.
fn huge_sign_in() -> String {
    let huge = "x".repeat(480_000);
    serde_urlencoded::to_string([
        ("email", format!("{huge}@example.com")),
        ("password", "wrong password".to_owned()),
        ("anything", huge),
    ])
    .unwrap()
}

async fn post_huge_sign_in(base: &str) -> reqwest::Response {
    // No cookie is kept between posts: every one comes from a new visitor.
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{base}/api/auth/sign_in"))
        .header("origin", base)
        .header("referer", format!("{base}/signin"))
        .header("accept", "text/html")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(huge_sign_in())
        .send()
        .await
        .unwrap()
}

/// 100 refused sign-in posts of about 1 MB from visitors without a session store under 1 MB in
/// all: only the sign-in form's own fields, cut to their length, in a small row each.
async fn anonymous_refused_posts_cannot_fill_the_sessions_table(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let before = session_bytes(&app).await;
    for _ in 0..100 {
        let response = post_huge_sign_in(&app.origin()).await;
        assert!(response.status().is_redirection(), "{}", response.status());
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.contains("__err="), "{location}");
    }
    let grown = session_bytes(&app).await - before;
    assert!(
        grown < 1_000_000,
        "the sessions table grew by {grown} bytes"
    );

    // The form still comes back filled in with what fits, and never the password.
    let browser = client();
    let response = browser
        .post(app.url("/api/auth/sign_in"))
        .header("origin", app.origin())
        .header("referer", app.url("/signin"))
        .header("accept", "text/html")
        .form(&[("email", "not-an-address"), ("password", "wrong password")])
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let page = browser
        .get(&location)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("value=\"not-an-address\""), "{page}");
    assert!(!page.contains("wrong password"));
}

/// Stops a child process however the test ends.
struct KillOnDrop<'a>(&'a mut std::process::Child);

impl Drop for KillOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The resident memory of process `pid`, in kB.
fn resident_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/<pid>/status")
}

/// The server as its own process (so that its memory is its own): after a warm-up, 100 refused
/// anonymous posts of about 1 MB leave its resident memory within 10 %.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_refused_posts_do_not_grow_the_servers_memory() {
    let dir = crate::temp_dir::TempDir::new();
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_salus"))
        .arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SALUS_ADDR", format!("127.0.0.1:{port}"))
        .env("SALUS_WORKER", "off")
        .env("SALUS_LOG", "error")
        .spawn()
        .expect("the salus binary");
    let server = KillOnDrop(&mut server);
    let base = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..300 {
        if reqwest::get(format!("{base}/readyz")).await.is_ok() {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "the server answered /readyz");
    let pid = server.0.id();
    // The allocator settles on its working set for bodies of this size first.
    for _ in 0..20 {
        post_huge_sign_in(&base).await;
    }
    let before = resident_kb(pid);
    for _ in 0..100 {
        let response = post_huge_sign_in(&base).await;
        assert!(response.status().is_redirection(), "{}", response.status());
    }
    let after = resident_kb(pid);
    drop(server);
    assert!(
        after <= before + before / 10,
        "resident memory grew from {before} kB to {after} kB"
    );
}
