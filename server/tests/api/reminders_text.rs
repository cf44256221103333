//! Text reminders against a fake SMS gateway on loopback with Twilio's Messages API shape: what
//! is sent and how, the gateway's failures, the daily caps, the signed status callback, and a
//! patient's or clinic's choice not to text.
use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use salus_app::model::clinic::ReminderDeliveries;
use salus_app::model::reminders::{Channel, DeliveryStatus};
use salus_app::server::entities::reminders;
use salus_app::server::reminders::caps::TEXTS_PER_PATIENT_PER_DAY;
use salus_app::server::reminders::plan;
use salus_app::server::sms::signature;
use salus_app::server::state::AppState;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::helpers::*;
use crate::reminders::deliver_now;
use crate::sms_gateway::{Answer, SmsGateway};
use crate::smtp::SmtpServer;

const NOAH: &str = "noah@example.com";
const NOAH_PHONE: &str = "+15550100103";
const DAVID_PHONE: &str = "+15550100101";

/// 1 December, 09:00 in New York: Noah's flu vaccination is overdue and David's annual blood
/// test is within the clinic's 14 days of "due soon".
fn two_owed(app: &TestApp) {
    app.clock.set("2026-12-01T14:00:00Z".parse().unwrap());
}

/// Sunrise sends texts (with `cap` a day) as well as email, as its admin saves it.
async fn clinic_texts(app: &TestApp, cap: &str) {
    let maria = signed_in(app, CLINIC_ADMIN).await;
    let () = ok_json(
        app.post_with(
            &maria,
            "/api/clinic/settings/reminders",
            &[
                ("email_enabled", "on"),
                ("sms_enabled", "on"),
                ("quiet_hours_start", "21:00"),
                ("quiet_hours_end", "08:00"),
                ("sender_name", "Sunrise"),
                ("due_soon_days", "14"),
                ("sms_daily_cap", cap),
            ],
        )
        .await,
    )
    .await;
}

/// `email` takes texts at `phone`.
async fn takes_texts(app: &TestApp, email: &str, phone: &str) {
    let patient = user_id(app, email).await;
    as_platform(
        app,
        &format!(
            "UPDATE patient_profiles SET phone = '{phone}', sms_reminders = true \
             WHERE user_id = {patient}"
        ),
    )
    .await;
}

async fn plan_texts(app: &TestApp) -> plan::Planned {
    plan::plan_all(&app.app_db, app.clock.now(), true)
        .await
        .unwrap()
}

