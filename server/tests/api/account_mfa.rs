//! Two-step sign-in (TOTP): enrolment, replayed and skewed codes, recovery codes, staff forced
//! to enrol, a half-signed-in session refused everywhere, attempt limits, patients turning it on
//! and off, admins' resets, secrets sealed at rest and keys rotated.
use reqwest::{Client, StatusCode};
use salus_app::model::account::{CurrentUser, Enrolment, TwoStepStatus};
use salus_app::server::mail::read_mailbox;

use crate::helpers::*;
use sea_orm::ConnectionTrait;

async fn me(app: &TestApp, client: &Client) -> Option<CurrentUser> {
    ok_json(app.post_with(client, "/api/auth/me", &[]).await).await
}

/// The password step alone, answering where it sends the browser.
async fn password(app: &TestApp, client: &Client, email: &str) -> String {
    ok_json(app.password_step(client, email, DEMO_PASSWORD).await).await
}

async fn enrolment(app: &TestApp, client: &Client) -> Authenticator {
    let enrolment: Enrolment =
        ok_json(app.post_with(client, "/api/mfa/enrolment", &[]).await).await;
    assert!(
        enrolment.qr_svg.contains("<svg"),
        "a QR code drawn on the server"
    );
    Authenticator::from_shown_secret(&enrolment.secret)
}

fn step_now(app: &TestApp) -> i64 {
    app.clock.now().timestamp() / 30
}

async fn send_code(app: &TestApp, client: &Client, code: &str) -> reqwest::Response {
    app.post_with(client, "/api/auth/verify_code", &[("code", code)])
        .await
}

async fn mail_subjects(app: &TestApp, to: &str) -> Vec<String> {
    // Mail goes in the background: give it a moment (I/O, not the clock).
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    read_mailbox(&app.mailbox)
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m.to == to)
        .map(|m| m.subject)
        .collect()
}

