//! The security page's server functions: signed-in devices and ending them, password change;
//! and what a password reset does to sessions and other reset links.
use reqwest::{Client, StatusCode};
use salus_app::model::account::{CurrentUser, SignedInDevice};
use salus_app::server::mail::read_mailbox;

use crate::helpers::*;

async fn me(app: &TestApp, client: &Client) -> Option<CurrentUser> {
    ok_json(app.post_with(client, "/api/auth/me", &[]).await).await
}

async fn devices(app: &TestApp, client: &Client) -> Vec<SignedInDevice> {
    ok_json(app.post_with(client, "/api/security/devices", &[]).await).await
}

/// A browser of its own, announcing itself as `user_agent`, signed in as `email`.
async fn signed_in_browser(app: &TestApp, email: &str, user_agent: &str) -> Client {
    let browser = Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(user_agent)
        .build()
        .unwrap();
    let response = app.sign_in_with(&browser, email, DEMO_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    browser
}

const FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0";
const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";

/// Mail sent in the background: waits (briefly, on real time: it is I/O, not the clock) until
/// a message with `subject` has arrived for `to`.
async fn mail_to(app: &TestApp, to: &str, subject: &str) -> String {
    for _ in 0..50 {
        if let Some(message) = read_mailbox(&app.mailbox)
            .unwrap_or_default()
            .into_iter()
            .find(|m| m.to == to && m.subject == subject)
        {
            return message.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no mail to {to} with subject {subject:?}");
}

/// The database keeps a hash of each session id, never the id a cookie carries, and the
/// session's user beside it.
async fn session_ids_are_stored_hashed(backend: Backend) {
    use salus_app::server::entities::sessions;
    use sea_orm::EntityTrait;
    use sha2::{Digest, Sha256};
    let app = TestApp::spawn(backend).await;
    let response = app.sign_in_with(&app.client, DAVID, DEMO_PASSWORD).await;
    let cookie = session_cookie(&response).unwrap();
    let rows = sessions::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_ne!(rows[0].id, cookie);
    assert!(!rows[0].data.contains(&cookie));
    assert_eq!(rows[0].id, hex::encode(Sha256::digest(cookie.as_bytes())));
    assert_eq!(rows[0].user_id, Some(user_id(&app, DAVID).await));
}

async fn devices_are_listed_and_any_one_can_be_signed_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let laptop = signed_in_browser(&app, DAVID, FIREFOX).await;
    let phone = signed_in_browser(&app, DAVID, PHONE).await;
    // Somebody else's session, which David's page must neither show nor end.
    let provider = signed_in_browser(&app, PROVIDER, FIREFOX).await;

    let listed = devices(&app, &laptop).await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    let this = listed.iter().find(|d| d.current).expect("this device");
    assert_eq!(this.browser, "Firefox on Windows");
    assert_eq!(this.address.as_deref(), Some("127.0.0.1"));
    assert_eq!(this.signed_in_at, "23 Nov 2026, 14:00 UTC");
    assert_eq!(this.last_active, "23 Nov 2026, 14:00 UTC");
    let other = listed.iter().find(|d| !d.current).unwrap();
    assert_eq!(other.browser, "Safari on iOS");

    // Last active follows the device's own requests.
    app.clock.advance(chrono::Duration::minutes(5));
    assert!(me(&app, &phone).await.is_some());
    let listed = devices(&app, &laptop).await;
    let other = listed.iter().find(|d| !d.current).unwrap();
    assert_eq!(other.last_active, "23 Nov 2026, 14:05 UTC");

    // The provider's key is not David's to end.
    let provider_key = devices(&app, &provider).await[0].key.clone();
    let (status, error) = err_json(
        app.post_with(
            &laptop,
            "/api/security/end_session",
            &[("key", &provider_key)],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("form"),
        ["That device is not signed in any more."]
    );
    assert!(me(&app, &provider).await.is_some());

    let response = app
        .post_with(&laptop, "/api/security/end_session", &[("key", &other.key)])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(me(&app, &phone).await.is_none(), "the phone is signed out");
    assert!(me(&app, &laptop).await.is_some(), "the laptop is not");
    assert_eq!(devices(&app, &laptop).await.len(), 1);

    // Not signed in: no list.
    let (status, _) = err_json(app.post_with(&client(), "/api/security/devices", &[]).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn every_other_device_can_be_signed_out_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let laptop = signed_in_browser(&app, DAVID, FIREFOX).await;
    let phone = signed_in_browser(&app, DAVID, PHONE).await;
    let tablet = signed_in_browser(&app, DAVID, PHONE).await;
    let provider = signed_in_browser(&app, PROVIDER, FIREFOX).await;
    let response = app
        .post_with(&laptop, "/api/security/end_other_sessions", &[])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(me(&app, &phone).await.is_none());
    assert!(me(&app, &tablet).await.is_none());
    assert!(me(&app, &laptop).await.is_some());
    assert!(
        me(&app, &provider).await.is_some(),
        "other users keep theirs"
    );
}

async fn a_password_change_needs_the_current_one_and_signs_out_every_other_device(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let laptop = signed_in_browser(&app, DAVID, FIREFOX).await;
    let phone = signed_in_browser(&app, DAVID, PHONE).await;
    let change = |current: &'static str, new: &'static str| {
        let laptop = laptop.clone();
        let app = &app;
        async move {
            app.post_with(
                &laptop,
                "/api/security/change_password",
                &[("current_password", current), ("new_password", new)],
            )
            .await
        }
    };

    let (status, error) =
        err_json(change("not my password", "a brand new passphrase 42").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("current_password"),
        ["That is not your current password."]
    );
    let (_, error) = err_json(change(DEMO_PASSWORD, "short").await).await;
    assert_eq!(
        error.field_messages("new_password"),
        ["Use at least 12 characters."]
    );
    let (_, error) = err_json(change(DEMO_PASSWORD, DEMO_PASSWORD).await).await;
    assert!(!error.field_messages("new_password").is_empty());
    assert!(me(&app, &phone).await.is_some(), "refusals change nothing");

    let before = devices(&app, &laptop).await;
    let response = change(DEMO_PASSWORD, "a brand new passphrase 42").await;
    assert_eq!(response.status(), StatusCode::OK);
    let rotated = session_cookie(&response).expect("the session gets a new id");
    assert!(
        me(&app, &laptop).await.is_some(),
        "this device stays signed in"
    );
    assert!(
        me(&app, &phone).await.is_none(),
        "every other device is out"
    );
    let after = devices(&app, &laptop).await;
    assert_eq!(after.len(), 1);
    assert_ne!(
        after[0].key,
        before.iter().find(|d| d.current).unwrap().key,
        "under a new id ({rotated})"
    );

    let response = app.sign_in_with(&client(), DAVID, DEMO_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = app
        .sign_in_with(&client(), DAVID, "a brand new passphrase 42")
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let notice = mail_to(&app, DAVID, "Your Salus password was changed").await;
    assert!(!notice.contains("token"), "{notice}");
    assert!(!notice.contains("/reset-password"), "{notice}");
}

/// Guesses at the current password count against the account's sign-in limit.
async fn guessing_the_current_password_is_limited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let laptop = signed_in_browser(&app, DAVID, FIREFOX).await;
    for n in 0..5 {
        let guess = format!("guess number {n}");
        let (status, _) = err_json(
            app.post_with(
                &laptop,
                "/api/security/change_password",
                &[
                    ("current_password", &guess),
                    ("new_password", "a brand new passphrase 42"),
                ],
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (status, _) = err_json(
        app.post_with(
            &laptop,
            "/api/security/change_password",
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", "a brand new passphrase 42"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

fn reset_links(app: &TestApp) -> Vec<String> {
    read_mailbox(&app.mailbox)
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m.subject == "Reset your Salus password")
        .filter_map(|m| {
            m.body
                .lines()
                .find(|l| l.contains("/reset-password?token="))
                .map(|l| l.trim().to_owned())
        })
        .collect()
}

async fn a_password_reset_signs_out_everywhere_and_voids_other_links(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let laptop = signed_in_browser(&app, DAVID, FIREFOX).await;
    for _ in 0..2 {
        let response = app
            .post("/api/auth/request_password_reset", &[("email", DAVID)])
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let mut links = Vec::new();
    for _ in 0..50 {
        links = reset_links(&app);
        if links.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(links.len(), 2, "two reset emails");
    let token = |link: &str| link.split("token=").nth(1).unwrap().to_owned();

    let new_password = "another fresh passphrase 7";
    let response = app
        .post(
            "/api/auth/reset_password",
            &[("token", &token(&links[0])), ("password", new_password)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(me(&app, &laptop).await.is_none(), "signed out everywhere");

    let (status, error) = err_json(
        app.post(
            "/api/auth/reset_password",
            &[
                ("token", &token(&links[1])),
                ("password", "yet another passphrase 9"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        !error.field_messages("token").is_empty(),
        "the other link is void"
    );

    let notice = mail_to(&app, DAVID, "Your Salus password was changed").await;
    assert!(!notice.contains("token"), "{notice}");
    let response = app.sign_in_with(&client(), DAVID, new_password).await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// Registering with an email that has an account answers as a new registration does; the
/// account is untouched and its owner is told by email.
async fn registering_an_existing_email_answers_like_a_new_registration(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let new = app
        .register(&client(), "Ada Lovelace", "ada@example.org")
        .await;
    let existing = app.register(&client(), "Not David", DAVID).await;
    assert_eq!(new.status(), StatusCode::OK);
    assert_eq!(existing.status(), new.status());
    assert_eq!(existing.text().await.unwrap(), new.text().await.unwrap());

    let notice = mail_to(&app, DAVID, "Someone tried to register with your email").await;
    assert!(!notice.contains("token"), "{notice}");
    let response = app.sign_in_with(&app.client, DAVID, DEMO_PASSWORD).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "David's password is his own"
    );
    let signed_in = me(&app, &app.client).await.unwrap();
    assert_eq!(signed_in.name, "David Miller");
}

fn verification_tokens(app: &TestApp, to: &str) -> Vec<String> {
    read_mailbox(&app.mailbox)
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m.to == to && m.subject == "Confirm your email address for Salus")
        .filter_map(|m| {
            m.body
                .lines()
                .find_map(|l| l.trim().split_once("/verify-email?token="))
                .map(|(_, token)| token.to_owned())
        })
        .collect()
}

/// A new account gets a link to confirm its email address; the link works once and for a
/// week, and the owner can ask for another from the security page.
async fn new_accounts_confirm_their_email_with_the_mailed_link(backend: Backend) {
    use salus_app::model::account::EmailStatus;
    let app = TestApp::spawn(backend).await;
    let ada = "ada@example.org";
    let response = app.register(&client(), "Ada Lovelace", ada).await;
    assert_eq!(response.status(), StatusCode::OK);
    mail_to(&app, ada, "Confirm your email address for Salus").await;
    let browser = client();
    let response = app
        .sign_in_with(&browser, ada, "correct horse battery")
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the account works before it is confirmed"
    );
    let status = |browser: Client| {
        let app = &app;
        async move {
            ok_json::<EmailStatus>(app.post_with(&browser, "/api/security/email", &[]).await).await
        }
    };
    assert!(!status(browser.clone()).await.verified);

    let token = verification_tokens(&app, ada).remove(0);
    let response = app
        .post("/api/auth/verify_email", &[("token", &token)])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(status(browser.clone()).await.verified);
    let (status_code, error) = err_json(
        app.post("/api/auth/verify_email", &[("token", &token)])
            .await,
    )
    .await;
    assert_eq!(status_code, StatusCode::UNPROCESSABLE_ENTITY, "used once");
    assert!(!error.field_messages("token").is_empty());
    let (status_code, _) = err_json(
        app.post_with(&browser, "/api/security/send_verification", &[])
            .await,
    )
    .await;
    assert_eq!(status_code, StatusCode::CONFLICT, "confirmed already");

    // Another new account asks for new links: a few an hour, and each works for a week.
    let grace = "grace@example.org";
    app.register(&client(), "Grace Hopper", grace).await;
    let graces = client();
    app.sign_in_with(&graces, grace, "correct horse battery")
        .await;
    for _ in 0..3 {
        let response = app
            .post_with(&graces, "/api/security/send_verification", &[])
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let (status_code, _) = err_json(
        app.post_with(&graces, "/api/security/send_verification", &[])
            .await,
    )
    .await;
    assert_eq!(status_code, StatusCode::TOO_MANY_REQUESTS);
    let mut tokens = Vec::new();
    for _ in 0..50 {
        tokens = verification_tokens(&app, grace);
        if tokens.len() == 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(tokens.len(), 4, "the registration's link and three more");
    app.clock.advance(chrono::Duration::days(8));
    let (status_code, _) = err_json(
        app.post("/api/auth/verify_email", &[("token", &tokens[3])])
            .await,
    )
    .await;
    assert_eq!(status_code, StatusCode::UNPROCESSABLE_ENTITY, "expired");

    // The demo's invented addresses count as confirmed.
    let david = client();
    app.sign_in_with(&david, DAVID, DEMO_PASSWORD).await;
    assert!(status(david).await.verified);
}

crate::on_both_databases!(
    new_accounts_confirm_their_email_with_the_mailed_link,
    session_ids_are_stored_hashed,
    devices_are_listed_and_any_one_can_be_signed_out,
    every_other_device_can_be_signed_out_at_once,
    a_password_change_needs_the_current_one_and_signs_out_every_other_device,
    guessing_the_current_password_is_limited,
    a_password_reset_signs_out_everywhere_and_voids_other_links,
    registering_an_existing_email_answers_like_a_new_registration,
);
