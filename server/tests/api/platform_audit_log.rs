//! The platform's audit log over HTTP: every clinic's chain and the platform's own, searched
//! by clinic, actor, action and date, paged and streamed as CSV, patients shown by id only, and
//! the whole log's verification (`salus audit verify` or the page's button). Two clinics, with
//! David enrolled in both.
use reqwest::StatusCode;
use salus_app::model::clinic::ChainStatus;
use salus_app::model::platform::PlatformAuditPage;

use crate::helpers::*;

async fn log(app: &TestApp, admin: &reqwest::Client, form: &[(&str, &str)]) -> PlatformAuditPage {
    ok_json(app.post_with(admin, "/api/platform/audit_log", form).await).await
}

/// `provider` looks at David's record: an event about a patient in their clinic's chain.
async fn views_david(app: &TestApp, provider: &str) -> i64 {
    let provider = signed_in(app, provider).await;
    let david = user_id(app, DAVID).await;
    let response = app
        .post_with(
            &provider,
            "/api/provider/patient",
            &[("patient_id", &david.to_string())],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    david
}

async fn the_log_spans_clinics_and_names_no_patient(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let harbour = second_clinic(&app, DAVID).await;
    views_david(&app, SECOND_PROVIDER).await;
    let david = views_david(&app, PROVIDER).await;
    // David signs in himself: an event he is the actor of.
    signed_in(&app, DAVID).await;
    let admin = signed_in(&app, SUPER_ADMIN).await;
    let all = log(&app, &admin, &[]).await;
    assert!(all.total > 0);
    let clinics: Vec<&str> = all.clinics.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(clinics, ["Harbour Health", "Sunrise Wellness Clinic"]);
    assert!(all
        .rows
        .iter()
        .any(|(clinic, _)| clinic.as_deref() == Some("Sunrise Wellness Clinic")));
    assert!(
        all.rows.iter().any(|(clinic, _)| clinic.is_none()),
        "the platform's own chain"
    );
    let viewed = all
        .rows
        .iter()
        .find(|(_, row)| row.action == "patient.summary.view")
        .map(|(_, row)| row.clone())
        .expect("the provider's view of David");
    assert_eq!(viewed.patient, Some(format!("#{david}")));
    assert!(
        viewed.actor.starts_with("Dr. Sarah Chen"),
        "{}",
        viewed.actor
    );
    for (_, row) in &all.rows {
        assert!(!row.actor.contains("David"), "a patient by name: {row:?}");
        assert!(!row.patient.clone().unwrap_or_default().contains("David"));
    }
    let page = admin
        .get(app.url("/platform/audit"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("#{david}")));
    assert!(
        !page.contains("David Miller"),
        "no patient's name on the page"
    );

    // Filters: a clinic, the platform's own, a staff member, an action, dates.
    let sunrise = sunrise(&app).await.to_string();
    let in_sunrise = log(&app, &admin, &[("clinic", &sunrise)]).await;
    assert!(in_sunrise
        .rows
        .iter()
        .all(|(c, _)| c.as_deref() == Some("Sunrise Wellness Clinic")));
    let in_harbour = log(&app, &admin, &[("clinic", &harbour.id.to_string())]).await;
    assert!(in_harbour
        .rows
        .iter()
        .all(|(c, _)| c.as_deref() == Some("Harbour Health")));
    assert!(in_harbour.total > 0);
    let platform = log(&app, &admin, &[("clinic", "platform")]).await;
    assert!(platform.total > 0 && platform.rows.iter().all(|(c, _)| c.is_none()));
    let sarah = log(&app, &admin, &[("actor", "SARAH")]).await;
    assert!(sarah.total > 0);
    assert!(sarah
        .rows
        .iter()
        .all(|(_, r)| r.actor.starts_with("Dr. Sarah Chen")));
    let by_patient_name = log(&app, &admin, &[("actor", "david")]).await;
    assert_eq!(
        by_patient_name.total, 0,
        "patients are not looked up by name"
    );
    let viewed_only = log(&app, &admin, &[("action", &viewed.action)]).await;
    assert!(viewed_only
        .rows
        .iter()
        .all(|(_, r)| r.action == viewed.action));
    let today = app.clock.now().format("%Y-%m-%d").to_string();
    let on_the_day = log(&app, &admin, &[("from", &today), ("to", &today)]).await;
    assert!(on_the_day.total > 0);
    assert!(on_the_day
        .rows
        .iter()
        .all(|(_, r)| r.when.starts_with(&today)));
    assert_eq!(log(&app, &admin, &[("to", "2026-01-01")]).await.total, 0);
    for (field, value, message) in [
        ("clinic", "999999", "Choose a clinic from the list."),
        ("action", "made.up", "Choose an action from the list."),
        ("from", "23/11/2026", "Enter a date like 2026-11-23."),
    ] {
        let (status, error) = err_json(
            app.post_with(&admin, "/api/platform/audit_log", &[(field, value)])
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert_eq!(error.field_messages(field), [message]);
    }
    // The super admin's own views are in the log, on the platform's chain.
    let own = log(&app, &admin, &[("action", "platform.audit_log.view")]).await;
    assert!(own.total >= 1);
    assert!(own
        .rows
        .iter()
        .all(|(c, r)| c.is_none() && r.actor == "Platform Admin (Super admin)"));
}

async fn the_csv_streams_with_patients_by_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let david = views_david(&app, PROVIDER).await;
    let admin = signed_in(&app, SUPER_ADMIN).await;
    let response = admin
        .get(app.url("/api/platform/audit_log.csv?clinic=&actor=sarah"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let csv = response.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("clinic,id,time,actor,action,patient,detail,address")
    );
    let rows: Vec<&str> = lines.collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|l| l.contains("Dr. Sarah Chen")));
    assert!(rows
        .iter()
        .any(|l| l.starts_with("\"Sunrise Wellness Clinic\"")
            && l.contains(&format!("\"#{david}\""))));
    assert!(!csv.contains("David Miller"));
    let exported = log(&app, &admin, &[("action", "platform.audit_log.export")]).await;
    assert_eq!(exported.total, 1, "the export is audited");

    let refused = client()
        .get(app.url("/api/platform/audit_log.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let clinic_admin = signed_in(&app, CLINIC_ADMIN).await;
    let refused = clinic_admin
        .get(app.url("/api/platform/audit_log.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let bad = admin
        .get(app.url("/api/platform/audit_log.csv?from=tomorrow"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.text().await.unwrap(), "Enter a date like 2026-11-23.");
}

/// The page shows the last verification of the whole log: by `salus audit verify` (the
/// command records it) or by its own button.
async fn the_whole_log_verifies_from_the_command_or_the_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = signed_in(&app, SUPER_ADMIN).await;
    assert_eq!(log(&app, &admin, &[]).await.chain, None);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_salus"))
        .args(["audit", "verify"])
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
    let recorded = log(&app, &admin, &[])
        .await
        .chain
        .expect("the command's outcome");
    assert!(recorded.intact);
    assert!(recorded.checked > 0);

    let status: ChainStatus = ok_json(
        app.post_with(&admin, "/api/platform/audit_log/verify", &[])
            .await,
    )
    .await;
    assert!(status.intact);
    assert!(
        status.checked > recorded.checked,
        "later events were checked too"
    );
    assert_eq!(log(&app, &admin, &[]).await.chain, Some(status));
    let clinic_admin = signed_in(&app, CLINIC_ADMIN).await;
    let (status, _) = err_json(
        app.post_with(&clinic_admin, "/api/platform/audit_log/verify", &[])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

crate::on_both_databases!(
    the_log_spans_clinics_and_names_no_patient,
    the_csv_streams_with_patients_by_id,
    the_whole_log_verifies_from_the_command_or_the_page
);
