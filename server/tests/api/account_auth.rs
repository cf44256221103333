//! Registration with consent, sign-in, the rate limit, and password reset.
use reqwest::StatusCode;
use salus_app::error::AppError;
use salus_app::model::account::CurrentUser;
use salus_app::server::entities::consents;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::*;

async fn registration_records_consent_with_the_policy_version(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .register(&app.client, "Ada Lovelace", "Ada@Example.org ")
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );

    let user = salus_app::server::entities::users::Entity::find()
        .filter(salus_app::server::entities::users::Column::Email.eq("ada@example.org"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the email is stored normalised");
    let consent = consents::Entity::find()
        .filter(consents::Column::PatientId.eq(user.id))
        .one(&app.db)
        .await
        .unwrap()
        .expect("consent recorded");
    assert_eq!(consent.policy_version, "2026-11-01");
    assert_eq!(
        consent.kind,
        salus_app::model::account::ConsentKind::DataUse
    );
    assert!(consent.withdrawn_at.is_none());
    assert!(
        !user.password_hash.contains("correct horse"),
        "only a hash is stored"
    );
    assert!(user
        .password_hash
        .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));

    app.sign_in("ada@example.org", "correct horse battery")
        .await;
    let me: Option<CurrentUser> = ok_json(app.post("/api/auth/me", &[]).await).await;
    let me = me.expect("signed in");
    assert_eq!(me.name, "Ada Lovelace");
    assert_eq!(me.clinic_name.as_deref(), Some("Sunrise Wellness Clinic"));
}

async fn registration_explains_each_problem(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .post(
            "/api/auth/register",
            &[
                ("name", ""),
                ("email", "not-an-email"),
                ("password", "short"),
                ("clinic_code", "NOPE"),
                ("time_zone", ""),
            ],
        )
        .await;
    let (status, error) = err_json(response).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.field_messages("name"), ["Enter your name."]);
    assert_eq!(
        error.field_messages("email"),
        ["Enter a valid email address, like name@example.com."]
    );
    assert_eq!(
        error.field_messages("password"),
        ["Use at least 12 characters."]
    );
    assert_eq!(
        error.field_messages("clinic_code"),
        ["No clinic has that code. Check the code your clinic gave you."]
    );
    assert_eq!(
        error.field_messages("consent"),
        ["You must agree to the privacy policy to create an account."]
    );

    // Long enough is not enough: a guessable password is refused with zxcvbn's reasons, and
    // the person's own name and email count as guessable.
    for password in ["password1234", "qwertyuiopasdf", "RosalindFranklin"] {
        let response = app
            .post(
                "/api/auth/register",
                &[
                    ("name", "Rosalind Franklin"),
                    ("email", "rosalind@example.org"),
                    ("password", password),
                    ("clinic_code", "SUNRISE"),
                    ("consent", "on"),
                ],
            )
            .await;
        let (status, error) = err_json(response).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{password}");
        let message = error.field_messages("password").join(" ");
        let explanation = message
            .strip_prefix("This password would be easy to guess. ")
            .unwrap_or_else(|| panic!("{password}: {message}"));
        assert!(
            !explanation.trim().is_empty(),
            "{password}: no reason given"
        );
    }

    // A taken email answers as a new registration does (the owner is told by email, see
    // `account_security::registering_an_existing_email_answers_like_a_new_registration`), and nothing
    // half-written remains.
    let response = app.register(&app.client, "David Again", DAVID).await;
    assert_eq!(response.status(), StatusCode::OK);
    let consents = consents::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(
        consents.len(),
        3,
        "only the three demo patients' consents exist"
    );
}

async fn wrong_credentials_get_one_generic_message(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, unknown) = err_json(
        app.sign_in_with(&app.client, "nobody@example.com", "whatever-password")
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, wrong) = err_json(app.sign_in_with(&app.client, DAVID, "wrong-password").await).await;
    assert_eq!(
        unknown, wrong,
        "an unknown email and a wrong password look the same"
    );
    assert_eq!(
        wrong.field_messages("form"),
        ["That email and password do not match an account."]
    );
}

async fn repeated_failures_lock_the_account_for_a_while(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for _ in 0..5 {
        let (status, _) =
            err_json(app.sign_in_with(&app.client, DAVID, "wrong-password").await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Even the right password waits now.
    let response = app.sign_in_with(&app.client, DAVID, DEMO_PASSWORD).await;
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().parse::<u64>().unwrap() > 800),
        Some(true)
    );
    let (status, error) = err_json(response).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        error.to_string(),
        "Too many attempts. Try again in 15 minutes."
    );
    // Other accounts are unaffected by this account's lock.
    app.sign_in(PROVIDER, DEMO_PASSWORD).await;
}

