//! The platform's public content over HTTP: health topics written in Markdown (sanitised,
//! drafts hidden, previewed, placed on the home page), health tips (categories, retiring), and
//! privacy policy versions that patients accept at their next sign-in.
use reqwest::StatusCode;
use salus_app::model::content::{Article, ArticleSummary};
use salus_app::model::content::{ContentOverview, ContentStatus, TopicEdit};
use salus_app::model::patient::PatientDashboard;
use salus_app::server::entities::{audit_events, consents};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::helpers::*;

const EMMA: &str = "emma@example.com";

/// A body trying every way onto a page: a script, event handlers, a `javascript:` link.
const HOSTILE_BODY: &str = "Get your **flu jab** this month.\n\n\
    </textarea><script>document.title='escaped'</script>\n\n\
    <script>document.title='owned'</script>\n\n\
    <img src=\"/x.png\" onerror=\"alert('img')\">\n\n\
    <a href=\"javascript:alert('a')\" onclick=\"alert('click')\">Book now</a>\n\n\
    [Find a clinic](javascript:alert('md'))\n\n\
    <div onmouseover=\"alert('hover')\" style=\"position:fixed\">Ask at reception</div>";

fn topic_form<'a>(title: &'a str, body: &'a str, position: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("slug", ""),
        ("summary", "Why the yearly jab matters."),
        ("body", body),
        ("tags", "Flu, vaccines, flu"),
        ("home_position", position),
    ]
}

async fn create_topic(app: &TestApp, admin: &reqwest::Client, form: &[(&str, &str)]) -> i64 {
    ok_json(app.post_with(admin, "/api/platform/topics/new", form).await).await
}

async fn topic(app: &TestApp, admin: &reqwest::Client, id: i64) -> TopicEdit {
    ok_json(
        app.post_with(
            admin,
            "/api/platform/topics/one",
            &[("id", &id.to_string())],
        )
        .await,
    )
    .await
}

/// Saves `topic` as it stands, with `status`.
async fn save(
    app: &TestApp,
    admin: &reqwest::Client,
    topic: &TopicEdit,
    status: &str,
) -> reqwest::Response {
    let id = topic.id.to_string();
    let position = topic
        .home_position
        .map(|p| p.to_string())
        .unwrap_or_default();
    app.post_with(
        admin,
        "/api/platform/topics/save",
        &[
            ("id", id.as_str()),
            ("title", &topic.title),
            ("slug", &topic.slug),
            ("summary", &topic.summary),
            ("body", &topic.body),
            ("tags", &topic.tags),
            ("home_position", &position),
            ("status", status),
        ],
    )
    .await
}

async fn latest(app: &TestApp) -> Vec<String> {
    let list: Vec<ArticleSummary> =
        ok_json(app.post_with(&client(), "/api/content/latest", &[]).await).await;
    list.into_iter().map(|a| a.slug).collect()
}

async fn overview(app: &TestApp, admin: &reqwest::Client) -> ContentOverview {
    ok_json(app.post_with(admin, "/api/platform/content", &[]).await).await
}

fn actions_of(events: &[audit_events::Model]) -> Vec<&str> {
    events.iter().map(|e| e.action.as_str()).collect()
}

