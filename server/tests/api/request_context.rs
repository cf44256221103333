//! What the server believes about a request: its id and the client's address come from the
//! connection, and from a client's headers only through a trusted proxy.
use reqwest::StatusCode;
use salus_app::error::AppError;
use salus_app::server::entities::audit_events;
use salus_app::server::request::IpRange;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::helpers::*;

async fn sign_in_from(
    app: &TestApp,
    email: &str,
    password: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/api/auth/sign_in"))
        .header("origin", app.origin())
        .form(&[("email", email), ("password", password)]);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

async fn last_sign_in(app: &TestApp) -> audit_events::Model {
    audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("auth.sign_in"))
        .order_by_desc(audit_events::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("a sign-in was audited")
}

async fn a_client_cannot_choose_its_request_id_or_address(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = sign_in_from(
        &app,
        DAVID,
        DEMO_PASSWORD,
        &[
            ("x-request-id", "forged-id"),
            ("x-forwarded-for", "198.51.100.7"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_ne!(id, "forged-id");
    let event = last_sign_in(&app).await;
    assert_eq!(event.request_id.as_deref(), Some(id.as_str()));
    assert_eq!(event.client_addr.as_deref(), Some("127.0.0.1"));
}

async fn a_trusted_proxys_headers_are_believed(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.trusted_proxies = vec![IpRange::parse("127.0.0.1").unwrap()];
        s.sign_in_max_failures_per_address = 3;
    })
    .await;
    let response = sign_in_from(
        &app,
        DAVID,
        DEMO_PASSWORD,
        &[
            ("x-request-id", "proxy-1234"),
            ("x-forwarded-for", "1.2.3.4, 198.51.100.7"),
        ],
    )
    .await;
    assert_eq!(response.headers()["x-request-id"], "proxy-1234");
    let event = last_sign_in(&app).await;
    assert_eq!(event.request_id.as_deref(), Some("proxy-1234"));
    assert_eq!(
        event.client_addr.as_deref(),
        Some("198.51.100.7"),
        "the address the proxy saw, not the one the client wrote"
    );

    // Behind the proxy, one client's failures do not lock out another.
    for n in 0..3 {
        let email = format!("guess{n}@example.com");
        let response = sign_in_from(
            &app,
            &email,
            "wrong-password",
            &[("x-forwarded-for", "203.0.113.66")],
        )
        .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (status, error) = err_json(
        sign_in_from(
            &app,
            PROVIDER,
            DEMO_PASSWORD,
            &[("x-forwarded-for", "203.0.113.66")],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(matches!(error, AppError::RateLimited { .. }));
    let response = sign_in_from(
        &app,
        PROVIDER,
        DEMO_PASSWORD,
        &[("x-forwarded-for", "198.51.100.7")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
}

async fn the_dev_mailbox_is_off_unless_asked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reset = app
        .post(
            "/api/auth/request_password_reset",
            &[("email", SUPER_ADMIN)],
        )
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    let (status, _) = err_json(app.post("/api/dev/mailbox", &[]).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nobody may read reset links");

    let dev = TestApp::spawn_with(backend, |s| s.dev_pages = true).await;
    let messages: Vec<salus_app::model::MailboxMessage> =
        ok_json(dev.post("/api/dev/mailbox", &[]).await).await;
    assert!(messages.is_empty());

    // Switched on, it answers only a browser on this machine: a request that came through a
    // proxy (which connects from loopback too) says whom it is for, and is refused.
    for header in ["x-forwarded-for", "forwarded", "x-real-ip"] {
        let through_a_proxy = dev
            .client
            .post(dev.url("/api/dev/mailbox"))
            .header("origin", dev.origin())
            .header(header, "203.0.113.7")
            .send()
            .await
            .unwrap();
        assert_eq!(through_a_proxy.status(), StatusCode::NOT_FOUND, "{header}");
    }
}

crate::on_both_databases!(
    a_client_cannot_choose_its_request_id_or_address,
    a_trusted_proxys_headers_are_believed,
    the_dev_mailbox_is_off_unless_asked,
);
