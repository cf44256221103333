//! The goal tracker: logging, validation, the patient's own days, and isolation.
use chrono::{Days, NaiveDate};
use reqwest::StatusCode;
use salus_app::model::patient::{GoalProgress, PatientDashboard};
use salus_app::model::GoalKind;

use crate::helpers::*;

fn today_in(app: &TestApp, zone: &str) -> NaiveDate {
    app.clock
        .now()
        .with_timezone(&zone.parse::<chrono_tz::Tz>().unwrap())
        .date_naive()
}

fn progress(dashboard: &PatientDashboard, kind: GoalKind) -> GoalProgress {
    dashboard
        .goals
        .iter()
        .find(|g| g.kind == kind)
        .cloned()
        .unwrap()
}

async fn dashboard(app: &TestApp, client: &reqwest::Client) -> PatientDashboard {
    ok_json(app.post_with(client, "/api/patient/dashboard", &[]).await).await
}

async fn log(
    app: &TestApp,
    client: &reqwest::Client,
    kind: &str,
    date: &str,
    value: &str,
) -> reqwest::Response {
    app.post_with(
        client,
        "/api/patient/log_goal",
        &[("kind", kind), ("date", date), ("value", value)],
    )
    .await
}

async fn logging_steps_moves_todays_progress(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.sign_in(DAVID, DEMO_PASSWORD).await;
    let before = dashboard(&app, &app.client).await;
    assert_eq!(before.name, "David Miller");
    assert_eq!(before.time_zone, "America/New_York");
    assert_eq!(
        before.today,
        today_in(&app, "America/New_York"),
        "the patient's day, not the server's"
    );
    assert_eq!(before.goals.len(), 4);
    assert_eq!(
        progress(&before, GoalKind::Steps),
        GoalProgress {
            kind: GoalKind::Steps,
            value: 0,
            target: 6000
        }
    );

    let today = before.today.to_string();
    let saved: GoalProgress = ok_json(log(&app, &app.client, "steps", &today, "3620").await).await;
    assert_eq!(saved.value, 3620);
    let after = dashboard(&app, &app.client).await;
    let steps = progress(&after, GoalKind::Steps);
    assert_eq!(
        (steps.value, steps.target, steps.percent()),
        (3620, 6000, 60)
    );

    // Steps add up over the day; sleep is one measurement and replaces.
    ok_json::<GoalProgress>(log(&app, &app.client, "steps", &today, "1000").await).await;
    ok_json::<GoalProgress>(log(&app, &app.client, "sleep", &today, "400").await).await;
    ok_json::<GoalProgress>(log(&app, &app.client, "sleep", &today, "430").await).await;
    let after = dashboard(&app, &app.client).await;
    assert_eq!(progress(&after, GoalKind::Steps).value, 4620);
    assert_eq!(progress(&after, GoalKind::Sleep).value, 430);

    // A past day within the week is accepted and does not touch today.
    let three_days_ago = (before.today - Days::new(3)).to_string();
    let past: GoalProgress =
        ok_json(log(&app, &app.client, "water", &three_days_ago, "2").await).await;
    assert_eq!(
        past.value,
        9 + 2,
        "added to the seeded value of that day (9 glasses)"
    );
    assert_eq!(
        progress(&dashboard(&app, &app.client).await, GoalKind::Water).value,
        0
    );
}

async fn goal_logging_explains_bad_input_and_keeps_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.sign_in(DAVID, DEMO_PASSWORD).await;
    let today = dashboard(&app, &app.client).await.today;
    let tomorrow = (today + Days::new(1)).to_string();
    let eight_days_ago = (today - Days::new(8)).to_string();
    let today = today.to_string();
    let cases: [(&str, &str, &str, &str, &str); 7] = [
        (
            "steps",
            &tomorrow,
            "100",
            "date",
            "You cannot log a day that has not happened yet.",
        ),
        (
            "steps",
            &eight_days_ago,
            "100",
            "date",
            "You can log values for the last 7 days only.",
        ),
        (
            "steps",
            "23/11/2026",
            "100",
            "date",
            "Enter a date, like 2026-11-23.",
        ),
        (
            "steps",
            &today,
            "-5",
            "value",
            "Enter a number of zero or more.",
        ),
        (
            "steps",
            &today,
            "lots",
            "value",
            "Enter a whole number, like 3500.",
        ),
        (
            "steps",
            &today,
            "250000",
            "value",
            "That is more than 100000 steps in a day.",
        ),
        ("calories", &today, "100", "kind", "Choose a goal."),
    ];
    for (kind, date, value, field, message) in cases {
        let (status, error) = err_json(log(&app, &app.client, kind, date, value).await).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{kind} {date} {value}"
        );
        assert_eq!(
            error.field_messages(field),
            [message],
            "{kind} {date} {value}"
        );
    }
    // Adding past the day's maximum is refused as a whole.
    ok_json::<GoalProgress>(log(&app, &app.client, "water", &today, "30").await).await;
    let (_, error) = err_json(log(&app, &app.client, "water", &today, "20").await).await;
    assert!(
        error.field_messages("value")[0].starts_with("That would make 50 glasses on"),
        "{error:?}"
    );
    let d = dashboard(&app, &app.client).await;
    assert_eq!(
        progress(&d, GoalKind::Steps).value,
        0,
        "refused entries left nothing behind"
    );
    assert_eq!(progress(&d, GoalKind::Water).value, 30);
}

async fn patient_cannot_see_another_patients_goals(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let other = client();
    assert_eq!(
        app.register(&other, "Grace Hopper", "grace@example.org")
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.sign_in_with(&other, "grace@example.org", "correct horse battery")
            .await
            .status(),
        StatusCode::OK
    );
    app.sign_in(DAVID, DEMO_PASSWORD).await;

    let david_today = dashboard(&app, &app.client).await.today.to_string();
    ok_json::<GoalProgress>(log(&app, &app.client, "steps", &david_today, "5000").await).await;

    let grace = dashboard(&app, &other).await;
    assert_eq!(grace.name, "Grace Hopper");
    assert_eq!(grace.time_zone, "Europe/London");
    assert!(
        grace.goals.iter().all(|g| g.value == 0),
        "Grace sees only her own (empty) day: {grace:?}"
    );
    let grace_today = grace.today.to_string();
    ok_json::<GoalProgress>(log(&app, &other, "steps", &grace_today, "100").await).await;
    assert_eq!(
        progress(&dashboard(&app, &app.client).await, GoalKind::Steps).value,
        5000,
        "David's day is untouched"
    );
    // No patient-data endpoint takes a patient id: there is nothing to point at someone else.
    let response = app
        .post_with(&other, "/api/patient/dashboard", &[("patient_id", "1")])
        .await;
    let d: PatientDashboard = ok_json(response).await;
    assert_eq!(d.name, "Grace Hopper");
}

crate::on_both_databases!(
    logging_steps_moves_todays_progress,
    goal_logging_explains_bad_input_and_keeps_nothing,
    patient_cannot_see_another_patients_goals,
);
