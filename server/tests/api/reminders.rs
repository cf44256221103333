//! The reminder worker against a real SMTP server on loopback: planning is idempotent, one
//! reminder goes per status window, quiet hours hold in the patient's time zone, failures
//! retry or end as they should, and what the patient or clinic turned off is not sent.
use chrono::{DateTime, Duration, Utc};
use salus_app::model::clinic::ReminderDeliveries;
use salus_app::model::reminders::{Channel, DeliveryStatus, ReminderKind};
use salus_app::server::entities::reminders;
use salus_app::server::reminders::{deliver, plan};
use salus_app::server::state::AppState;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::helpers::*;
use crate::smtp::SmtpServer;

const NOAH: &str = "noah@example.com";

/// 1 December, 09:00 in New York: Noah's flu vaccination is overdue and David's annual blood
/// test (due on 14 December) is within the clinic's 14 days of "due soon".
fn two_owed(app: &TestApp) {
    app.clock.set("2026-12-01T14:00:00Z".parse().unwrap());
}

async fn rows(app: &TestApp) -> Vec<reminders::Model> {
    reminders::Entity::find()
        .order_by_asc(reminders::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

async fn rows_of(app: &TestApp, email: &str) -> Vec<reminders::Model> {
    let patient = user_id(app, email).await;
    reminders::Entity::find()
        .filter(reminders::Column::PatientId.eq(patient))
        .order_by_asc(reminders::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

async fn plan_now(app: &TestApp) -> u64 {
    plan::plan_all(&app.app_db, app.clock.now(), false)
        .await
        .unwrap()
        .total()
}

/// A message as its reader sees it: quoted-printable's soft line breaks joined, `=3D` as `=`.
pub fn readable(data: &str) -> String {
    data.replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
}

/// The text in `text` from `start` (included) to the first character of `stop` after it.
pub fn cut<'a>(text: &'a str, start: &str, stop: &[char]) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{start} in {text}"));
    let rest = &text[from..];
    &rest[..rest.find(stop).unwrap_or(rest.len())]
}

pub async fn deliver_now(state: &AppState, clinic: i64) -> deliver::Round {
    deliver::deliver_clinic(state, clinic, "test-worker")
        .await
        .unwrap()
}

/// The care items owed a reminder at `now` by the rule, counted in SQL: due or overdue, or due
/// soon within the clinic's 14 days.
async fn owed_items(app: &TestApp, clinic: i64) -> u64 {
    use sea_orm::{ConnectionTrait, Statement};
    let today = app.clock.now().date_naive();
    let soon = today + Duration::days(14);
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            format!(
                "SELECT COUNT(*) AS n FROM care_items WHERE clinic_id = {clinic} AND \
                 (status IN ('due', 'overdue') OR (status = 'due_soon' AND due_on <= '{soon}'))"
            ),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap() as u64
}

async fn planning_twice_plans_once_and_each_window_is_sent_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sunrise = sunrise(&app).await;
    let smtp = SmtpServer::start().await;
    let state = app.worker_state(&smtp.url()).await;
    two_owed(&app);

    let planned = plan_now(&app).await;
    assert_eq!(planned, 2);
    assert_eq!(planned, owed_items(&app, sunrise).await);
    assert_eq!(plan_now(&app).await, 0, "planning again adds nothing");
    // Two planners at once add nothing either.
    let (a, b) = tokio::join!(plan_now(&app), plan_now(&app));
    assert_eq!(a + b, 0);
    let noah = rows_of(&app, NOAH).await;
    assert!(!noah.is_empty(), "Noah's flu vaccination is overdue");
    assert!(noah.iter().all(|r| [
        ReminderKind::CareOverdue,
        ReminderKind::CareDue,
        ReminderKind::CareDueSoon
    ]
    .contains(&r.kind)));

    // 14:00 UTC is 09:00 in New York: outside the quiet hours, so everything leaves now.
    let round = deliver_now(&state, sunrise).await;
    assert_eq!(round.sent, planned);
    let received = smtp.received();
    assert_eq!(received.len() as u64, planned);
    let to_noah: Vec<_> = received.iter().filter(|m| m.to == NOAH).collect();
    assert_eq!(to_noah.len(), noah.len());
    let mail = &readable(&to_noah[0].data);
    assert!(mail.contains("Sunrise Wellness Clinic"), "{mail}");
    // Plain text and HTML, with the one-click unsubscribe headers of RFC 8058.
    assert!(
        mail.contains("Content-Type: multipart/alternative"),
        "{mail}"
    );
    assert!(mail.contains("Content-Type: text/plain"), "{mail}");
    assert!(mail.contains("Content-Type: text/html"), "{mail}");
    assert!(
        mail.contains(&format!(
            "List-Unsubscribe: <{}/api/reminders/unsubscribe?token=",
            app.origin()
        )),
        "{mail}"
    );
    assert!(
        mail.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{mail}"
    );
    assert!(
        mail.contains(&format!("{}/unsubscribe?token=", app.origin())),
        "{mail}"
    );
    assert!(
        mail.contains(&format!("{}/patient", app.origin())),
        "{mail}"
    );
    for clinical in ["flu", "vaccin", "blood", "dental", "Seasonal"] {
        assert!(!mail.contains(clinical), "{clinical} in {mail}");
    }
    let sent = rows_of(&app, NOAH).await;
    assert!(sent
        .iter()
        .all(|r| r.status == DeliveryStatus::Sent && r.attempts == 1));
    assert_eq!(
        sent[0].provider_message_id.as_deref(),
        Some(format!("2.0.0 Ok: queued as {}", to_noah[0].queue_id).as_str())
    );

    // Noah sees what he was sent, on his data page.
    let noah_client = client();
    app.sign_in_with(&noah_client, NOAH, DEMO_PASSWORD).await;
    let his: Vec<salus_app::model::patient::SentReminder> = ok_json(
        app.post_with(&noah_client, "/api/patient/reminders", &[])
            .await,
    )
    .await;
    assert_eq!(his.len(), noah.len());
    assert_eq!(
        (
            his[0].clinic.as_str(),
            his[0].channel.as_str(),
            his[0].status.as_str()
        ),
        ("Sunrise Wellness Clinic", "Email", "Sent")
    );
    assert_eq!(his[0].when, "1 Dec 2026, 09:00", "in his own time zone");

    // Nothing more goes, however often it plans and delivers.
    assert_eq!(plan_now(&app).await, 0);
    assert_eq!(deliver_now(&state, sunrise).await.claimed, 0);
    assert_eq!(smtp.received().len() as u64, planned);
}

async fn quiet_hours_hold_in_the_patients_time_zone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sunrise = sunrise(&app).await;
    let smtp = SmtpServer::start().await;
    let state = app.worker_state(&smtp.url()).await;
    // 03:00 in New York (EST) on 24 November: the demo patients' night.
    let night: DateTime<Utc> = "2026-11-24T08:00:00Z".parse().unwrap();
    app.clock.set(night);
    assert!(plan_now(&app).await > 0);
    let morning: DateTime<Utc> = "2026-11-24T13:00:00Z".parse().unwrap(); // 08:00 EST
    assert!(rows(&app)
        .await
        .iter()
        .all(|r| r.next_attempt_at == morning));
    assert_eq!(deliver_now(&state, sunrise).await.claimed, 0);
    assert!(smtp.received().is_empty());

    app.clock.set(morning - Duration::minutes(1));
    assert_eq!(deliver_now(&state, sunrise).await.claimed, 0);
    app.clock.set(morning);
    assert!(deliver_now(&state, sunrise).await.sent > 0);
}