async fn repeated_failures_from_one_address_are_limited(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.sign_in_max_failures_per_address = 3).await;
    for n in 0..3 {
        let email = format!("guess{n}@example.com");
        let (status, _) = err_json(
            app.sign_in_with(&app.client, &email, "wrong-password")
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (status, error) =
        err_json(app.sign_in_with(&app.client, PROVIDER, DEMO_PASSWORD).await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(matches!(error, AppError::RateLimited { .. }));
}

/// The account limit holds when guesses arrive together: each attempt is counted before its
/// password is checked, in one step with the check, so at most the limit's worth of the 50
/// reach password verification (each of those is audited as a failed sign-in).
async fn parallel_guesses_cannot_outrun_the_account_limit(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.sign_in_max_failures_per_address = 1_000).await;
    let mut guesses = tokio::task::JoinSet::new();
    for n in 0..50 {
        let (url, origin) = (app.url("/api/auth/sign_in"), app.origin());
        guesses.spawn(async move {
            let password = format!("guess number {n}");
            client()
                .post(url)
                .header("origin", origin)
                .form(&[("email", DAVID), ("password", password.as_str())])
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    let statuses = guesses.join_all().await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    println!("50 parallel guesses: {checked} checked, {limited} refused by the limit");
    assert_eq!(checked + limited, 50, "{statuses:?}");
    assert!(checked <= 5, "{checked} guesses reached the password check");
    let audited = salus_app::server::entities::audit_events::Entity::find()
        .filter(salus_app::server::entities::audit_events::Column::Action.eq("auth.sign_in_failed"))
        .all(&app.db)
        .await
        .unwrap()
        .len();
    assert_eq!(audited, checked);
}

/// Reset requests are limited per email, the same whether an account has it or not, so the
/// refusal says nothing about accounts.
async fn reset_requests_are_limited_per_email(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for email in [DAVID, "nobody@example.com"] {
        for _ in 0..3 {
            let response = app
                .post("/api/auth/request_password_reset", &[("email", email)])
                .await;
            assert_eq!(response.status(), StatusCode::OK);
        }
        let (status, error) = err_json(
            app.post("/api/auth/request_password_reset", &[("email", email)])
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{email}");
        assert!(matches!(error, AppError::RateLimited { .. }));
    }
}

/// Registration forms from one address are limited, refused ones included (which is also
/// what keeps clinic codes from being guessed).
async fn registrations_are_limited_per_address(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let form = [
        ("name", "Guesser"),
        ("email", "guesser@example.org"),
        ("password", "correct horse battery"),
        ("clinic_code", "GUESS"),
        ("consent", "on"),
    ];
    for _ in 0..30 {
        let (status, _) = err_json(app.post("/api/auth/register", &form).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (status, _) = err_json(app.post("/api/auth/register", &form).await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

fn reset_link(app: &TestApp) -> String {
    let messages = salus_app::server::mail::read_mailbox(&app.mailbox).unwrap();
    let message = messages.first().expect("a reset email was sent");
    assert_eq!(message.to, DAVID);
    let line = message
        .body
        .lines()
        .find(|l| l.contains("/reset-password?token="))
        .expect("a link");
    line.trim().to_owned()
}

async fn password_reset_link_works_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Unknown emails get the same answer and no mail.
    let response = app
        .post(
            "/api/auth/request_password_reset",
            &[("email", "nobody@example.com")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app
        .post("/api/auth/request_password_reset", &[("email", DAVID)])
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let link = reset_link_when_sent(&app).await;
    assert_eq!(
        salus_app::server::mail::read_mailbox(&app.mailbox)
            .unwrap()
            .len(),
        1
    );
    let token = link.split("token=").nth(1).unwrap().to_owned();

    let (status, error) = err_json(
        app.post(
            "/api/auth/reset_password",
            &[("token", &token), ("password", "short")],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("password"),
        ["Use at least 12 characters."]
    );

    let response = app
        .post(
            "/api/auth/reset_password",
            &[("token", &token), ("password", "a brand new passphrase")],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
    let (_, error) = err_json(app.sign_in_with(&app.client, DAVID, DEMO_PASSWORD).await).await;
    assert_eq!(
        error.field_messages("form"),
        ["That email and password do not match an account."]
    );
    app.sign_in(DAVID, "a brand new passphrase").await;

    let (status, error) = err_json(
        app.post(
            "/api/auth/reset_password",
            &[("token", &token), ("password", "another new passphrase")],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("token"),
        ["This reset link is invalid or has expired. Ask for a new one."]
    );
}

/// The reset link, once the mail (sent in the background) is in the mailbox.
async fn reset_link_when_sent(app: &TestApp) -> String {
    for _ in 0..50 {
        if salus_app::server::mail::read_mailbox(&app.mailbox)
            .map(|m| !m.is_empty())
            .unwrap_or(false)
        {
            return reset_link(app);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the reset email did not arrive");
}

async fn expired_reset_links_are_refused(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.password_reset_ttl = std::time::Duration::from_secs(30 * 60)
    })
    .await;
    app.post("/api/auth/request_password_reset", &[("email", DAVID)])
        .await;
    let link = reset_link_when_sent(&app).await;
    app.clock.advance(chrono::Duration::minutes(31));
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let (status, error) = err_json(
        app.post(
            "/api/auth/reset_password",
            &[("token", &token), ("password", "a brand new passphrase")],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("token"),
        ["This reset link is invalid or has expired. Ask for a new one."]
    );
}

crate::on_both_databases!(
    registration_records_consent_with_the_policy_version,
    registration_explains_each_problem,
    wrong_credentials_get_one_generic_message,
    repeated_failures_lock_the_account_for_a_while,
    repeated_failures_from_one_address_are_limited,
    parallel_guesses_cannot_outrun_the_account_limit,
    reset_requests_are_limited_per_email,
    registrations_are_limited_per_address,
    password_reset_link_works_once,
    expired_reset_links_are_refused,
);