async fn texts(app: &TestApp) -> Vec<reminders::Model> {
    reminders::Entity::find()
        .filter(reminders::Column::Channel.eq(Channel::Sms))
        .order_by_asc(reminders::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

async fn texts_of(app: &TestApp, email: &str) -> Vec<reminders::Model> {
    let patient = user_id(app, email).await;
    texts(app)
        .await
        .into_iter()
        .filter(|r| r.patient_id == patient)
        .collect()
}

struct Setup {
    app: TestApp,
    sunrise: i64,
    gateway: SmsGateway,
    _smtp: SmtpServer,
    state: AppState,
}

/// Sunrise texting with a cap of `cap`, Noah and David taking texts, two items owed.
async fn setup(backend: Backend, cap: &str) -> Setup {
    let app = TestApp::spawn(backend).await;
    let sunrise = sunrise(&app).await;
    let smtp = SmtpServer::start().await;
    let gateway = SmsGateway::start().await;
    let state = app
        .worker_state_with(&smtp.url(), Some(&gateway.url()))
        .await;
    clinic_texts(&app, cap).await;
    takes_texts(&app, NOAH, NOAH_PHONE).await;
    takes_texts(&app, DAVID, DAVID_PHONE).await;
    two_owed(&app);
    Setup {
        app,
        sunrise,
        gateway,
        _smtp: smtp,
        state,
    }
}

/// Posts a status report to the clinic's callback, signed with `key`.
async fn report(
    app: &TestApp,
    clinic: i64,
    key: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    report_signed_for(app, clinic, clinic, key, fields).await
}

/// Posts a status report to `clinic`'s callback, signed for `signed_for`'s.
async fn report_signed_for(
    app: &TestApp,
    clinic: i64,
    signed_for: i64,
    key: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let url = |clinic: i64| format!("{}/api/sms/status/{clinic}", app.origin());
    let params: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    reqwest::Client::new()
        .post(url(clinic))
        .header(
            "x-twilio-signature",
            signature(key, &url(signed_for), &params),
        )
        .form(fields)
        .send()
        .await
        .unwrap()
}

async fn texts_go_once_per_window_and_the_gateway_reports_back(backend: Backend) {
    let Setup {
        app,
        sunrise,
        gateway,
        state,
        ..
    } = setup(backend, "200").await;
    let planned = plan_texts(&app).await;
    assert_eq!((planned.email, planned.sms), (2, 2));
    assert_eq!(
        plan_texts(&app).await.total(),
        0,
        "planning again adds nothing"
    );

    let round = deliver_now(&state, sunrise).await;
    assert_eq!(round.sent, 4);
    let sent = gateway.received();
    assert_eq!(sent.len(), 2);
    let to_noah = sent
        .iter()
        .find(|t| t.field("To") == NOAH_PHONE)
        .expect("a text to Noah");
    assert_eq!(to_noah.path, "/2010-04-01/Accounts/AC_TEST/Messages.json");
    // Basic auth with the account and the token: base64 of "AC_TEST:sms-test-token".
    assert_eq!(SMS_TOKEN, "sms-test-token");
    assert_eq!(
        to_noah.authorization,
        "Basic QUNfVEVTVDpzbXMtdGVzdC10b2tlbg=="
    );
    assert_eq!(to_noah.field("From"), "+15550100000");
    assert_eq!(
        to_noah.field("StatusCallback"),
        format!("{}/api/sms/status/{sunrise}", app.origin())
    );
    let body = to_noah.field("Body");
    assert!(body.starts_with("Sunrise: "), "{body}");
    assert!(
        body.contains(&format!("{}/patient", app.origin())),
        "{body}"
    );
    for clinical in ["flu", "vaccin", "blood", "test", "Seasonal"] {
        assert!(!body.contains(clinical), "{clinical} in {body}");
    }
    let noahs = texts_of(&app, NOAH).await;
    assert_eq!(noahs.len(), 1);
    assert_eq!(noahs[0].status, DeliveryStatus::Sent);
    assert_eq!(noahs[0].provider_message_id, to_noah.sid);

    // Nothing more goes, however often it plans and delivers.
    assert_eq!(plan_texts(&app).await.total(), 0);
    assert_eq!(deliver_now(&state, sunrise).await.claimed, 0);
    assert_eq!(gateway.received().len(), 2);

    // The gateway's report: a wrong signature is refused and changes nothing.
    let sid = to_noah.sid.clone().unwrap();
    let delivered = [("MessageSid", sid.as_str()), ("MessageStatus", "delivered")];
    let forged = report(&app, sunrise, "not-the-token", &delivered).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let unsigned = reqwest::Client::new()
        .post(format!("{}/api/sms/status/{sunrise}", app.origin()))
        .form(&delivered)
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), StatusCode::FORBIDDEN);
    // A report signed for another clinic's address: refused too.
    let elsewhere = report_signed_for(&app, sunrise, sunrise + 1, SMS_TOKEN, &delivered).await;
    assert_eq!(elsewhere.status(), StatusCode::FORBIDDEN);
    assert!(texts_of(&app, NOAH).await[0].delivered_at.is_none());
    // Signed: recorded.
    let signed = report(&app, sunrise, SMS_TOKEN, &delivered).await;
    assert_eq!(signed.status(), StatusCode::NO_CONTENT);
    assert!(texts_of(&app, NOAH).await[0].delivered_at.is_some());
    // David's text was not delivered: a dead letter with the gateway's code, and the admin
    // sees both.
    let davids = texts_of(&app, DAVID).await;
    let david_sid = davids[0].provider_message_id.clone().unwrap();
    let failed = report(
        &app,
        sunrise,
        SMS_TOKEN,
        &[
            ("MessageSid", david_sid.as_str()),
            ("MessageStatus", "undelivered"),
            ("ErrorCode", "30003"),
        ],
    )
    .await;
    assert_eq!(failed.status(), StatusCode::NO_CONTENT);
    let davids = texts_of(&app, DAVID).await;
    assert_eq!(davids[0].status, DeliveryStatus::Dead);
    assert_eq!(
        davids[0].last_error.as_deref(),
        Some("undelivered: the gateway could not deliver it (error 30003)")
    );
    let maria = signed_in(&app, CLINIC_ADMIN).await;
    let listed: ReminderDeliveries = ok_json(
        app.post_with(&maria, "/api/clinic/reminders", &[("channel", "sms")])
            .await,
    )
    .await;
    assert_eq!(listed.total, 2);
    let noah_row = listed
        .rows
        .iter()
        .find(|r| r.patient == "Noah Patel")
        .unwrap();
    assert_eq!(
        (noah_row.channel, noah_row.status),
        (Channel::Sms, DeliveryStatus::Sent)
    );
    assert!(noah_row.delivered.is_some());
}