async fn a_temporary_failure_retries_later_and_a_permanent_one_ends(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sunrise = sunrise(&app).await;
    let smtp = SmtpServer::start().await;
    let state = app.worker_state(&smtp.url()).await;
    two_owed(&app);
    assert_eq!(plan_now(&app).await, 2);
    let total = rows(&app).await.len();
    // The first recipient is refused for now, the second for good, the rest accepted.
    smtp.answer_next(&[451, 550]);
    let round = deliver_now(&state, sunrise).await;
    assert_eq!(
        (round.retrying, round.dead, round.sent),
        (1, 1, total as u64 - 2)
    );
    let all = rows(&app).await;
    let retrying = all
        .iter()
        .find(|r| r.status == DeliveryStatus::Pending)
        .unwrap();
    assert_eq!(retrying.attempts, 1);
    assert_eq!(retrying.last_error.as_deref(), Some("temporary: SMTP 451"));
    let wait = retrying.next_attempt_at - app.clock.now();
    assert!(
        wait <= Duration::minutes(1) && wait >= Duration::seconds(45),
        "about a minute, less jitter: {wait}"
    );
    let dead = all
        .iter()
        .find(|r| r.status == DeliveryStatus::Dead)
        .unwrap();
    assert_eq!(dead.last_error.as_deref(), Some("refused: SMTP 550"));
    for row in &all {
        let reason = row.last_error.clone().unwrap_or_default();
        assert!(!reason.contains('@'), "no address in {reason}");
    }

    // Not before its time; then it goes.
    assert_eq!(deliver_now(&state, sunrise).await.claimed, 0);
    app.clock.advance(Duration::minutes(1));
    assert_eq!(deliver_now(&state, sunrise).await.sent, 1);
    assert_eq!(smtp.received().len(), total - 1);
    // The dead letter stays dead.
    app.clock.advance(Duration::hours(1));
    assert_eq!(deliver_now(&state, sunrise).await.claimed, 0);

    // The clinic admin sees it, with its reason, and sends it again (audited).
    let maria = client();
    app.sign_in_with(&maria, CLINIC_ADMIN, DEMO_PASSWORD).await;
    let listed: ReminderDeliveries = ok_json(
        app.post_with(&maria, "/api/clinic/reminders", &[("status", "dead")])
            .await,
    )
    .await;
    assert_eq!(listed.total, 1);
    assert_eq!(listed.rows[0].reason.as_deref(), Some("refused: SMTP 550"));
    assert_eq!(listed.rows[0].id, dead.id);
    let sent_list: ReminderDeliveries = ok_json(
        app.post_with(&maria, "/api/clinic/reminders", &[("status", "sent")])
            .await,
    )
    .await;
    assert_eq!(sent_list.total as usize, total - 1);
    let home: salus_app::model::PortalSummary =
        ok_json(app.post_with(&maria, "/api/clinic/home", &[]).await).await;
    let fact = |label: &str| {
        home.facts
            .iter()
            .find(|(l, _)| l.as_str() == label)
            .map(|(_, n)| *n)
    };
    assert_eq!(fact("Reminders sent (last 7 days)"), Some(total as i64 - 1));
    assert_eq!(
        fact("Reminders failing (planned in the last 7 days)"),
        Some(1)
    );

    let id = dead.id.to_string();
    let (status, _) = err_json(
        app.post_with(
            &maria,
            "/api/clinic/reminders/retry",
            &[("reminder_id", &sent_list.rows[0].id.to_string())],
        )
        .await,
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::CONFLICT, "only a dead letter");
    let () = ok_json(
        app.post_with(
            &maria,
            "/api/clinic/reminders/retry",
            &[("reminder_id", &id)],
        )
        .await,
    )
    .await;
    assert_eq!(
        last_resource(&app, "reminder.retried").await,
        format!("reminder:{id}")
    );
    assert_eq!(deliver_now(&state, sunrise).await.sent, 1);
    assert_eq!(smtp.received().len(), total);
}

