//! The audit log: events for sign-ins and goal logs, and a chain that exposes tampering.
use salus_app::server::audit::{anchor, verify, AuditKey, Tampering};
use salus_app::server::entities::audit_events;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::helpers::*;

async fn audit_chain_records_events_and_exposes_tampering(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let _ = app.sign_in_with(&app.client, DAVID, "wrong-password").await;
    app.sign_in(DAVID, DEMO_PASSWORD).await;
    let d: salus_app::model::patient::PatientDashboard =
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
    // The seed ran first, as an audited platform task.
    assert_eq!(
        actions,
        [
            "platform.task",
            "auth.sign_in_failed",
            "auth.sign_in",
            "goal_log.create"
        ]
    );
    assert_eq!(events[0].resource.as_deref(), Some("seed_demo"));
    let logged = &events[3];
    assert_eq!(logged.patient_id, logged.actor_user_id);
    assert_eq!(logged.actor_role.as_deref(), Some("patient"));
    assert!(logged.request_id.is_some());
    assert_eq!(
        logged.resource.as_deref(),
        Some(format!("goal_log:steps:{today}").as_str())
    );

    let report = verify(&app.db, &app.audit_key, None).await.unwrap();
    assert_eq!((report.checked, report.first_broken), (4, None));

    // The database refuses to rewrite or remove history…
    let rewrite = format!(
        "UPDATE audit_events SET action = 'auth.sign_out' WHERE id = {}",
        events[2].id
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
        4
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
    assert_eq!(report.first_broken, Some(events[2].id));
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
    // The three sign-ins, in the clinic's chain (the seed's event is in the platform's).
    let events = || async {
        audit_events::Entity::find()
            .filter(audit_events::Column::Action.eq("auth.sign_in"))
            .order_by_asc(audit_events::Column::Id)
            .all(&app.db)
            .await
            .unwrap()
    };
    let original = events().await;
    assert_eq!(original.len(), 3);
    assert!(original
        .iter()
        .all(|e| e.chain == original[0].chain && e.chain != 0));
    let head = anchor(&app.db).await.unwrap().unwrap();
    let check = |expected: Option<(i64, Tampering)>| {
        let (app, head) = (&app, &head);
        async move {
            let report = verify(&app.db, &app.audit_key, Some(head)).await.unwrap();
            assert_eq!(report.first_broken.zip(report.problem), expected);
        }
    };
    check(None).await;
    // The key is what makes it verify: another key fails at the first keyed event, the seed's.
    let other = verify(&app.db, &AuditKey::random(), None).await.unwrap();
    let seeded = audit_events::Entity::find()
        .order_by_asc(audit_events::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seeded.action, "platform.task");
    assert_eq!(other.first_broken, Some(seeded.id));

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

    // Truncated: the tail is cut off. The chain's head in the database no longer matches.
    audit_events::Entity::delete_by_id(original[2].id)
        .exec(&app.db)
        .await
        .unwrap();
    let report = verify(&app.db, &app.audit_key, None).await.unwrap();
    assert_eq!(
        report.first_broken.zip(report.problem),
        Some((original[1].id, Tampering::Truncated)),
        "the head names an event that is gone; the last one left is reported"
    );
    // An insider who also rewinds the head hides the cut from the database alone; the anchor,
    // kept outside it, still shows it.
    app.db
        .execute_unprepared(&format!(
            "UPDATE audit_chain_heads SET last_hash = '{}' WHERE chain = {}",
            original[1].hash, original[1].chain
        ))
        .await
        .unwrap();
    assert_eq!(
        verify(&app.db, &app.audit_key, None)
            .await
            .unwrap()
            .first_broken,
        None,
        "without the anchor a cut tail with a rewound head cannot be seen"
    );
    check(Some((original[2].id, Tampering::Truncated))).await;
}

/// Each clinic's events form a chain of their own, and events with no clinic the platform's,
/// so appending in one clinic never waits for another.
async fn each_clinic_has_its_own_chain(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let second = second_clinic(&app, DAVID).await.id;
    let _ = app.sign_in_with(&app.client, DAVID, "wrong-password").await;
    app.sign_in(DAVID, DEMO_PASSWORD).await;
    app.sign_in(SECOND_PROVIDER, DEMO_PASSWORD).await;
    let events = audit_events::Entity::find()
        .order_by_asc(audit_events::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    let chains: Vec<(&str, i64)> = events
        .iter()
        .map(|e| (e.action.as_str(), e.chain))
        .collect();
    let first = events[2].clinic_id.expect("David signs in to a clinic");
    assert_ne!(first, second);
    assert_eq!(
        chains,
        [
            ("platform.task", 0),
            ("auth.sign_in_failed", 0),
            ("auth.sign_in", first),
            // Omar is staff: his first sign-in sets up two-step sign-in, and the helper then
            // signs in again with a code, as every later sign-in goes.
            ("auth.sign_in", second),
            ("auth.two_step_enrolled", second),
            ("auth.sign_in", second),
            ("auth.two_step_passed", second),
        ]
    );
    assert_eq!(
        events[1].prev_hash, events[0].hash,
        "the platform chain goes on"
    );
    for event in &events[2..4] {
        assert_eq!(
            event.prev_hash,
            "0".repeat(64),
            "each clinic's chain starts afresh"
        );
    }
    for pair in events[3..].windows(2) {
        assert_eq!(
            pair[1].prev_hash, pair[0].hash,
            "the second clinic's chain goes on"
        );
    }
    let report = verify(&app.db, &app.audit_key, None).await.unwrap();
    assert_eq!((report.checked, report.problem), (7, None));
    let head = anchor(&app.db).await.unwrap().unwrap();
    assert_eq!(head.chains.len(), 3);
    assert_eq!(head.events(), 7);
}

crate::on_both_databases!(
    audit_chain_records_events_and_exposes_tampering,
    each_clinic_has_its_own_chain,
    every_kind_of_tampering_is_named
);