async fn platform_events(app: &TestApp, prefix: &str) -> Vec<audit_events::Model> {
    audit_events::Entity::find()
        .filter(audit_events::Column::Action.starts_with(prefix))
        .order_by_asc(audit_events::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

/// Script and event-handler attributes in a body never reach the page, published or previewed.
async fn a_topic_body_is_sanitised_wherever_it_is_shown(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = signed_in(&app, SUPER_ADMIN).await;
    let id = create_topic(
        &app,
        &admin,
        &topic_form("Flu jabs: 2026", HOSTILE_BODY, ""),
    )
    .await;
    let draft = topic(&app, &admin, id).await;
    assert_eq!(draft.slug, "flu-jabs-2026", "made from the title");
    assert_eq!(draft.tags, "flu, vaccines", "tidied");
    assert_eq!(draft.status, ContentStatus::Draft);
    assert_eq!(draft.body, HOSTILE_BODY, "kept as typed, for editing");
    let preview = draft.preview.body_html.clone();
    assert!(preview.contains("<strong>flu jab</strong>"), "{preview}");

    assert_eq!(
        save(&app, &admin, &draft, "published").await.status(),
        StatusCode::OK
    );
    let article: Article = ok_json(
        app.post_with(
            &client(),
            "/api/content/article",
            &[("slug", "flu-jabs-2026")],
        )
        .await,
    )
    .await;
    let page = app.get("/topics/flu-jabs-2026").await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    let admin_page = admin
        .get(app.url(&format!("/platform/topics/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(admin_page.contains("Preview: the page as published"));
    for (shown, html) in [
        ("the article", article.body_html.as_str()),
        ("the preview", preview.as_str()),
        ("the public page", page.as_str()),
    ] {
        assert!(html.contains("Ask at reception"), "{shown} keeps the text");
        for banned in [
            "document.title='owned'",
            "document.title='escaped'",
            "onerror",
            "onclick",
            "onmouseover",
            "javascript:",
            "alert(",
            "position:fixed",
        ] {
            assert!(!html.contains(banned), "{banned} reached {shown}");
        }
    }
    // The editor's page holds the Markdown as typed in its textarea, as text: no element of
    // it is live there either, and its preview is the sanitised page.
    for live in [
        "<script>document",
        "</textarea><script>",
        "<img src=\"/x.png\" onerror",
        "<a href=\"javascript:",
        "<div onmouseover",
    ] {
        assert!(
            !admin_page.contains(live),
            "{live} is live on the editor's page"
        );
    }
    assert!(
        admin_page.contains("&lt;script&gt;document.title"),
        "typed body shown as text"
    );
    assert!(page.contains("<strong>flu jab</strong>"));
}

/// Drafts stay off the public site; published topics follow the platform's order on the home
/// page, ahead of those with no place; every change is audited on the platform's chain.
async fn drafts_stay_hidden_and_the_home_page_follows_the_given_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = signed_in(&app, SUPER_ADMIN).await;
    let seeded = latest(&app).await;
    assert_eq!(
        seeded,
        [
            "covid-19-updates",
            "seasonal-flu-prevention",
            "mental-health-awareness"
        ],
        "newest first when none has a place"
    );
    let id = create_topic(
        &app,
        &admin,
        &topic_form("Hand washing", "Twenty seconds, with soap.", "1"),
    )
    .await;
    assert_eq!(latest(&app).await, seeded, "a draft is not published");
    assert_eq!(
        app.get("/topics/hand-washing").await.status(),
        StatusCode::NOT_FOUND
    );
    let (status, _) = err_json(
        app.post_with(
            &client(),
            "/api/content/article",
            &[("slug", "hand-washing")],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let draft = topic(&app, &admin, id).await;
    assert_eq!(
        save(&app, &admin, &draft, "published").await.status(),
        StatusCode::OK
    );
    assert_eq!(latest(&app).await[0], "hand-washing", "place 1 comes first");
    let home = app.get("/").await.text().await.unwrap();
    let first = home.find("Hand washing").expect("on the home page");
    assert!(first < home.find("COVID-19 Updates").unwrap());
    let page = app.get("/topics/hand-washing").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("Twenty seconds, with soap."));

    // Back to draft: gone from the site again.
    let published = topic(&app, &admin, id).await;
    assert_eq!(published.status, ContentStatus::Published);
    assert_eq!(
        save(&app, &admin, &published, "draft").await.status(),
        StatusCode::OK
    );
    assert_eq!(latest(&app).await, seeded);

    // Bad input is refused beside each field, and a taken address is named.
    let (status, error) = err_json(
        app.post_with(
            &admin,
            "/api/platform/topics/new",
            &topic_form("COVID-19 updates", "Body", "100"),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("home_position"),
        ["Enter a whole number from 1 (first) to 99, or leave it blank."]
    );
    let (status, error) = err_json(
        app.post_with(
            &admin,
            "/api/platform/topics/new",
            &topic_form("COVID-19 updates", "Body", ""),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("slug"),
        ["Another page already has this address. Choose another."]
    );
    let events = platform_events(&app, "content.topic").await;
    assert_eq!(
        actions_of(&events),
        [
            "content.topic_create",
            "content.topic_publish",
            "content.topic_unpublish"
        ]
    );
    assert!(events.iter().all(|e| e.clinic_id.is_none() && e.chain == 0));
    assert!(events
        .iter()
        .all(|e| e.resource.as_deref() == Some(format!("topic:{id}").as_str())));
}

/// The tip of the day comes from the tips in the turn: a retired tip is never shown, and a
/// new tip's category is kept.
async fn retired_tips_leave_the_daily_turn(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = signed_in(&app, SUPER_ADMIN).await;
    let response = app
        .post_with(
            &admin,
            "/api/platform/tips/new",
            &[
                ("title", "Sunlight"),
                ("text", "Get outside in daylight each morning."),
                ("category", " Sleep "),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let tips = overview(&app, &admin).await.tips;
    assert_eq!(tips.len(), 8);
    let added = tips.iter().find(|t| t.title == "Sunlight").unwrap();
    assert_eq!(added.category.as_deref(), Some("sleep"));
    for tip in tips.iter().filter(|t| t.title != "Sunlight") {
        let id = tip.id.to_string();
        let response = app
            .post_with(
                &admin,
                "/api/platform/tips/retire",
                &[("id", &id), ("retire", "yes")],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    for _day in 0..3 {
        // Signed in afresh each day: a session left idle a day has ended.
        let patient = signed_in(&app, DAVID).await;
        let dashboard: PatientDashboard =
            ok_json(app.post_with(&patient, "/api/patient/dashboard", &[]).await).await;
        let tip = dashboard.tip.expect("a tip");
        assert_eq!(
            (tip.title.as_str(), tip.category.as_deref()),
            ("Sunlight", Some("sleep"))
        );
        app.clock.advance(chrono::Duration::days(1));
    }
    let admin = signed_in(&app, SUPER_ADMIN).await;
    let retired = overview(&app, &admin)
        .await
        .tips
        .into_iter()
        .filter(|t| t.status == ContentStatus::Retired)
        .count();
    assert_eq!(retired, 7);
    let (status, error) = err_json(
        app.post_with(
            &admin,
            "/api/platform/tips/new",
            &[("title", ""), ("text", ""), ("category", "")],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.field_messages("text"), ["Enter the tip."]);
}

async fn publish(app: &TestApp, admin: &reqwest::Client, version: &str) -> reqwest::Response {
    app.post_with(
        admin,
        "/api/platform/policy/publish",
        &[
            ("version", version),
            ("summary", "What changed: reminders by text."),
            (
                "body",
                "We now send **text reminders** if you ask for them.",
            ),
        ],
    )
    .await
}

async fn consent_versions(app: &TestApp, email: &str) -> Vec<String> {
    let patient = user_id(app, email).await;
    consents::Entity::find()
        .filter(consents::Column::PatientId.eq(patient))
        .order_by_asc(consents::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.policy_version)
        .collect()
}

/// A new policy version is accepted at the next sign-in, which until then gives no access;
/// the consent records the version, and the earlier version stays readable.
async fn a_new_policy_version_is_accepted_at_the_next_sign_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = signed_in(&app, SUPER_ADMIN).await;
    let before = signed_in(&app, EMMA).await;
    assert_eq!(
        publish(&app, &admin, "2026-12-01").await.status(),
        StatusCode::OK
    );
    let (status, error) = err_json(publish(&app, &admin, "2026-12-01").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("version"),
        ["Version 2026-12-01 is already published. Give the new one its own."]
    );

    let policy: Article = ok_json(
        app.post_with(&client(), "/api/content/privacy_policy", &[])
            .await,
    )
    .await;
    assert_eq!(policy.version.as_deref(), Some("2026-12-01"));
    assert!(policy.body_html.contains("<strong>text reminders</strong>"));
    let earlier: Article = ok_json(
        app.post_with(
            &client(),
            "/api/content/privacy_policy/version",
            &[("version", "2026-11-01")],
        )
        .await,
    )
    .await;
    assert!(earlier.body_html.contains("one-way hash"));
    let page = app.get("/privacy/2026-11-01").await.text().await.unwrap();
    assert!(page.contains("Version 2026-11-01"));
    assert!(app
        .get("/privacy")
        .await
        .text()
        .await
        .unwrap()
        .contains("href=\"/privacy/2026-11-01\""));

    // A session signed in before stays signed in; the question comes at the next sign-in.
    let dashboard = app.post_with(&before, "/api/patient/dashboard", &[]).await;
    assert_eq!(dashboard.status(), StatusCode::OK);
    let browser = client();
    let next: String = ok_json(app.password_step(&browser, EMMA, DEMO_PASSWORD).await).await;
    assert_eq!(next, "/signin/policy");
    // Waiting for the policy is not being signed in, nor a second step to get round it.
    for endpoint in ["/api/patient/dashboard", "/api/mfa/enrolment"] {
        let (status, _) = err_json(app.post_with(&browser, endpoint, &[]).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{endpoint}");
    }
    let (status, _) = err_json(
        app.post_with(&browser, "/api/mfa/confirm", &[("code", "123456")])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let shown: Article = ok_json(app.post_with(&browser, "/api/auth/policy", &[]).await).await;
    assert_eq!(shown.version.as_deref(), Some("2026-12-01"));
    let page = browser.get(app.url("/signin/policy")).send().await.unwrap();
    let page = page.text().await.unwrap();
    assert!(page.contains("Our privacy policy has changed"));
    assert!(page.contains("Version 2026-12-01"));
    assert!(page.contains("I accept the privacy policy"));

    let home: String = ok_json(
        app.post_with(&browser, "/api/auth/accept_policy", &[])
            .await,
    )
    .await;
    assert_eq!(home, "/patient");
    assert_eq!(
        app.post_with(&browser, "/api/patient/dashboard", &[])
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        consent_versions(&app, EMMA).await,
        ["2026-11-01", "2026-12-01"]
    );
    let accepted = platform_events(&app, "patient.policy_accept").await;
    assert_eq!(accepted.len(), 1);
    assert_eq!(
        accepted[0].resource.as_deref(),
        Some("consent:data_use:2026-12-01")
    );
    assert_eq!(accepted[0].patient_id, Some(user_id(&app, EMMA).await));
    assert!(accepted[0].clinic_id.is_some(), "in the clinic's chain");

    // Accepted once: the next sign-in goes straight in, and accepting again has nothing to do.
    let later = client();
    let next: String = ok_json(app.password_step(&later, EMMA, DEMO_PASSWORD).await).await;
    assert_eq!(next, "/patient");
    let (status, _) = err_json(app.post_with(&later, "/api/auth/accept_policy", &[]).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(consent_versions(&app, EMMA).await.len(), 2);
    // Staff accept nothing at sign-in.
    let provider = client();
    let response = app.sign_in_with(&provider, PROVIDER, DEMO_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        app.post_with(&provider, "/api/provider/patients", &[])
            .await
            .status(),
        StatusCode::OK
    );
}

/// A patient who uses a code enters it first; only then is the policy asked for, and the
/// policy step cannot be reached with the password alone.
async fn the_policy_comes_after_the_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let patient = signed_in(&app, EMMA).await;
    let enrolment: salus_app::model::account::Enrolment =
        ok_json(app.post_with(&patient, "/api/mfa/enrolment", &[]).await).await;
    let authenticator = Authenticator::from_shown_secret(&enrolment.secret);
    let step = app.clock.now().timestamp() / 30;
    let confirmed = app
        .post_with(
            &patient,
            "/api/mfa/confirm",
            &[("code", &authenticator.code_at_step(step))],
        )
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    let admin = signed_in(&app, SUPER_ADMIN).await;
    assert_eq!(
        publish(&app, &admin, "2026-12-01").await.status(),
        StatusCode::OK
    );

    let browser = client();
    let next: String = ok_json(app.password_step(&browser, EMMA, DEMO_PASSWORD).await).await;
    assert_eq!(next, "/signin/code");
    for endpoint in ["/api/auth/policy", "/api/auth/accept_policy"] {
        let (status, _) = err_json(app.post_with(&browser, endpoint, &[]).await).await;
        assert!(
            status == StatusCode::UNAUTHORIZED || status == StatusCode::UNPROCESSABLE_ENTITY,
            "{endpoint} before the code: {status}"
        );
    }
    assert_eq!(consent_versions(&app, EMMA).await, ["2026-11-01"]);
    let next: String = ok_json(
        app.post_with(
            &browser,
            "/api/auth/verify_code",
            &[
                ("code", &authenticator.code_at_step(step + 1)),
                ("next", "/patient/profile"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(next, "/signin/policy?next=/patient/profile");
    let next: String = ok_json(
        app.post_with(
            &browser,
            "/api/auth/accept_policy",
            &[("next", "/patient/profile")],
        )
        .await,
    )
    .await;
    assert_eq!(next, "/patient/profile");
    assert_eq!(
        consent_versions(&app, EMMA).await,
        ["2026-11-01", "2026-12-01"]
    );
}

/// On PostgreSQL the database holds drafts and retired tips to platform work, and lets only
/// platform work write content or read and write super admin invitations; tried in SQL as the
/// application role in each context.
async fn drafts_and_writes_are_held_by_row_level_security(backend: Backend) {
    if backend != Backend::Postgres {
        return;
    }
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, TransactionTrait};
    let app = TestApp::spawn(backend).await;
    let admin = signed_in(&app, SUPER_ADMIN).await;
    create_topic(&app, &admin, &topic_form("Hand washing", "Soap.", "")).await;
    let sunrise = sunrise(&app).await;
    let (david, maria) = (
        user_id(&app, DAVID).await,
        user_id(&app, CLINIC_ADMIN).await,
    );
    // (who, user, clinic, role, is platform work)
    type Context = (&'static str, Option<i64>, Option<i64>, &'static str, bool);
    let contexts: [Context; 6] = [
        ("no context", None, None, "", false),
        ("a patient", Some(david), Some(sunrise), "patient", false),
        (
            "a clinic admin",
            Some(maria),
            Some(sunrise),
            "clinic_admin",
            false,
        ),
        ("a clinic's task", None, Some(sunrise), "clinic_task", false),
        ("a visitor", None, None, "visitor", false),
        ("platform work", None, None, "platform", true),
    ];
    for (who, user, clinic, role, platform) in contexts {
        let txn = app.app_db.begin().await.unwrap();
        txn.execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT set_config('app.user_id', $1, true), set_config('app.clinic_id', $2, true), \
             set_config('app.role', $3, true)",
            [
                user.map(|u| u.to_string()).unwrap_or_default().into(),
                clinic.map(|c| c.to_string()).unwrap_or_default().into(),
                role.into(),
            ],
        ))
        .await
        .unwrap();
        let count = |sql: &'static str| {
            let txn = &txn;
            async move {
                txn.query_all_raw(Statement::from_string(DatabaseBackend::Postgres, sql))
                    .await
                    .unwrap()
                    .len()
            }
        };
        assert_eq!(
            count("SELECT id FROM content WHERE status = 'published'").await,
            11,
            "{who}"
        );
        assert_eq!(
            count("SELECT id FROM content WHERE status = 'draft'").await,
            usize::from(platform),
            "{who} reading drafts"
        );
        let updated = txn
            .execute_unprepared("UPDATE content SET title = 'Changed' WHERE kind = 'article'")
            .await
            .unwrap()
            .rows_affected();
        assert_eq!(updated > 0, platform, "{who} changing topics");
        // Each refused write in a savepoint of its own: a refusal aborts what it is in.
        let attempt = |sql: &'static str| {
            let txn = &txn;
            async move {
                txn.execute_unprepared("SAVEPOINT attempt").await.unwrap();
                let done = txn.execute_unprepared(sql).await;
                txn.execute_unprepared(if done.is_ok() {
                    "RELEASE SAVEPOINT attempt"
                } else {
                    "ROLLBACK TO SAVEPOINT attempt"
                })
                .await
                .unwrap();
                done
            }
        };
        let inserted = attempt(
            "INSERT INTO content (slug, kind, title, summary, body, published_at, created_at) \
                 VALUES ('planted', 'article', 'Planted', 'x', 'x', now(), now())",
        )
        .await;
        assert_eq!(inserted.is_ok(), platform, "{who} adding a topic");
        let invited = attempt(
            "INSERT INTO super_admin_invitations (email, token_hash, created_at, expires_at) \
                 VALUES ('planted@example.org', 'x', now(), now())",
        )
        .await;
        assert_eq!(invited.is_ok(), platform, "{who} inviting a super admin");
        txn.rollback().await.unwrap();
    }
}

crate::on_both_databases!(
    drafts_and_writes_are_held_by_row_level_security,
    a_topic_body_is_sanitised_wherever_it_is_shown,
    drafts_stay_hidden_and_the_home_page_follows_the_given_order,
    retired_tips_leave_the_daily_turn,
    a_new_policy_version_is_accepted_at_the_next_sign_in,
    the_policy_comes_after_the_code
);