async fn a_failing_server_makes_a_dead_letter_after_the_last_attempt(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sunrise = sunrise(&app).await;
    // Nothing listens on this port: every attempt fails to connect.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let state = app
        .worker_state(&format!("smtp://127.0.0.1:{closed}"))
        .await;
    assert!(plan_now(&app).await > 0);
    let mut waits = Vec::new();
    for attempt in 1..=salus_app::server::reminders::backoff::MAX_ATTEMPTS {
        let round = deliver_now(&state, sunrise).await;
        assert!(round.claimed > 0, "attempt {attempt}");
        let row = rows(&app).await.remove(0);
        assert_eq!(row.attempts, attempt);
        if row.status == DeliveryStatus::Dead {
            assert_eq!(attempt, salus_app::server::reminders::backoff::MAX_ATTEMPTS);
            assert_eq!(row.last_error.as_deref(), Some("temporary: no connection"));
            break;
        }
        waits.push((row.next_attempt_at - app.clock.now()).num_seconds());
        app.clock.set(row.next_attempt_at);
    }
    assert!(rows(&app)
        .await
        .iter()
        .all(|r| r.status == DeliveryStatus::Dead));
    // Each wait about twice the one before, capped.
    for pair in waits.windows(2) {
        assert!(pair[1] > pair[0], "{waits:?}");
    }
}

