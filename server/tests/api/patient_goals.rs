//! Goal history: 30-day series, streaks, targets, and correcting the last week's entries.
use chrono::Days;
use reqwest::StatusCode;
use salus_app::model::patient::{GoalHistory, PatientDashboard};
use salus_app::model::GoalKind;
use salus_app::server::entities::{goal_logs, users};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::*;

fn series(h: &GoalHistory, kind: GoalKind) -> &salus_app::model::patient::GoalSeries {
    h.series.iter().find(|s| s.kind == kind).unwrap()
}

async fn history_shows_thirty_days_streaks_and_the_sleep_week(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.sign_in(DAVID, DEMO_PASSWORD).await;
    let h: GoalHistory = ok_json(app.post("/api/patient/goal_history", &[]).await).await;
    assert_eq!(h.series.len(), 4);
    let sleep = series(&h, GoalKind::Sleep);
    assert_eq!(sleep.days.len(), 30);
    assert_eq!(sleep.days.last().unwrap().day, h.today);
    assert_eq!(sleep.days[29 - 1].value, 430, "last night");
    assert_eq!(
        sleep.streak, 1,
        "430 last night, 390 the night before; today is not over"
    );
    assert_eq!(series(&h, GoalKind::Steps).streak, 0);
    assert_eq!(h.recent.len(), 28, "a week of four goals is still editable");

    let d: PatientDashboard = ok_json(app.post("/api/patient/dashboard", &[]).await).await;
    let nights: Vec<i64> = d.sleep_week.iter().map(|v| v.value).collect();
    assert_eq!(nights, [445, 380, 460, 420, 390, 430, 0]);
    // The chart is drawn on the server with a text alternative.
    let page = app.get("/patient").await.text().await.unwrap();
    assert!(page.contains("<svg") && page.contains("Minutes slept on each of the last 7 nights"));
    assert!(page.contains("kcal"), "active minutes show an estimate");
}

async fn targets_and_entries_can_be_changed_within_limits(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.sign_in(DAVID, DEMO_PASSWORD).await;
    let (status, error) = err_json(
        app.post(
            "/api/patient/set_goal_target",
            &[("kind", "steps"), ("target", "0")],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("target"),
        ["Enter a whole number from 1 to 100000 steps."]
    );
    assert_eq!(
        app.post(
            "/api/patient/set_goal_target",
            &[("kind", "steps"), ("target", "4000")]
        )
        .await
        .status(),
        StatusCode::OK
    );
    let h: GoalHistory = ok_json(app.post("/api/patient/goal_history", &[]).await).await;
    assert_eq!(series(&h, GoalKind::Steps).target, 4000);
    assert_eq!(
        series(&h, GoalKind::Steps).streak,
        3,
        "4800, 6500 and 8000 meet 4000; 3900 before them does not"
    );

    let entry = h
        .recent
        .iter()
        .find(|e| e.kind == GoalKind::Water)
        .unwrap()
        .clone();
    let (status, error) = err_json(
        app.post(
            "/api/patient/update_goal_log",
            &[("id", &entry.id.to_string()), ("value", "-1")],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("value"),
        ["Enter a whole number from 0 to 40 glasses."]
    );
    assert_eq!(
        app.post(
            "/api/patient/update_goal_log",
            &[("id", &entry.id.to_string()), ("value", "12")]
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_eq!(
        goal_logs::Entity::find_by_id(entry.id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .value,
        12
    );

    // Someone else's entry is not there for Emma.
    let emma = client();
    app.sign_in_with(&emma, "emma@example.com", DEMO_PASSWORD)
        .await;
    let (status, _) = err_json(
        app.post_with(
            &emma,
            "/api/patient/delete_goal_log",
            &[("id", &entry.id.to_string())],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    assert_eq!(
        app.post(
            "/api/patient/delete_goal_log",
            &[("id", &entry.id.to_string())]
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert!(goal_logs::Entity::find_by_id(entry.id)
        .one(&app.db)
        .await
        .unwrap()
        .is_none());

    // Older entries are history: they can no longer be changed.
    let david = users::Entity::find()
        .filter(users::Column::Email.eq(DAVID))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let old = goal_logs::Entity::insert(goal_logs::ActiveModel {
        patient_id: Set(david),
        kind: Set(GoalKind::Water),
        log_date: Set(h.today - Days::new(12)),
        value: Set(5),
        source: Set("manual".into()),
        created_at: Set(app.clock.now()),
        updated_at: Set(app.clock.now()),
        ..Default::default()
    })
    .exec(&app.db)
    .await
    .unwrap()
    .last_insert_id;
    let (status, error) = err_json(
        app.post(
            "/api/patient/update_goal_log",
            &[("id", &old.to_string()), ("value", "8")],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        error.to_string(),
        "Entries older than 7 days can no longer be changed."
    );
}

crate::on_both_databases!(
    history_shows_thirty_days_streaks_and_the_sleep_week,
    targets_and_entries_can_be_changed_within_limits
);
