//! The audit log: events for sign-ins and goal logs, and a chain that exposes tampering.
use salus_app::server::audit::{anchor, verify, AuditKey, Tampering};
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

    let report = verify(&app.db, &app.audit_key, None).await.unwrap();
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
    assert_eq!(
        verify(&app.db, &app.audit_key, None).await.unwrap().checked,
        3
    );

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
    let report = verify(&app.db, &app.audit_key, None).await.unwrap();
    assert_eq!(report.first_broken, Some(events[1].id));
}

/// An insider with full write access to the database (triggers dropped) tries each kind of
/// tampering; `verify` names the first row affected, and what happened there.
async fn every_kind_of_tampering_is_named(backend: Backend) {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
    let app = TestApp::spawn(backend).await;
    for _ in 0..3 {
        app.sign_in(DAVID, DEMO_PASSWORD).await;
    }
    app.db
        .execute_unprepared(match backend {
            Backend::Postgres => {
                "DROP TRIGGER audit_events_append_only ON audit_events; \
                 DROP TRIGGER audit_events_no_truncate ON audit_events"
            }
            Backend::Sqlite => {
                "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete"
            }
        })
        .await
        .unwrap();
    let events = || async {
        audit_events::Entity::find()
            .order_by_asc(audit_events::Column::Id)
            .all(&app.db)
            .await
            .unwrap()
    };
    let original = events().await;
    assert_eq!(original.len(), 3);
    let head = anchor(&app.db).await.unwrap().unwrap();
    let check = |expected: Option<(i64, Tampering)>| {
        let (app, head) = (&app, &head);
        async move {
            let report = verify(&app.db, &app.audit_key, Some(head)).await.unwrap();
            assert_eq!(report.first_broken.zip(report.problem), expected);
        }
    };
    check(None).await;
    // The key is what makes it verify: another key fails at the first keyed event.
    let other = verify(&app.db, &AuditKey::random(), None).await.unwrap();
    assert_eq!(other.first_broken, Some(original[0].id));

    let restore = |row: audit_events::Model| {
        let db = app.db.clone();
        async move {
            row.into_active_model()
                .reset_all()
                .update(&db)
                .await
                .unwrap();
        }
    };

    // Edited.
    let mut edited = original[1].clone().into_active_model();
    edited.actor_user_id = Set(Some(999));
    edited.update(&app.db).await.unwrap();
    check(Some((original[1].id, Tampering::AlteredOrInserted))).await;
    restore(original[1].clone()).await;
    check(None).await;

    // Reordered: the first two rows swap contents.
    for (row, from) in [(&original[0], &original[1]), (&original[1], &original[0])] {
        let mut swapped = from.clone().into_active_model().reset_all();
        swapped.id = Set(row.id);
        swapped.update(&app.db).await.unwrap();
    }
    check(Some((original[0].id, Tampering::MissingOrReordered))).await;
    restore(original[0].clone()).await;
    restore(original[1].clone()).await;
    check(None).await;

    // Deleted from the middle.
    audit_events::Entity::delete_by_id(original[1].id)
        .exec(&app.db)
        .await
        .unwrap();
    check(Some((original[2].id, Tampering::MissingOrReordered))).await;
    audit_events::Entity::insert(original[1].clone().into_active_model())
        .exec(&app.db)
        .await
        .unwrap();
    check(None).await;

    // Inserted: a forged event appended with a plausible hash, without the key.
    let mut forged = original[2].clone();
    forged.id = original[2].id + 100;
    forged.prev_hash = original[2].hash.clone();
    forged.hash = "f".repeat(64);
    audit_events::Entity::insert(forged.clone().into_active_model())
        .exec(&app.db)
        .await
        .unwrap();
    check(Some((forged.id, Tampering::AlteredOrInserted))).await;
    audit_events::Entity::delete_by_id(forged.id)
        .exec(&app.db)
        .await
        .unwrap();
    check(None).await;

    // Truncated: the tail is cut off; the chain that is left is intact, the anchor is not.
    audit_events::Entity::delete_by_id(original[2].id)
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(
        verify(&app.db, &app.audit_key, None)
            .await
            .unwrap()
            .first_broken,
        None,
        "without the anchor a cut tail cannot be seen"
    );
    check(Some((original[2].id, Tampering::Truncated))).await;
}

crate::on_both_databases!(
    audit_chain_records_events_and_exposes_tampering,
    every_kind_of_tampering_is_named
);