async fn what_the_patient_or_clinic_turned_off_is_not_sent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sunrise = sunrise(&app).await;
    let smtp = SmtpServer::start().await;
    let state = app.worker_state(&smtp.url()).await;
    assert!(plan_now(&app).await > 0);
    let noah = user_id(&app, NOAH).await;
    let emma = user_id(&app, "emma@example.com").await;
    // Noah turns email off; Emma is discharged.
    as_platform(
        &app,
        &format!("UPDATE patient_profiles SET email_reminders = false WHERE user_id = {noah}"),
    )
    .await;
    as_platform(
        &app,
        &format!(
            "UPDATE memberships SET deactivated_at = CURRENT_TIMESTAMP \
             WHERE user_id = {emma} AND clinic_id = {sunrise}"
        ),
    )
    .await;
    deliver_now(&state, sunrise).await;
    for email in [NOAH, "emma@example.com"] {
        let theirs = rows_of(&app, email).await;
        assert!(
            theirs.iter().all(|r| r.status == DeliveryStatus::Cancelled),
            "{email}: {theirs:?}"
        );
        assert!(smtp.received().iter().all(|m| m.to != email));
    }
    // Planning does not bring them back.
    assert_eq!(plan_now(&app).await, 0);

    // A suspended clinic plans and sends nothing.
    let app = TestApp::spawn(backend).await;
    let sunrise = crate::helpers::sunrise(&app).await;
    let state = app.worker_state(&smtp.url()).await;
    let before = smtp.received().len();
    assert!(plan_now(&app).await > 0);
    as_platform(&app, "UPDATE clinics SET status = 'suspended'").await;
    assert_eq!(
        deliver_now(&state, sunrise).await.cancelled as usize,
        rows(&app).await.len()
    );
    assert_eq!(smtp.received().len(), before);
    as_platform(&app, "UPDATE clinics SET status = 'active'").await;
    as_platform(&app, "DELETE FROM reminders").await;
    as_platform(&app, "UPDATE clinics SET status = 'suspended'").await;
    assert_eq!(plan_now(&app).await, 0);
}