async fn gateway_failures_retry_or_end_at_once(backend: Backend) {
    let Setup {
        app,
        sunrise,
        gateway,
        state,
        ..
    } = setup(backend, "200").await;
    // Only Noah's text, so each answer below meets it.
    let david = user_id(&app, DAVID).await;
    as_platform(
        &app,
        &format!("UPDATE patient_profiles SET sms_reminders = false WHERE user_id = {david}"),
    )
    .await;
    assert_eq!(plan_texts(&app).await.sms, 1);
    let expect = |answer: Answer, status: DeliveryStatus, reason: &'static str| {
        gateway.answer_next(&[answer]);
        let state = &state;
        let app = &app;
        async move {
            let round = deliver_now(state, sunrise).await;
            assert!(round.claimed >= 1);
            let row = texts_of(app, NOAH).await.remove(0);
            assert_eq!(
                (row.status, row.last_error.as_deref()),
                (status, Some(reason)),
                "{answer:?}"
            );
            if status == DeliveryStatus::Pending {
                app.clock.set(row.next_attempt_at);
            }
        }
    };
    expect(
        Answer::Status(429),
        DeliveryStatus::Pending,
        "temporary: gateway 429",
    )
    .await;
    expect(
        Answer::Status(500),
        DeliveryStatus::Pending,
        "temporary: gateway 500",
    )
    .await;
    expect(
        Answer::Status(503),
        DeliveryStatus::Pending,
        "temporary: gateway 503",
    )
    .await;
    // No answer within the client's 10 seconds.
    expect(
        Answer::Hang,
        DeliveryStatus::Pending,
        "temporary: timed out",
    )
    .await;
    // An invalid number: the gateway's 400 ends it at once, and no number is kept.
    expect(
        Answer::Status(400),
        DeliveryStatus::Dead,
        "refused: gateway 400",
    )
    .await;
    let row = texts_of(&app, NOAH).await.remove(0);
    assert_eq!(row.attempts, 5);
    assert_eq!(gateway.received().len(), 5);
}

