//! The audit log: events for sign-ins and goal logs, and a chain that exposes tampering.
use salus_app::server::audit::verify;
use salus_app::server::entities::audit_events;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};

use crate::helpers::*;

async fn audit_chain_records_events_and_exposes_tampering(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let _ = app.sign_in_with(&app.client, DAVID, "wrong-password").await;
    app.sign_in(DAVID, DEMO_PASSWORD).await;
    let d: salus_app::model::PatientDashboard =
        ok_json(app.post("/api/patient/dashboard", &[]).await).await;
    let today = d.today.to_string();
    app.post(
        "/api/patient/log_goal",
        &[("kind", "steps"), ("date", &today), ("value", "10")],
    )
    .await;

    let events = audit_events::Entity::find()
        .order_by_asc(audit_events::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["auth.sign_in_failed", "auth.sign_in", "goal_log.create"]
    );
    let logged = &events[2];
    assert_eq!(logged.patient_id, logged.actor_user_id);
    assert_eq!(logged.actor_role.as_deref(), Some("patient"));
    assert!(logged.request_id.is_some());
    assert_eq!(
        logged.resource.as_deref(),
        Some(format!("goal_log:steps:{today}").as_str())
    );

    let report = verify(&app.db).await.unwrap();
    assert_eq!((report.checked, report.first_broken), (3, None));

    // The database refuses to rewrite or remove history…
    let rewrite = format!(
        "UPDATE audit_events SET action = 'auth.sign_out' WHERE id = {}",
        events[1].id
    );
    let refused = app.db.execute_unprepared(&rewrite).await.unwrap_err();
    assert!(refused.to_string().contains("append-only"), "{refused}");
    let refused = app
        .db
        .execute_unprepared("DELETE FROM audit_events")
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("append-only"), "{refused}");
    if backend == Backend::Postgres {
        let refused = app
            .db
            .execute_unprepared("TRUNCATE audit_events")
            .await
            .unwrap_err();
        assert!(refused.to_string().contains("append-only"), "{refused}");
    }
    assert_eq!(verify(&app.db).await.unwrap().checked, 3);

    // …so an insider who owns the table drops the triggers first, and rewrites a row: the
    // chain names it.
    app.db
        .execute_unprepared(match backend {
            Backend::Postgres => "DROP TRIGGER audit_events_append_only ON audit_events",
            Backend::Sqlite => "DROP TRIGGER audit_events_no_update",
        })
        .await
        .unwrap();
    app.db.execute_unprepared(&rewrite).await.unwrap();
    let report = verify(&app.db).await.unwrap();
    assert_eq!(report.first_broken, Some(events[1].id));
}

crate::on_both_databases!(audit_chain_records_events_and_exposes_tampering);