async fn the_unsubscribe_link_stops_email_without_signing_in(backend: Backend) {
    use salus_app::server::entities::patient_profiles;
    let app = TestApp::spawn(backend).await;
    let sunrise = sunrise(&app).await;
    let smtp = SmtpServer::start().await;
    let state = app.worker_state(&smtp.url()).await;
    two_owed(&app);
    plan_now(&app).await;
    deliver_now(&state, sunrise).await;
    let received = smtp.received();
    let mail_to = |email: &str| {
        readable(
            &received
                .iter()
                .find(|m| m.to == email)
                .unwrap_or_else(|| panic!("a reminder to {email}"))
                .data,
        )
    };
    let noahs = mail_to(NOAH);
    let one_click = cut(&noahs, "List-Unsubscribe: <", &['>'])
        .trim_start_matches("List-Unsubscribe: <")
        .to_owned();
    assert!(
        one_click.contains("/api/reminders/unsubscribe?token="),
        "{one_click}"
    );
    let page = cut(
        &noahs,
        &format!("{}/unsubscribe?token=", app.origin()),
        &['\r', '\n', '"'],
    )
    .to_owned();
    let takes_email = |email: &'static str| {
        let app = &app;
        async move {
            let patient = user_id(app, email).await;
            patient_profiles::Entity::find()
                .filter(patient_profiles::Column::UserId.eq(patient))
                .one(&app.db)
                .await
                .unwrap()
                .unwrap()
                .email_reminders
        }
    };

    // Opening the link (as a mail scanner does) shows a button and changes nothing.
    let opened = reqwest::get(&page).await.unwrap();
    assert_eq!(opened.status(), reqwest::StatusCode::OK);
    assert!(opened
        .text()
        .await
        .unwrap()
        .contains("Stop these reminders"));
    assert!(takes_email(NOAH).await);
    // The link's one-click address opened as a page leads to the same button.
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let opened = no_redirects.get(&one_click).send().await.unwrap();
    assert_eq!(opened.status(), reqwest::StatusCode::SEE_OTHER);
    assert!(opened.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/unsubscribe?token="));

    // An altered token is refused and changes nothing.
    let altered = format!(
        "{}0",
        one_click.trim_end_matches(|c: char| c.is_ascii_hexdigit())
    );
    let refused = reqwest::Client::new()
        .post(&altered)
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("not valid"));
    assert!(takes_email(NOAH).await);

    // The one-click POST, as a mail provider sends it: no session, no origin.
    let done = reqwest::Client::new()
        .post(&one_click)
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), reqwest::StatusCode::OK);
    assert!(!takes_email(NOAH).await);
    assert_eq!(
        last_resource(&app, "reminders.unsubscribed").await,
        "channel:email"
    );
    // Once more changes nothing and says the same.
    let again = reqwest::Client::new()
        .post(&one_click)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), reqwest::StatusCode::OK);

    // The page's button, for David, without signing in.
    let davids = mail_to(DAVID);
    let page_link = format!("{}/unsubscribe?token=", app.origin());
    let token = cut(&davids, &page_link, &['\r', '\n', '"', '>'])
        .trim_start_matches(&page_link)
        .to_owned();
    let stopped: String = ok_json(
        app.post_with(&client(), "/api/reminders/stop", &[("token", &token)])
            .await,
    )
    .await;
    assert_eq!(stopped, "email");
    assert!(!takes_email(DAVID).await);
    assert!(takes_email("emma@example.com").await, "nobody else's");

    // Nothing more is planned for them: David's item, now overdue, is owed a new reminder,
    // but not by email.
    let david = user_id(&app, DAVID).await;
    as_platform(
        &app,
        &format!("UPDATE care_items SET status = 'overdue' WHERE patient_id = {david} AND status = 'due_soon'"),
    )
    .await;
    assert_eq!(plan_now(&app).await, 0);
    for email in [NOAH, DAVID] {
        let theirs = rows_of(&app, email).await;
        assert!(
            theirs.iter().all(|r| r.status == DeliveryStatus::Sent),
            "{email}: {theirs:?}"
        );
    }
}

async fn turning_a_channel_off_on_the_profile_cancels_what_waits(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // 03:00 in New York: Noah's reminder waits for his morning.
    app.clock.set("2026-11-24T08:00:00Z".parse().unwrap());
    plan_now(&app).await;
    assert!(rows_of(&app, NOAH)
        .await
        .iter()
        .all(|r| r.status == DeliveryStatus::Pending));
    let noah = signed_in(&app, NOAH).await;
    let mut form = profile_form(&app, &noah).await;
    form.retain(|(name, _)| *name != "email_reminders");
    let () = ok_json(save_profile(&app, &noah, &form).await).await;
    let theirs = rows_of(&app, NOAH).await;
    assert!(!theirs.is_empty());
    for row in theirs {
        assert_eq!(row.status, DeliveryStatus::Cancelled);
        assert_eq!(
            row.last_error.as_deref(),
            Some("the patient turned off email reminders")
        );
    }
    assert!(
        rows_of(&app, DAVID)
            .await
            .iter()
            .all(|r| r.status == DeliveryStatus::Pending),
        "nobody else's"
    );
}

async fn nudges(app: &TestApp) -> Vec<reminders::Model> {
    rows(app)
        .await
        .into_iter()
        .filter(|r| r.kind == ReminderKind::GoalNudge)
        .collect()
}