async fn the_daily_caps_hold_texts_for_the_next_day(backend: Backend) {
    // The clinic's cap: one text a day.
    let Setup {
        app,
        sunrise,
        gateway,
        state,
        ..
    } = setup(backend, "1").await;
    assert_eq!(plan_texts(&app).await.sms, 2);
    let round = deliver_now(&state, sunrise).await;
    assert_eq!(round.deferred, 1, "{round:?}");
    assert_eq!(gateway.received().len(), 1);
    let waiting = texts(&app)
        .await
        .into_iter()
        .find(|r| r.status == DeliveryStatus::Pending)
        .unwrap();
    // Midnight in New York, the clinic's time zone: 05:00 UTC on 2 December.
    let midnight: DateTime<Utc> = "2026-12-02T05:00:00Z".parse().unwrap();
    assert_eq!(waiting.next_attempt_at, midnight);
    // At midnight it is New York's quiet hours: it waits for 08:00, then goes.
    app.clock.set(midnight);
    deliver_now(&state, sunrise).await;
    assert_eq!(gateway.received().len(), 1);
    app.clock.set("2026-12-02T13:00:00Z".parse().unwrap());
    deliver_now(&state, sunrise).await;
    assert_eq!(gateway.received().len(), 2);

    // The patient's cap: Noah is owed more texts in a day than he is sent.
    let Setup {
        app,
        sunrise,
        gateway,
        state,
        ..
    } = setup(backend, "200").await;
    let noah = user_id(&app, NOAH).await;
    as_platform(
        &app,
        &format!(
            "UPDATE care_items SET status = 'overdue' WHERE patient_id = {noah} \
             AND status NOT IN ('not_applicable', 'overdue')"
        ),
    )
    .await;
    let owed = plan_texts(&app).await.sms;
    assert!(owed > TEXTS_PER_PATIENT_PER_DAY + 1, "{owed}");
    deliver_now(&state, sunrise).await;
    let to_noah = |sent: Vec<crate::sms_gateway::Texted>| {
        sent.iter().filter(|t| t.field("To") == NOAH_PHONE).count() as u64
    };
    assert_eq!(to_noah(gateway.received()), TEXTS_PER_PATIENT_PER_DAY);
    assert!(
        gateway
            .received()
            .iter()
            .any(|t| t.field("To") == DAVID_PHONE),
        "David's text is not held by Noah's cap"
    );
    // The next morning in New York, the next three.
    app.clock.set("2026-12-02T13:00:00Z".parse().unwrap());
    deliver_now(&state, sunrise).await;
    assert_eq!(
        to_noah(gateway.received()),
        (2 * TEXTS_PER_PATIENT_PER_DAY).min(owed - 1)
    );
}

async fn the_plans_monthly_allowance_holds_texts_for_the_next_month(backend: Backend) {
    let Setup {
        app,
        sunrise,
        gateway,
        state,
        ..
    } = setup(backend, "200").await;
    // Standard allows one more text this month: 4 were sent on 30 November and 1 of 5 today.
    as_platform(
        &app,
        "UPDATE plans SET sms_per_month = 6 WHERE code = 'standard'",
    )
    .await;
    as_platform(
        &app,
        &format!(
            "INSERT INTO text_counts (clinic_id, day, texts) VALUES ({sunrise}, '2026-11-30', 40), \
             ({sunrise}, '2026-12-01', 5)"
        ),
    )
    .await;
    assert_eq!(plan_texts(&app).await.sms, 2);
    let round = deliver_now(&state, sunrise).await;
    // November's texts are November's: December has room for one.
    assert_eq!(gateway.received().len(), 1, "{round:?}");
    let waiting = texts(&app)
        .await
        .into_iter()
        .find(|r| r.status == DeliveryStatus::Pending)
        .expect("one text waits");
    // Midnight of 1 January in New York, the clinic's time zone.
    let next_month: DateTime<Utc> = "2027-01-01T05:00:00Z".parse().unwrap();
    assert_eq!(waiting.next_attempt_at, next_month);
    // A plan without texts: nothing more is planned, and the waiting one is cancelled.
    let id = sunrise.to_string();
    let admin = signed_in(&app, SUPER_ADMIN).await;
    let () = ok_json(
        app.post_with(
            &admin,
            "/api/platform/clinics/plan",
            &[("id", &id), ("plan", "network")],
        )
        .await,
    )
    .await;
    // The platform sees this month's six texts (counts it reads under row-level security).
    let shown: salus_app::model::platform::ClinicDetail = ok_json(
        app.post_with(&admin, "/api/platform/clinics/one", &[("id", &id)])
            .await,
    )
    .await;
    assert_eq!(shown.texts_this_month, 6);
    as_platform(
        &app,
        "UPDATE plans SET sms_reminders = false WHERE code = 'network'",
    )
    .await;
    app.clock.set(next_month + chrono::Duration::hours(9));
    deliver_now(&state, sunrise).await;
    let waiting = texts(&app)
        .await
        .into_iter()
        .find(|r| r.id == waiting.id)
        .unwrap();
    assert_eq!(
        (waiting.status, waiting.last_error.as_deref()),
        (
            DeliveryStatus::Cancelled,
            Some("the clinic does not send this channel")
        )
    );
    assert_eq!(gateway.received().len(), 1);
}

