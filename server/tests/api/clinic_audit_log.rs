//! The clinic's audit log as its admin reads it: searched, paged, streamed as CSV, verified.
use reqwest::StatusCode;
use salus_app::model::clinic::{AuditLogPage, ChainStatus};

use crate::helpers::*;

async fn log(app: &TestApp, admin: &reqwest::Client, query: &[(&str, &str)]) -> AuditLogPage {
    ok_json(app.post_with(admin, "/api/clinic/audit_log", query).await).await
}

async fn the_log_is_searched_by_patient_staff_action_and_day(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sarah = signed_in(&app, PROVIDER).await;
    let david = user_id(&app, DAVID).await.to_string();
    let detail = app
        .post_with(&sarah, "/api/provider/patient", &[("patient_id", &david)])
        .await;
    assert_eq!(detail.status(), StatusCode::OK);
    // A refused attempt: a provider asking for a patient's own dashboard.
    assert_eq!(
        app.post_with(&sarah, "/api/patient/dashboard", &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let admin = signed_in(&app, CLINIC_ADMIN).await;

    let everything = log(&app, &admin, &[]).await;
    assert!(everything.total > 0);
    assert!(
        everything.rows.windows(2).all(|w| w[0].id > w[1].id),
        "newest first"
    );
    let sarah_id = user_id(&app, PROVIDER).await.to_string();
    let hers = log(&app, &admin, &[("staff", &sarah_id)]).await;
    assert!(hers.total > 0);
    assert!(
        hers.rows
            .iter()
            .all(|r| r.actor == "Dr. Sarah Chen (Provider)"),
        "{:?}",
        hers.rows
    );
    assert!(hers
        .rows
        .iter()
        .any(|r| r.action == "patient.access_refused"));

    let about_david = log(&app, &admin, &[("patient", "DAVID")]).await;
    assert!(about_david.total > 0);
    assert!(about_david
        .rows
        .iter()
        .all(|r| r.patient.as_deref() == Some("David Miller")));
    assert!(about_david
        .rows
        .iter()
        .any(|r| r.actor.starts_with("Dr. Sarah Chen") && r.action.starts_with("patient.")));
    assert_eq!(
        log(&app, &admin, &[("patient", "nobody-like-this")])
            .await
            .total,
        0
    );

    let action = "auth.two_step_passed";
    let sign_ins = log(&app, &admin, &[("action", action)]).await;
    assert!(sign_ins.rows.iter().all(|r| r.action == action));
    assert!(sign_ins.total >= 2, "Sarah and Maria signed in");

    // The test's clock says 23 November; the clinic's days are its own time zone's. Every
    // look at the log is an event too: the dated search sees the undated one's.
    let undated = log(&app, &admin, &[]).await.total;
    assert_eq!(
        log(
            &app,
            &admin,
            &[("from", "2026-11-23"), ("to", "2026-11-23")]
        )
        .await
        .total,
        undated + 1
    );
    assert_eq!(log(&app, &admin, &[("from", "2026-11-24")]).await.total, 0);
    assert_eq!(log(&app, &admin, &[("to", "2026-11-22")]).await.total, 0);

    for (field, value, message) in [
        ("from", "23/11/2026", "Enter a date like 2026-11-23."),
        ("staff", "999999", "Choose a staff member from the list."),
        ("action", "made.up", "Choose an action from the list."),
        ("page", "0", "Pages are numbered from 1 to 1000000."),
    ] {
        let (status, error) = err_json(
            app.post_with(&admin, "/api/clinic/audit_log", &[(field, value)])
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={value}");
        assert_eq!(error.field_messages(field), [message], "{field}={value}");
    }
    let (_, error) = err_json(
        app.post_with(
            &admin,
            "/api/clinic/audit_log",
            &[("from", "2026-11-24"), ("to", "2026-11-23")],
        )
        .await,
    )
    .await;
    assert_eq!(
        error.field_messages("to"),
        ["The end date is before the start date."]
    );
}

/// Splits one CSV line into its fields (quoted, quotes doubled).
fn fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

async fn the_csv_streams_every_matching_event(backend: Backend) {
    use salus_app::server::audit::{record_many, AuditEntry};
    use salus_app::server::request::RequestMeta;
    let app = TestApp::spawn(backend).await;
    let sunrise = sunrise(&app).await;
    // More events than two batches of the export.
    let entries: Vec<AuditEntry> = (0..2300)
        .map(|i| AuditEntry {
            actor_role: Some("clinic_task".into()),
            clinic_id: Some(sunrise),
            action: "care.refresh",
            resource: Some(if i == 7 {
                "=cmd|' /C calc'!A0".into()
            } else {
                format!("run:{i}")
            }),
            ..Default::default()
        })
        .collect();
    let txn = sea_orm::TransactionTrait::begin(&app.db).await.unwrap();
    record_many(
        &txn,
        &app.audit_key,
        app.clock.now(),
        &RequestMeta::default(),
        entries,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();

    let admin = signed_in(&app, CLINIC_ADMIN).await;
    let total = log(&app, &admin, &[]).await.total;
    let response = admin
        .get(app.url("/api/clinic/audit_log.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    let body = response.text().await.unwrap();
    let lines: Vec<&str> = body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "id,time,actor,action,patient,detail,address");
    // Everything the page counted, plus that look at the page and the export itself, newest
    // first.
    assert_eq!(lines.len() as u64 - 1, total + 2);
    let ids: Vec<i64> = lines[1..]
        .iter()
        .map(|l| fields(l)[0].parse().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]));
    assert!(lines[1..].iter().all(|l| fields(l).len() == 7));
    assert!(
        body.contains("\"'=cmd|' /C calc'!A0\""),
        "a formula is defused"
    );

    let filtered = admin
        .get(app.url("/api/clinic/audit_log.csv?action=care.refresh"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        filtered.split("\r\n").filter(|l| !l.is_empty()).count(),
        2301
    );

    let refused = admin
        .get(app.url("/api/clinic/audit_log.csv?from=yesterday"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.text().await.unwrap(),
        "Enter a date like 2026-11-23."
    );
    let visitor = client()
        .get(app.url("/api/clinic/audit_log.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(visitor.status(), StatusCode::UNAUTHORIZED);
    let sarah = signed_in(&app, PROVIDER).await;
    let provider = sarah
        .get(app.url("/api/clinic/audit_log.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(provider.status(), StatusCode::FORBIDDEN);
}

async fn the_chain_is_verified_and_its_outcome_kept(backend: Backend) {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn(backend).await;
    let admin = signed_in(&app, CLINIC_ADMIN).await;
    assert_eq!(log(&app, &admin, &[]).await.chain, None);
    let status: ChainStatus = ok_json(
        app.post_with(&admin, "/api/clinic/audit_log/verify", &[])
            .await,
    )
    .await;
    assert!(status.intact, "{status:?}");
    assert!(status.checked > 0);
    let shown = log(&app, &admin, &[])
        .await
        .chain
        .expect("the outcome is kept");
    assert_eq!((shown.intact, shown.checked), (true, status.checked));

    // An insider rewrites an event of the clinic's: the next verification says where.
    let sunrise = sunrise(&app).await;
    app.db
        .execute_unprepared(match backend {
            Backend::Postgres => "DROP TRIGGER audit_events_append_only ON audit_events",
            Backend::Sqlite => "DROP TRIGGER audit_events_no_update",
        })
        .await
        .unwrap();
    app.db
        .execute_unprepared(&format!(
            "UPDATE audit_events SET action = 'nothing.to.see' WHERE id = \
             (SELECT MIN(id) FROM audit_events WHERE chain = {sunrise})"
        ))
        .await
        .unwrap();
    let status: ChainStatus = ok_json(
        app.post_with(&admin, "/api/clinic/audit_log/verify", &[])
            .await,
    )
    .await;
    assert!(!status.intact);
    assert_eq!(status.checked, 0);
    assert_eq!(
        status.problem.as_deref(),
        Some("an event was altered, or added without the key")
    );
    assert!(status.first_broken.is_some());
}

async fn another_clinics_admin_sees_none_of_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let harbour = second_clinic(&app, DAVID).await;
    clinic_admin_of(&app, harbour.id, SECOND_ADMIN).await;
    let maria = signed_in(&app, CLINIC_ADMIN).await;
    let _: ChainStatus = ok_json(
        app.post_with(&maria, "/api/clinic/audit_log/verify", &[])
            .await,
    )
    .await;
    let nadia = signed_in(&app, SECOND_ADMIN).await;
    let theirs = log(&app, &nadia, &[]).await;
    // Only Nadia's own sign-in and her look at the log are Harbour's so far.
    assert!(
        theirs.rows.iter().all(|r| !r.actor.contains("Maria")),
        "{:?}",
        theirs.rows
    );
    assert_eq!(
        theirs.chain, None,
        "Sunrise's verification is not Harbour's"
    );
    // David is Harbour's patient too: searching for him finds only Harbour's events about him.
    let about_david = log(&app, &nadia, &[("patient", "david")]).await;
    assert!(about_david.rows.iter().all(|r| !r.actor.contains("Sarah")));
    let (status, error) = err_json(
        app.post_with(
            &nadia,
            "/api/clinic/audit_log",
            &[("staff", &user_id(&app, PROVIDER).await.to_string())],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("staff"),
        ["Choose a staff member from the list."]
    );

    // On PostgreSQL the database holds the outcomes to their clinic's admins as well.
    if backend == Backend::Postgres {
        use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
        let sunrise = sunrise(&app).await;
        for (role, clinic, expected) in [
            ("clinic_admin", harbour.id, 0),
            ("provider", sunrise, 0),
            ("clinic_task", sunrise, 0),
            ("clinic_admin", sunrise, 1),
        ] {
            let txn = app_txn_as(&app, role, clinic).await;
            let n: i64 = txn
                .query_one_raw(Statement::from_string(
                    DatabaseBackend::Postgres,
                    "SELECT count(*) AS n FROM audit_verifications",
                ))
                .await
                .unwrap()
                .unwrap()
                .try_get("", "n")
                .unwrap();
            assert_eq!(n, expected, "{role} of clinic {clinic}");
            let refused = txn
                .execute_unprepared("UPDATE audit_verifications SET checked = 0")
                .await;
            assert!(refused.is_err(), "outcomes are never changed");
            txn.rollback().await.unwrap();
        }
    }
}

crate::on_both_databases!(
    the_log_is_searched_by_patient_staff_action_and_day,
    the_csv_streams_every_matching_event,
    the_chain_is_verified_and_its_outcome_kept,
    another_clinics_admin_sees_none_of_it
);