/// A provider with no authenticator goes from the password to enrolment and reaches nothing
/// else; a wrong code is refused; the first right code turns it on, signs in, and shows ten
/// recovery codes once.
async fn staff_set_up_an_authenticator_before_anything_else(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = client();
    assert_eq!(password(&app, &browser, PROVIDER).await, "/signin/enrol");
    assert!(me(&app, &browser).await.is_none(), "not signed in yet");
    let (status, _) = err_json(app.post_with(&browser, "/api/provider/patients", &[]).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = err_json(app.post_with(&browser, "/api/mfa/status", &[]).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let authenticator = enrolment(&app, &browser).await;
    let again = enrolment(&app, &browser).await;
    assert_eq!(
        authenticator.secret, again.secret,
        "the same secret until it is confirmed"
    );
    let wrong = authenticator.code_at_step(step_now(&app) + 5);
    let (status, error) = err_json(
        app.post_with(&browser, "/api/mfa/confirm", &[("code", &wrong)])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!error.field_messages("code").is_empty());
    assert!(me(&app, &browser).await.is_none());

    let code = authenticator.code_at_step(step_now(&app));
    let response = app
        .post_with(&browser, "/api/mfa/confirm", &[("code", &code)])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(me(&app, &browser).await.unwrap().name, "Dr. Sarah Chen");
    let codes: Vec<String> = ok_json(
        app.post_with(&browser, "/api/mfa/recovery_codes", &[])
            .await,
    )
    .await;
    assert_eq!(codes.len(), 10);
    let codes_again: Vec<String> = ok_json(
        app.post_with(&browser, "/api/mfa/recovery_codes", &[])
            .await,
    )
    .await;
    assert!(codes_again.is_empty(), "shown once");
    let status: TwoStepStatus =
        ok_json(app.post_with(&browser, "/api/mfa/status", &[]).await).await;
    assert_eq!(
        status,
        TwoStepStatus {
            enrolled: true,
            required: true,
            recovery_codes_left: 10
        }
    );
    // Recovery codes are stored hashed, and the secret sealed.
    let (enrolled, stored_codes) = stored_two_step(&app).await;
    assert_eq!(stored_codes.len(), 10);
    for (stored, shown) in stored_codes.iter().zip(&codes) {
        assert!(!stored.code_hash.contains(&shown[..5]) && !stored.code_hash.contains(&shown[6..]));
        assert_eq!(stored.code_hash.len(), 64, "a SHA-256, in hex");
    }
    let totp_rs::Secret::Encoded(shown) =
        totp_rs::Secret::Raw(authenticator.secret.clone()).to_encoded()
    else {
        unreachable!("to_encoded encodes")
    };
    assert!(!enrolled.sealed_secret.contains(&shown));
    assert!(!enrolled
        .sealed_secret
        .contains(&hex::encode(&authenticator.secret)));
}

/// The one authenticator and its recovery codes as stored, read as the owner in a platform
/// context (row-level security holds the owner too).
async fn stored_two_step(
    app: &TestApp,
) -> (
    salus_app::server::entities::user_mfa::Model,
    Vec<salus_app::server::entities::mfa_recovery_codes::Model>,
) {
    use salus_app::server::entities::{mfa_recovery_codes, user_mfa};
    use sea_orm::{ConnectionTrait, EntityTrait, TransactionTrait};
    let txn = app.db.begin().await.unwrap();
    if txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        txn.execute_unprepared("SELECT set_config('app.role', 'platform', true)")
            .await
            .unwrap();
    }
    let row = user_mfa::Entity::find()
        .one(&txn)
        .await
        .unwrap()
        .expect("an authenticator");
    let codes = mfa_recovery_codes::Entity::find().all(&txn).await.unwrap();
    txn.commit().await.unwrap();
    (row, codes)
}

/// Every later sign-in needs a code; a code is good once, and one step either side of now.
async fn codes_work_once_and_one_step_either_side(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.sign_in(PROVIDER, DEMO_PASSWORD).await; // sets up the authenticator
    let authenticator = app.authenticator(PROVIDER).unwrap();
    let used = authenticator.last_step.unwrap();

    let browser = client();
    assert_eq!(password(&app, &browser, PROVIDER).await, "/signin/code");
    let (status, _) =
        err_json(send_code(&app, &browser, &authenticator.code_at_step(used)).await).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a used code is refused"
    );
    assert!(me(&app, &browser).await.is_none());

    // Three steps on: the phone's clock may be a step slow or fast, not two.
    app.clock.advance(chrono::Duration::seconds(90));
    let now = step_now(&app);
    let (status, _) =
        err_json(send_code(&app, &browser, &authenticator.code_at_step(now + 2)).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "two steps ahead");
    let response = send_code(&app, &browser, &authenticator.code_at_step(now - 1)).await;
    let destination: String = ok_json(response).await;
    assert_eq!(destination, "/provider");
    assert!(me(&app, &browser).await.is_some());

    // The step after it, from another browser: a step ahead is fine once.
    let other = client();
    assert_eq!(password(&app, &other, PROVIDER).await, "/signin/code");
    let (status, _) =
        err_json(send_code(&app, &other, &authenticator.code_at_step(now - 1)).await).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "replayed in another browser"
    );
    let response = send_code(&app, &other, &authenticator.code_at_step(now + 1)).await;
    assert_eq!(response.status(), StatusCode::OK);
    // Now no code at or before that step works, not even the current one.
    let third = client();
    password(&app, &third, PROVIDER).await;
    let (status, _) =
        err_json(send_code(&app, &third, &authenticator.code_at_step(now)).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// A recovery code signs in once instead of a code, is audited, and its owner is emailed; new
/// recovery codes make the old ones worthless.
async fn recovery_codes_work_once(backend: Backend) {
    use salus_app::server::entities::audit_events;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = TestApp::spawn(backend).await;
    let browser = client();
    password(&app, &browser, PROVIDER).await;
    let authenticator = enrolment(&app, &browser).await;
    let code = authenticator.code_at_step(step_now(&app));
    app.post_with(&browser, "/api/mfa/confirm", &[("code", &code)])
        .await;
    let codes: Vec<String> = ok_json(
        app.post_with(&browser, "/api/mfa/recovery_codes", &[])
            .await,
    )
    .await;

    let lost_phone = client();
    password(&app, &lost_phone, PROVIDER).await;
    let typed = codes[3].to_uppercase().replace('-', " ");
    let response = send_code(&app, &lost_phone, &typed).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "typed loosely, it still counts"
    );
    assert!(me(&app, &lost_phone).await.is_some());
    let used = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("auth.recovery_code_used"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(used.len(), 1);
    assert!(mail_subjects(&app, PROVIDER)
        .await
        .contains(&"A recovery code was used to sign in to Salus".to_owned()));

    let again = client();
    password(&app, &again, PROVIDER).await;
    let (status, _) = err_json(send_code(&app, &again, &codes[3]).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "used once");

    // New codes, with a code from the app; the old ones stop working.
    let next = authenticator.code_at_step(step_now(&app) + 1);
    let response = app
        .post_with(
            &lost_phone,
            "/api/mfa/new_recovery_codes",
            &[("code", &next)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let fresh: Vec<String> = ok_json(
        app.post_with(&lost_phone, "/api/mfa/recovery_codes", &[])
            .await,
    )
    .await;
    assert_eq!(fresh.len(), 10);
    let (status, _) = err_json(send_code(&app, &again, &codes[4]).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "replaced");
    let response = send_code(&app, &again, &fresh[0]).await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// Between the password and the code, a session can do nothing but enter the code, and only for
/// five minutes.
async fn a_half_signed_in_session_is_refused_everywhere_and_expires(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.sign_in(CLINIC_ADMIN, DEMO_PASSWORD).await;
    let authenticator = app.authenticator(CLINIC_ADMIN).unwrap();
    let browser = client();
    assert_eq!(password(&app, &browser, CLINIC_ADMIN).await, "/signin/code");
    for path in [
        "/api/clinic/home",
        "/api/security/devices",
        "/api/mfa/status",
        "/api/mfa/recovery_codes",
        "/api/mfa/enrolment",
    ] {
        let response = app.post_with(&browser, path, &[]).await;
        assert!(
            matches!(
                response.status(),
                StatusCode::UNAUTHORIZED | StatusCode::CONFLICT
            ),
            "{path}: {}",
            response.status()
        );
    }
    let page = browser.get(app.url("/clinic")).send().await.unwrap();
    assert!(
        page.status().is_redirection(),
        "the portal sends it to sign in"
    );

    // Ending all of the user's sessions ends a half-finished sign-in too: here, a password
    // change from the admin's signed-in browser.
    let other = client();
    assert_eq!(password(&app, &other, CLINIC_ADMIN).await, "/signin/code");
    let response = app
        .post(
            "/api/security/change_password",
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", "a brand new passphrase 42"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let code = authenticator.code_at_step(step_now(&app) + 1);
    let (_, error) = err_json(send_code(&app, &other, &code).await).await;
    assert_eq!(
        error.field_messages("code"),
        ["Signing in took too long, or has not started. Sign in again."]
    );

    app.clock.advance(chrono::Duration::minutes(5));
    let code = authenticator.code_at_step(step_now(&app));
    let (status, error) = err_json(send_code(&app, &browser, &code).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("code"),
        ["Signing in took too long, or has not started. Sign in again."]
    );
    assert!(me(&app, &browser).await.is_none());
}

/// Guessing codes is limited per account, whichever browser guesses.
async fn code_attempts_are_limited_per_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.sign_in(PROVIDER, DEMO_PASSWORD).await;
    let authenticator = app.authenticator(PROVIDER).unwrap();
    for n in 0..5 {
        let browser = client();
        password(&app, &browser, PROVIDER).await;
        let guess = format!("{:06}", 100_000 + n);
        let (status, _) = err_json(send_code(&app, &browser, &guess).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let browser = client();
    password(&app, &browser, PROVIDER).await;
    let right = authenticator.code_at_step(step_now(&app) + 1);
    let (status, error) = err_json(send_code(&app, &browser, &right).await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{error:?}");
}

/// A patient may turn two-step sign-in on from their security page, and off with a code.
async fn patients_turn_it_on_and_off(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = client();
    assert_eq!(
        password(&app, &browser, DAVID).await,
        "/patient",
        "off by default"
    );
    let status: TwoStepStatus =
        ok_json(app.post_with(&browser, "/api/mfa/status", &[]).await).await;
    assert!(!status.enrolled && !status.required);
    let authenticator = enrolment(&app, &browser).await;
    let code = authenticator.code_at_step(step_now(&app));
    let response = app
        .post_with(&browser, "/api/mfa/confirm", &[("code", &code)])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(me(&app, &browser).await.is_some(), "still signed in");

    let phone = client();
    assert_eq!(password(&app, &phone, DAVID).await, "/signin/code");
    let response = send_code(
        &app,
        &phone,
        &authenticator.code_at_step(step_now(&app) + 1),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);

    app.clock.advance(chrono::Duration::seconds(60));
    let (status, _) = err_json(
        app.post_with(&browser, "/api/mfa/turn_off", &[("code", "000000")])
            .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "turning it off needs a code"
    );
    let code = authenticator.code_at_step(step_now(&app));
    let response = app
        .post_with(&browser, "/api/mfa/turn_off", &[("code", &code)])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(password(&app, &client(), DAVID).await, "/patient");
}

/// Staff cannot turn it off.
async fn staff_cannot_turn_it_off(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.sign_in(PROVIDER, DEMO_PASSWORD).await;
    let code = app.next_code(PROVIDER);
    let (status, _) = err_json(app.post("/api/mfa/turn_off", &[("code", &code)]).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

/// A clinic admin resets a staff member of their own clinic (a lost phone), never a patient's or
/// another clinic's; a super admin anyone's. The user is signed out, emailed, and sets it up
/// again at the next sign-in.
async fn admins_reset_it_for_their_own_staff(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let harbour = second_clinic(&app, "emma@example.com").await;
    let sarah = client();
    app.sign_in_with(&sarah, PROVIDER, DEMO_PASSWORD).await;
    app.sign_in_with(&client(), harbour.provider_email, DEMO_PASSWORD)
        .await;
    let admin = client();
    app.sign_in_with(&admin, CLINIC_ADMIN, DEMO_PASSWORD).await;
    let reset = |who: i64| {
        let admin = admin.clone();
        let app = &app;
        async move {
            app.post_with(&admin, "/api/mfa/reset", &[("user_id", &who.to_string())])
                .await
        }
    };

    for (email, why) in [
        (harbour.provider_email, "another clinic's provider"),
        ("emma@example.com", "a patient"),
    ] {
        let (status, _) = err_json(reset(user_id(&app, email).await).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{why}");
    }
    let response = reset(user_id(&app, PROVIDER).await).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(me(&app, &sarah).await.is_none(), "her sessions ended");
    assert!(mail_subjects(&app, PROVIDER)
        .await
        .contains(&"Your Salus two-step sign-in was reset".to_owned()));
    assert_eq!(password(&app, &client(), PROVIDER).await, "/signin/enrol");

    // A provider may not reset anyone.
    let (status, _) = err_json(
        app.post_with(
            &sarah_signed_in_again(&app).await,
            "/api/mfa/reset",
            &[("user_id", &user_id(&app, CLINIC_ADMIN).await.to_string())],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The staff page lists the clinic's staff (never its patients) and who has set it up.
    let staff = crate::clinic_invitations::directory(&app, &admin)
        .await
        .members;
    let listed: Vec<(&str, bool)> = staff
        .iter()
        .map(|s| (s.email.as_str(), s.two_step))
        .collect();
    assert_eq!(
        listed,
        [(PROVIDER, true), (CLINIC_ADMIN, true)],
        "{staff:?}"
    );
    let (status, _) = err_json(app.post_with(&client(), "/api/clinic/staff", &[]).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A super admin resets anyone's, another clinic's provider too, by id or by email; a
    // clinic admin may not reset by email.
    let (status, _) = err_json(
        app.post_with(
            &admin,
            "/api/platform/reset_two_step",
            &[("email", harbour.provider_email)],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let platform = client();
    app.sign_in_with(&platform, SUPER_ADMIN, DEMO_PASSWORD)
        .await;
    let (status, error) = err_json(
        app.post_with(
            &platform,
            "/api/platform/reset_two_step",
            &[("email", "nobody@example.org")],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("email"),
        ["No account has that email."]
    );
    let response = app
        .post_with(
            &platform,
            "/api/platform/reset_two_step",
            &[("email", harbour.provider_email)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        password(&app, &client(), harbour.provider_email).await,
        "/signin/enrol"
    );
    let response = app
        .post_with(
            &platform,
            "/api/mfa/reset",
            &[("user_id", &user_id(&app, PROVIDER).await.to_string())],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "Sarah had set it up again"
    );

    // A clinic admin reaches only the active staff of their clinic: not a staff member they
    // deactivated, and not a super admin, even one who also holds a role in the clinic.
    let sunrise = sunrise(&app).await;
    let (sarah_id, super_admin) = (
        user_id(&app, PROVIDER).await,
        user_id(&app, SUPER_ADMIN).await,
    );
    app.db
        .execute_unprepared(&format!(
            "UPDATE memberships SET deactivated_at = CURRENT_TIMESTAMP WHERE user_id = {sarah_id};
             INSERT INTO memberships (user_id, clinic_id, role, created_at)
               VALUES ({super_admin}, {sunrise}, 'provider', CURRENT_TIMESTAMP)"
        ))
        .await
        .unwrap();
    for (who, why) in [
        (sarah_id, "a deactivated staff member"),
        (super_admin, "a super admin"),
    ] {
        let (status, _) = err_json(reset(who).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{why}");
    }
    let kept = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM user_mfa WHERE user_id = {super_admin}"),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(kept, 1, "the super admin's two-step sign-in is untouched");
}

async fn sarah_signed_in_again(app: &TestApp) -> Client {
    // Her authenticator was reset: the helper sets a new one up.
    app.authenticators.lock().unwrap().remove(PROVIDER);
    let sarah = client();
    let response = app.sign_in_with(&sarah, PROVIDER, DEMO_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    sarah
}

/// `salus keys rotate` re-seals every secret under a new key while the server runs; codes keep
/// working, and the server reads the new key from the file when it meets it.
async fn keys_rotate_and_codes_keep_working(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.sign_in(PROVIDER, DEMO_PASSWORD).await;
    assert_eq!(stored_two_step(&app).await.0.key_id, "k1");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_salus"))
        .args(["keys", "rotate"])
        .env("DATABASE_URL", app.database_url())
        .env("SALUS_MIGRATION_DATABASE_URL", app.owner_database_url())
        .env("SALUS_SECRET_KEYS_FILE", app.dir().join("secret-keys.json"))
        .env("SALUS_AUDIT_KEY_FILE", app.dir().join("audit.key"))
        .env("SALUS_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        said.contains("Key k2") && said.contains("1 secret re-sealed"),
        "{said}"
    );
    assert_eq!(stored_two_step(&app).await.0.key_id, "k2");
    let browser = client();
    let response = app.sign_in_with(&browser, PROVIDER, DEMO_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(me(&app, &browser).await.is_some());
}

/// On PostgreSQL the database holds the authenticators and recovery codes to their owner, a
/// clinic admin of the owner's clinic (reading, and resetting by deleting), and platform work;
/// tried in SQL as the application role, with the settings written out here.
async fn two_step_rows_are_held_by_row_level_security(backend: Backend) {
    if backend != Backend::Postgres {
        return;
    }
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, TransactionTrait};
    let app = TestApp::spawn(backend).await;
    let harbour = second_clinic(&app, "emma@example.com").await;
    app.sign_in(PROVIDER, DEMO_PASSWORD).await;
    let sarah = user_id(&app, PROVIDER).await;
    let sunrise: i64 = {
        use salus_app::server::entities::clinics;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let txn = app.db.begin().await.unwrap();
        txn.execute_unprepared("SELECT set_config('app.role', 'platform', true)")
            .await
            .unwrap();
        let id = clinics::Entity::find()
            .filter(clinics::Column::Code.eq("SUNRISE"))
            .one(&txn)
            .await
            .unwrap()
            .unwrap()
            .id;
        txn.commit().await.unwrap();
        id
    };
    let (admin, david, omar) = (
        user_id(&app, CLINIC_ADMIN).await,
        user_id(&app, DAVID).await,
        user_id(&app, harbour.provider_email).await,
    );
    // (who, user, clinic, role, sees Sarah's rows, may delete them). Staff contexts hold their
    // role's permissions (`app.permissions`, below): resetting two-step sign-in is managing
    // staff, which front desk does not.
    type Context = (
        &'static str,
        Option<i64>,
        Option<i64>,
        &'static str,
        bool,
        bool,
    );
    let contexts: [Context; 8] = [
        ("no context", None, None, "", false, false),
        (
            "Sarah herself",
            Some(sarah),
            Some(sunrise),
            "provider",
            true,
            true,
        ),
        (
            "Sarah half signed in",
            Some(sarah),
            None,
            "account",
            true,
            true,
        ),
        (
            "Sunrise's clinic admin",
            Some(admin),
            Some(sunrise),
            "clinic_admin",
            true,
            true,
        ),
        (
            "Sunrise's front desk",
            Some(admin),
            Some(sunrise),
            "clinic_admin",
            false,
            false,
        ),
        (
            "a patient of Sunrise",
            Some(david),
            Some(sunrise),
            "patient",
            false,
            false,
        ),
        (
            "Harbour's provider",
            Some(omar),
            Some(harbour.id),
            "provider",
            false,
            false,
        ),
        (
            "Harbour's task",
            None,
            Some(harbour.id),
            "clinic_task",
            false,
            false,
        ),
    ];
    for table in ["user_mfa", "mfa_recovery_codes"] {
        for (who, user, clinic, role, sees, deletes) in contexts {
            let txn = app.app_db.begin().await.unwrap();
            txn.execute_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT set_config('app.user_id', $1, true), set_config('app.clinic_id', $2, true), \
                 set_config('app.role', $3, true), set_config('app.permissions', $4, true)",
                [
                    user.map(|u| u.to_string()).unwrap_or_default().into(),
                    clinic.map(|c| c.to_string()).unwrap_or_default().into(),
                    role.into(),
                    match (who, role) {
                        ("Sunrise's front desk", _) => "patients.manage",
                        (_, "clinic_admin") => {
                            "patients.manage staff.manage protocols.manage clinic.settings audit.read"
                        }
                        (_, "provider") => "patient.read care_item.complete",
                        _ => "",
                    }
                    .into(),
                ],
            ))
            .await
            .unwrap();
            let seen = txn
                .query_all_raw(Statement::from_string(
                    DatabaseBackend::Postgres,
                    format!("SELECT user_id FROM {table} WHERE user_id = {sarah}"),
                ))
                .await
                .unwrap()
                .len();
            assert_eq!(seen > 0, sees, "{who} reading {table}");
            let deleted = txn
                .execute_unprepared(&format!("DELETE FROM {table} WHERE user_id = {sarah}"))
                .await
                .unwrap()
                .rows_affected();
            assert_eq!(deleted > 0, deletes, "{who} deleting {table}");
            if table == "user_mfa" && role == "clinic_admin" {
                let written = txn
                    .execute_unprepared(&format!(
                        "INSERT INTO user_mfa (user_id, key_id, sealed_secret, created_at) \
                         VALUES ({omar}, 'k1', 'x', now())"
                    ))
                    .await;
                assert!(written.is_err(), "a clinic admin writes no authenticator");
            }
            txn.rollback().await.unwrap();
        }
    }
}

crate::on_both_databases!(
    two_step_rows_are_held_by_row_level_security,
    staff_set_up_an_authenticator_before_anything_else,
    codes_work_once_and_one_step_either_side,
    recovery_codes_work_once,
    a_half_signed_in_session_is_refused_everywhere_and_expires,
    code_attempts_are_limited_per_account,
    patients_turn_it_on_and_off,
    staff_cannot_turn_it_off,
    admins_reset_it_for_their_own_staff,
    keys_rotate_and_codes_keep_working,
);