async fn a_goal_nudge_goes_once_on_a_day_with_nothing_logged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sunrise = sunrise(&app).await;
    let smtp = SmtpServer::start().await;
    let state = app.worker_state(&smtp.url()).await;
    // David has logged nothing today (23 November); Emma has. Both ask for a nudge at 19:00.
    for email in [DAVID, "emma@example.com"] {
        let patient = user_id(&app, email).await;
        as_platform(
            &app,
            &format!(
                "UPDATE patient_profiles SET goal_nudges = true, goal_nudge_at = '19:00' \
                 WHERE user_id = {patient}"
            ),
        )
        .await;
    }
    // 09:00 in New York: not yet.
    plan_now(&app).await;
    assert!(nudges(&app).await.is_empty());
    // 19:30: David's nudge, once.
    app.clock.set("2026-11-24T00:30:00Z".parse().unwrap());
    plan_now(&app).await;
    plan_now(&app).await;
    let planned = nudges(&app).await;
    assert_eq!(planned.len(), 1, "{planned:?}");
    assert_eq!(planned[0].patient_id, user_id(&app, DAVID).await);
    assert_eq!(
        planned[0].idempotency_key,
        format!("goal:{}:2026-11-23:email", planned[0].patient_id)
    );
    deliver_now(&state, sunrise).await;
    let mail = smtp
        .received()
        .into_iter()
        .find(|m| m.to == DAVID && readable(&m.data).contains("today's goals"))
        .expect("David's nudge");
    let mail = readable(&mail.data);
    assert!(
        mail.contains("Sunrise Wellness Clinic have nothing logged for today"),
        "{mail}"
    );
    assert!(mail.contains(&format!("{}/patient", app.origin())));
    assert!(mail.contains("List-Unsubscribe: <"));
    for private in ["steps", "sleep", "water", "minutes"] {
        assert!(
            !mail.to_lowercase().contains(private),
            "{private} in {mail}"
        );
    }
    assert_eq!(nudges(&app).await[0].status, DeliveryStatus::Sent);

    // The next evening a nudge is planned; David logs his steps before it goes: cancelled.
    app.clock.set("2026-11-25T00:30:00Z".parse().unwrap());
    plan_now(&app).await;
    let david = signed_in(&app, DAVID).await;
    let _: serde_json::Value = ok_json(
        app.post_with(
            &david,
            "/api/patient/log_goal",
            &[("kind", "steps"), ("date", "2026-11-24"), ("value", "4000")],
        )
        .await,
    )
    .await;
    deliver_now(&state, sunrise).await;
    let davids_id = user_id(&app, DAVID).await;
    let davids = |all: Vec<reminders::Model>| -> Vec<reminders::Model> {
        all.into_iter()
            .filter(|r| r.patient_id == davids_id)
            .collect()
    };
    let second = davids(nudges(&app).await).remove(1);
    assert_eq!(second.status, DeliveryStatus::Cancelled);
    assert_eq!(
        second.last_error.as_deref(),
        Some("the patient logged a goal, or the day has passed")
    );
    // A day with something logged plans none.
    app.clock.set("2026-11-25T01:30:00Z".parse().unwrap());
    plan_now(&app).await;
    assert_eq!(davids(nudges(&app).await).len(), 2);
}

