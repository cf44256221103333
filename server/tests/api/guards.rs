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

/// David's right password, posted with `headers` and nothing else.
async fn sign_in_sending(app: &TestApp, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app.client.post(app.url("/api/auth/sign_in"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request
        .form(&[("email", DAVID), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap()
}

async fn requests_from_another_origin_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let origin = app.origin();
    // The public URL's origin, with another scheme or another port.
    let other_scheme = origin.replacen("http://", "https://", 1);
    let other_port = format!("http://127.0.0.1:{}", app.addr.port().wrapping_add(1));
    let refused: [&[(&str, &str)]; 7] = [
        &[("origin", "http://evil.example")],
        &[("origin", &other_scheme)],
        &[("origin", &other_port)],
        &[("sec-fetch-site", "cross-site")],
        // A sibling subdomain is the same site, not the same origin; and a browser's word
        // wins over an `Origin` that a non-browser could have copied.
        &[("sec-fetch-site", "same-site"), ("origin", &origin)],
        &[("sec-fetch-site", "cross-site"), ("origin", &origin)],
        // `Origin: null` without `Sec-Fetch-Site` says nothing about where the post came from.
        &[("origin", "null")],
    ];
    for headers in refused {
        let response = sign_in_sending(&app, headers).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{headers:?}");
        assert!(
            session_cookie(&response).is_none(),
            "no session was created: {headers:?}"
        );
    }
}

/// What a browser sends when the sign-in form is posted before the page's islands are alive
/// (or without JavaScript): a plain same-origin form post that asks for HTML. It signs in and
/// returns to the page it came from, which sends the now signed-in visitor on to their portal.
async fn a_form_posted_without_javascript_signs_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let from = app.url("/signin?next=%2Fpatient");
    let response = app
        .client
        .post(app.url("/api/auth/sign_in"))
        .header("sec-fetch-site", "same-origin")
        .header("origin", "null")
        .header("referer", &from)
        .header("accept", "text/html,application/xhtml+xml")
        .form(&[
            ("email", DAVID),
            ("password", DEMO_PASSWORD),
            ("next", "/patient"),
        ])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(response.headers()["location"], from.as_str());
    assert!(session_cookie(&response).is_some(), "signed in");

    let back = app
        .client
        .get(&from)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert!(back.status().is_redirection(), "{}", back.status());
    assert_eq!(back.headers()["location"], "/patient");
    let portal = app.get("/patient").await;
    assert_eq!(portal.status(), StatusCode::OK);
    assert!(portal.text().await.unwrap().contains("Welcome, David"));

    // A wrong password comes back to the form with the reason.
    let stranger = client();
    let response = stranger
        .post(app.url("/api/auth/sign_in"))
        .header("sec-fetch-site", "same-origin")
        .header("referer", &from)
        .header("accept", "text/html")
        .form(&[
            ("email", DAVID),
            ("password", "not the password"),
            ("next", "/patient"),
        ])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&from), "{location}");
    let page = stranger.get(&location).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("That email and password do not match an account."),
        "the form says why"
    );
}

