//! Role guards, sign-in redirects and the cross-origin refusal.
use reqwest::StatusCode;

use crate::helpers::*;

async fn visitors_are_sent_to_sign_in_and_back(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for page in ["/patient", "/provider", "/clinic", "/platform"] {
        let response = app.get(page).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{page}");
        assert_eq!(
            response.headers()["location"],
            format!("/signin?next={page}")
        );
    }
    let response = app.get("/patient?week=2").await;
    assert_eq!(
        response.headers()["location"],
        "/signin?next=/patient%3Fweek%3D2"
    );
    // Server functions answer 401 rather than data.
    for endpoint in [
        "/api/patient/dashboard",
        "/api/provider/patients",
        "/api/clinic/home",
        "/api/platform/home",
    ] {
        assert_eq!(
            app.post(endpoint, &[]).await.status(),
            StatusCode::UNAUTHORIZED,
            "{endpoint}"
        );
    }
}

async fn each_role_is_refused_the_other_portals(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let cases = [
        (DAVID, "/api/patient/dashboard"),
        (PROVIDER, "/api/provider/patients"),
        (CLINIC_ADMIN, "/api/clinic/home"),
        (SUPER_ADMIN, "/api/platform/home"),
    ];
    for (email, own) in cases {
        let c = client();
        let response = app.sign_in_with(&c, email, DEMO_PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK);
        for (_, endpoint) in cases {
            let status = app.post_with(&c, endpoint, &[]).await.status();
            if endpoint == own {
                assert_eq!(status, StatusCode::OK, "{email} on {endpoint}");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{email} on {endpoint}");
            }
        }
        let status = app
            .post_with(
                &c,
                "/api/patient/log_goal",
                &[("kind", "steps"), ("date", "2026-01-01"), ("value", "1")],
            )
            .await
            .status();
        if email != DAVID {
            assert_eq!(status, StatusCode::FORBIDDEN, "{email} logging a goal");
        }
    }
}

async fn a_patient_signed_in_sees_a_forbidden_page_on_the_provider_portal(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.sign_in(DAVID, DEMO_PASSWORD).await;
    let response = app.get("/provider").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("You do not have permission to do that."),
        "{body}"
    );
}

async fn requests_from_another_origin_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .client
        .post(app.url("/api/auth/sign_in"))
        .header("origin", "http://evil.example")
        .form(&[("email", DAVID), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(
        session_cookie(&response).is_none(),
        "no session was created"
    );
    let response = app
        .client
        .post(app.url("/api/auth/sign_in"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("email", DAVID), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

async fn responses_carry_security_headers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get("/").await;
    let h = response.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["cache-control"], "no-store");
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert!(h.contains_key("x-request-id"));
}

crate::on_both_databases!(
    visitors_are_sent_to_sign_in_and_back,
    each_role_is_refused_the_other_portals,
    a_patient_signed_in_sees_a_forbidden_page_on_the_provider_portal,
    requests_from_another_origin_are_refused,
    responses_carry_security_headers,
);