async fn no_text_without_the_patients_or_the_clinics_choice(backend: Backend) {
    let Setup {
        app,
        sunrise,
        gateway,
        state,
        ..
    } = setup(backend, "200").await;
    // 03:00 in New York on 1 December: both texts wait for the morning.
    app.clock.set("2026-12-01T08:00:00Z".parse().unwrap());
    assert_eq!(plan_texts(&app).await.sms, 2);
    // Noah turns texts off on his profile: his waiting texts are cancelled at once, his email
    // stays.
    let noah = signed_in(&app, NOAH).await;
    let mut form = profile_form(&app, &noah).await;
    form.retain(|(name, _)| *name != "phone");
    form.push(("phone", "555 0100".into()));
    // A number without its country code cannot be texted: refused beside the field.
    let (status, error) = err_json(save_profile(&app, &noah, &form).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("phone"),
        ["Enter your mobile number with its country code, like +1 555 010 0199."]
    );
    form.retain(|(name, _)| *name != "phone" && *name != "sms_reminders");
    form.push(("phone", "+1 555 010 0103".into()));
    let () = ok_json(save_profile(&app, &noah, &form).await).await;
    for text in texts_of(&app, NOAH).await {
        assert_eq!(text.status, DeliveryStatus::Cancelled);
        assert_eq!(
            text.last_error.as_deref(),
            Some("the patient turned off text reminders")
        );
    }
    let emails = reminders::Entity::find()
        .filter(reminders::Column::Channel.eq("email"))
        .filter(reminders::Column::PatientId.eq(user_id(&app, NOAH).await))
        .all(&app.db)
        .await
        .unwrap();
    assert!(
        emails.iter().all(|r| r.status == DeliveryStatus::Pending),
        "{emails:?}"
    );

    // The clinic stops texting: David's waiting text is cancelled when its time comes.
    let maria = signed_in(&app, CLINIC_ADMIN).await;
    let () = ok_json(
        app.post_with(
            &maria,
            "/api/clinic/settings/reminders",
            &[
                ("email_enabled", "on"),
                ("quiet_hours_start", "21:00"),
                ("quiet_hours_end", "08:00"),
                ("sender_name", "Sunrise"),
                ("due_soon_days", "14"),
                ("sms_daily_cap", "200"),
            ],
        )
        .await,
    )
    .await;
    app.clock.set("2026-12-01T13:00:00Z".parse().unwrap());
    deliver_now(&state, sunrise).await;
    let davids = texts_of(&app, DAVID).await;
    assert_eq!(
        davids[0].last_error.as_deref(),
        Some("the clinic does not send this channel")
    );
    for text in texts(&app).await {
        assert_eq!(text.status, DeliveryStatus::Cancelled, "{text:?}");
    }
    assert!(gateway.received().is_empty());
    // And plans none.
    app.clock.advance(Duration::days(1));
    assert_eq!(plan_texts(&app).await.sms, 0);

    // Without a gateway configured, no text is planned whatever the clinic says.
    clinic_texts(&app, "200").await;
    as_platform(&app, "DELETE FROM reminders").await;
    let planned = plan::plan_all(&app.app_db, app.clock.now(), false)
        .await
        .unwrap();
    assert_eq!(planned.sms, 0);
    assert!(planned.email > 0);
}

crate::on_both_databases!(
    texts_go_once_per_window_and_the_gateway_reports_back,
    gateway_failures_retry_or_end_at_once,
    the_daily_caps_hold_texts_for_the_next_day,
    the_plans_monthly_allowance_holds_texts_for_the_next_month,
    no_text_without_the_patients_or_the_clinics_choice,
);