async fn claims_are_exclusive_and_expire(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sunrise = sunrise(&app).await;
    two_owed(&app);
    assert_eq!(plan_now(&app).await, 2);
    let now = app.clock.now();
    let (a, b) = tokio::join!(
        deliver::claim(&app.app_db, sunrise, "worker-a", now, deliver::LEASE, 1),
        deliver::claim(&app.app_db, sunrise, "worker-b", now, deliver::LEASE, 100),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let total = rows(&app).await.len();
    assert_eq!(a.len() + b.len(), total, "every row claimed once");
    assert!(a.iter().all(|r| b.iter().all(|s| s.id != r.id)));
    // A worker that died: its claims go to another once the lease has passed, not before.
    let c = deliver::claim(&app.app_db, sunrise, "worker-c", now, deliver::LEASE, 100)
        .await
        .unwrap();
    assert!(c.is_empty());
    let later = now + deliver::LEASE + Duration::seconds(1);
    let c = deliver::claim(&app.app_db, sunrise, "worker-c", later, deliver::LEASE, 100)
        .await
        .unwrap();
    assert_eq!(c.len(), total);
    // A stopping worker gives its claims back at once.
    let released = deliver::release(&app.app_db, &[sunrise], "worker-c")
        .await
        .unwrap();
    assert_eq!(released as usize, total);
    assert!(rows(&app)
        .await
        .iter()
        .all(|r| r.status == DeliveryStatus::Pending && r.claimed_by.is_none()));
}

async fn the_hourly_care_refresh_runs_once_across_processes(backend: Backend) {
    use salus_app::server::task_lease::take;
    let app = TestApp::spawn(backend).await;
    let now = app.clock.now();
    let hour = Duration::hours(1);
    // Three processes try at once: one gets the turn.
    let (a, b, c) = tokio::join!(
        take(&app.app_db, "care_refresh", "a", now, hour),
        take(&app.app_db, "care_refresh", "b", now, hour),
        take(&app.app_db, "care_refresh", "c", now, hour),
    );
    let taken = [a.unwrap(), b.unwrap(), c.unwrap()];
    assert_eq!(taken.iter().filter(|t| **t).count(), 1, "{taken:?}");
    // Nobody again within the hour; somebody once it has passed.
    let later = now + Duration::minutes(55);
    assert!(!take(&app.app_db, "care_refresh", "b", later, hour)
        .await
        .unwrap());
    let next = now + hour;
    assert!(take(&app.app_db, "care_refresh", "b", next, hour)
        .await
        .unwrap());
    assert!(!take(&app.app_db, "care_refresh", "c", next, hour)
        .await
        .unwrap());
}

async fn operators_read_counters_and_the_queue_with_the_metrics_token(backend: Backend) {
    use salus_app::server::metrics::Event;
    let app = TestApp::spawn_with(backend, |s| s.metrics_token = Some("scrape-me".into())).await;
    let sunrise = sunrise(&app).await;
    let smtp = SmtpServer::start().await;
    let state = app.worker_state(&smtp.url()).await;
    two_owed(&app);
    plan_now(&app).await;
    let scrape = |token: Option<&'static str>| {
        let request = app.client.get(app.url("/metrics"));
        match token {
            Some(t) => request.bearer_auth(t),
            None => request,
        }
        .send()
    };
    assert_eq!(
        scrape(None).await.unwrap().status(),
        reqwest::StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        scrape(Some("wrong")).await.unwrap().status(),
        reqwest::StatusCode::UNAUTHORIZED
    );
    let text = scrape(Some("scrape-me"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("salus_reminders_queue_depth{channel=\"email\"} 2\n"),
        "{text}"
    );
    assert!(text.contains("# TYPE salus_reminders_sent_total counter"));

    smtp.answer_next(&[550]);
    deliver_now(&state, sunrise).await;
    let counters = &state.reminder_counters;
    assert_eq!(
        (
            counters.get(Event::Sent, Channel::Email),
            counters.get(Event::Dead, Channel::Email)
        ),
        (1, 1)
    );
    let text = scrape(Some("scrape-me"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("salus_reminders_queue_depth{channel=\"email\"} 0\n"),
        "{text}"
    );
}

crate::on_both_databases!(
    a_goal_nudge_goes_once_on_a_day_with_nothing_logged,
    the_unsubscribe_link_stops_email_without_signing_in,
    turning_a_channel_off_on_the_profile_cancels_what_waits,
    operators_read_counters_and_the_queue_with_the_metrics_token,
    the_hourly_care_refresh_runs_once_across_processes,
    planning_twice_plans_once_and_each_window_is_sent_once,
    quiet_hours_hold_in_the_patients_time_zone,
    a_temporary_failure_retries_later_and_a_permanent_one_ends,
    a_failing_server_makes_a_dead_letter_after_the_last_attempt,
    what_the_patient_or_clinic_turned_off_is_not_sent,
    claims_are_exclusive_and_expire
);