/// A form posted without JavaScript and refused comes back filled in with what was typed,
/// once, and never with the password, which is not kept anywhere.
async fn a_refused_plain_form_comes_back_with_what_was_typed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let visitor = client();
    let from = app.url("/register");
    let response = visitor
        .post(app.url("/api/auth/register"))
        .header("sec-fetch-site", "same-origin")
        .header("referer", &from)
        .header("accept", "text/html")
        .form(&[
            ("name", "Grace Hopper"),
            ("email", "grace@example.org"),
            ("password", "correct horse battery"),
            ("clinic_code", "SUNRISE"),
        ])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("__err="), "{location}");
    let kept = sea_orm::ConnectionTrait::query_all_raw(
        &app.db,
        sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT data FROM sessions".to_owned(),
        ),
    )
    .await
    .unwrap()
    .iter()
    .map(|row| row.try_get::<String>("", "data").unwrap())
    .collect::<Vec<_>>()
    .join("\n");
    assert!(kept.contains("Grace Hopper"), "the fields are kept");
    assert!(!kept.contains("correct horse"), "the password is not");

    // Another visitor landing on the same address sees nothing of it, not even the error: a
    // page shows an error from its address only to the session it was given to, so a link
    // cannot put words ("Account locked. Call …") on the sign-in page. It is sent on to the
    // page without the error (its islands read the address bar too).
    let other = client().get(&location).send().await.unwrap();
    assert_eq!(other.status(), StatusCode::SEE_OTHER);
    let clean = other.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        !clean.contains("__err") && !clean.contains("__path"),
        "{clean}"
    );
    assert!(clean.starts_with("/register"), "{clean}");
    let other = client()
        .get(app.url(&clean))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!other.contains("You must agree to the privacy policy"));
    assert!(!other.contains("Grace Hopper"));
    // Not even through an address that would lead elsewhere.
    let query = location.split_once('?').unwrap().1;
    let sneaky = client()
        .get(app.url(&format!("//evil.example/x?{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        sneaky.headers()["location"].to_str().unwrap(),
        "/evil.example/x"
    );

    let html = visitor
        .get(&location)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("You must agree to the privacy policy"));
    for typed in [
        "value=\"Grace Hopper\"",
        "value=\"grace@example.org\"",
        "value=\"SUNRISE\"",
    ] {
        assert!(html.contains(typed), "{typed} is back in the form");
    }
    assert!(!html.contains("correct horse"));
    // Once: the same page loaded again starts empty (the error stays this session's own).
    let again = visitor
        .get(&location)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!again.contains("Grace Hopper"));
}

async fn responses_carry_security_headers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get("/").await;
    let h = response.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert_eq!(h["cache-control"], "no-store");
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert!(h.contains_key("x-request-id"));
}

/// The policy's `script-src` of a response.
fn script_src(response: &reqwest::Response) -> String {
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    policy
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src "))
        .unwrap_or_else(|| panic!("no script-src in {policy}"))
        .to_owned()
}

/// Scripts run only from the site or with the page's own nonce, fresh on every page load:
/// never `unsafe-inline`. Every inline script the page has carries the nonce; answers that are
/// not pages get the same policy without one; no development reload socket is allowed.
async fn pages_run_only_scripts_with_their_own_nonce(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let nonce_of = |script_src: &str| {
        script_src
            .split_whitespace()
            .find_map(|s| s.strip_prefix("'nonce-"))
            .and_then(|s| s.strip_suffix('\''))
            .map(str::to_owned)
    };
    let mut nonces = Vec::new();
    for path in ["/", "/signin", "/"] {
        let response = app.get(path).await;
        let src = script_src(&response);
        assert!(!src.contains("unsafe-inline"), "{src}");
        let policy = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(!policy.contains("ws://"), "{policy}");
        let nonce = nonce_of(&src).unwrap_or_else(|| panic!("no nonce in {src}"));
        assert!(nonce.len() >= 22, "128 bits at least: {nonce}");
        let html = response.text().await.unwrap();
        let scripts = html.matches("<script").count();
        assert!(scripts > 0, "{path}: the islands' loader is inline");
        assert_eq!(
            html.matches(&format!("nonce=\"{nonce}\"")).count(),
            scripts,
            "{path}: every inline script carries the nonce"
        );
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[2], "a fresh nonce for every page load");

    let response = app.post("/api/auth/me", &[]).await;
    let src = script_src(&response);
    assert!(
        !src.contains("unsafe-inline") && !src.contains("nonce"),
        "{src}"
    );
}

crate::on_both_databases!(
    pages_run_only_scripts_with_their_own_nonce,
    visitors_are_sent_to_sign_in_and_back,
    each_role_is_refused_the_other_portals,
    a_patient_signed_in_sees_a_forbidden_page_on_the_provider_portal,
    requests_from_another_origin_are_refused,
    a_form_posted_without_javascript_signs_in,
    a_refused_plain_form_comes_back_with_what_was_typed,
    responses_carry_security_headers,
);
