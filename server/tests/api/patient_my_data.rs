//! "Who viewed my record" and "Download my data" (FHIR R4).
use std::collections::HashSet;

use reqwest::StatusCode;
use salus_app::model::patient::RecordAccessPage;
use salus_app::server::entities::{audit_events, goal_logs};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;

use crate::helpers::*;

async fn david_id(app: &TestApp) -> String {
    user_id(app, DAVID).await.to_string()
}

async fn patients_see_who_viewed_their_record(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let david = client();
    app.sign_in_with(&david, DAVID, DEMO_PASSWORD).await;
    let before: RecordAccessPage = ok_json(
        app.post_with(&david, "/api/patient/record_accesses", &[])
            .await,
    )
    .await;
    assert_eq!(before.total, 0, "the patient's own actions are not listed");

    app.sign_in(PROVIDER, DEMO_PASSWORD).await;
    let id = david_id(&app).await;
    for _ in 0..23 {
        let response = app
            .post("/api/provider/patient", &[("patient_id", &id)])
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let first: RecordAccessPage = ok_json(
        app.post_with(&david, "/api/patient/record_accesses", &[])
            .await,
    )
    .await;
    assert_eq!((first.total, first.rows.len(), first.pages()), (23, 20, 2));
    let row = &first.rows[0];
    assert_eq!(row.who, "Dr. Sarah Chen");
    assert_eq!(row.role, "Provider");
    assert_eq!(row.clinic.as_deref(), Some("Sunrise Wellness Clinic"));
    assert_eq!(row.what, "Viewed your record");
    let second: RecordAccessPage = ok_json(
        app.post_with(&david, "/api/patient/record_accesses", &[("page", "2")])
            .await,
    )
    .await;
    assert_eq!(second.rows.len(), 3);

    let (status, _) = err_json(app.post("/api/patient/record_accesses", &[]).await).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a provider has no 'my record' here"
    );
}

async fn export_is_a_fhir_bundle_whose_references_resolve(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get("/api/patient/export").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    app.sign_in(DAVID, DEMO_PASSWORD).await;
    let response = app.get("/api/patient/export").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let bundle: Value = response.json().await.unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    let entries = bundle["entry"].as_array().unwrap();
    let full_urls: HashSet<&str> = entries
        .iter()
        .map(|e| e["fullUrl"].as_str().unwrap())
        .collect();
    assert_eq!(full_urls.len(), entries.len(), "full URLs are unique");
    let of_type = |t: &str| {
        entries
            .iter()
            .filter(move |e| e["resource"]["resourceType"] == t)
            .collect::<Vec<_>>()
    };

    let patient = &of_type("Patient")[0]["resource"];
    assert_eq!(patient["name"][0]["text"], "David Miller");
    assert_eq!(patient["gender"], "male");
    assert_eq!(patient["birthDate"], "1980-03-14");
    assert_eq!(of_type("Goal").len(), 4);
    let logs = goal_logs::Entity::find()
        .filter(goal_logs::Column::PatientId.eq(david_id(&app).await.parse::<i64>().unwrap()))
        .count(&app.db)
        .await
        .unwrap();
    let observations = of_type("Observation");
    assert_eq!(
        observations.len() as u64,
        logs,
        "one Observation per log entry"
    );
    let steps = observations
        .iter()
        .find(|o| o["resource"]["code"]["coding"][0]["code"] == "41950-7")
        .expect("steps coded with LOINC");
    assert_eq!(
        steps["resource"]["code"]["coding"][0]["system"],
        "http://loinc.org"
    );
    assert_eq!(
        steps["resource"]["category"][0]["coding"][0]["code"],
        "activity"
    );
    assert!(
        observations
            .iter()
            .any(|o| o["resource"]["code"]["coding"][0]["code"] == "93832-4"),
        "sleep coded with LOINC"
    );

    // Every reference points at an entry of the bundle.
    let mut references = 0;
    for entry in entries {
        for key in ["subject", "patient"] {
            if let Some(reference) = entry["resource"][key]["reference"].as_str() {
                assert!(
                    full_urls.contains(reference),
                    "{reference} does not resolve"
                );
                references += 1;
            }
        }
    }
    assert_eq!(
        references,
        entries.len() - 1,
        "every resource but the Patient refers to the Patient"
    );
    let exports = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("patient.export"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(exports, 1);
}

crate::on_both_databases!(
    patients_see_who_viewed_their_record,
    export_is_a_fhir_bundle_whose_references_resolve
);
