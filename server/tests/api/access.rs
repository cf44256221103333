//! Every server function that touches patient data, tried by everyone who may not use it:
//! visitors get 401, other roles 403, and nobody gets data.
use reqwest::StatusCode;
use salus_app::error::AppError;

use crate::helpers::*;

/// (endpoint, form) of every patient-data server function.
const PATIENT_FUNCTIONS: &[(&str, &[(&str, &str)])] = &[
    ("/api/patient/dashboard", &[]),
    (
        "/api/patient/log_goal",
        &[("kind", "steps"), ("date", "2026-11-20"), ("value", "10")],
    ),
    ("/api/patient/goal_history", &[]),
    (
        "/api/patient/set_goal_target",
        &[("kind", "steps"), ("target", "5000")],
    ),
    (
        "/api/patient/update_goal_log",
        &[("id", "1"), ("value", "5")],
    ),
    ("/api/patient/delete_goal_log", &[("id", "1")]),
    ("/api/patient/profile", &[]),
    (
        "/api/patient/update_profile",
        &[
            ("name", "X"),
            ("date_of_birth", ""),
            ("sex", ""),
            ("phone", ""),
            ("time_zone", "UTC"),
            ("preferred_language", "en"),
            ("quiet_hours_start", "21:00"),
            ("quiet_hours_end", "08:00"),
        ],
    ),
    (
        "/api/patient/add_allergy",
        &[
            ("substance", "Latex"),
            ("reaction", "Rash"),
            ("severity", "mild"),
        ],
    ),
    ("/api/patient/remove_allergy", &[("id", "1")]),
    (
        "/api/patient/add_medication",
        &[
            ("medication", "X"),
            ("dose", "1 mg"),
            ("frequency", "daily"),
        ],
    ),
    ("/api/patient/remove_medication", &[("id", "1")]),
    ("/api/patient/record_accesses", &[]),
];

const PROVIDER_FUNCTIONS: &[(&str, &[(&str, &str)])] = &[
    ("/api/provider/patients", &[]),
    ("/api/provider/patient", &[("patient_id", "1")]),
    (
        "/api/provider/complete_care_item",
        &[
            ("patient_id", "1"),
            ("item_id", "1"),
            ("completed_on", "2026-11-01"),
        ],
    ),
];

async fn every_patient_data_function_refuses_outsiders(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let visitor = client();
    for (endpoint, form) in PATIENT_FUNCTIONS.iter().chain(PROVIDER_FUNCTIONS) {
        let (status, error) = err_json(app.post_with(&visitor, endpoint, form).await).await;
        assert_eq!(
            (status, error),
            (StatusCode::UNAUTHORIZED, AppError::Unauthorized),
            "visitor on {endpoint}"
        );
    }
    let export = visitor
        .get(app.url("/api/patient/export"))
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), StatusCode::UNAUTHORIZED);

    for email in [PROVIDER, CLINIC_ADMIN, SUPER_ADMIN] {
        let c = client();
        app.sign_in_with(&c, email, DEMO_PASSWORD).await;
        for (endpoint, form) in PATIENT_FUNCTIONS {
            let (status, error) = err_json(app.post_with(&c, endpoint, form).await).await;
            assert_eq!(
                (status, error),
                (StatusCode::FORBIDDEN, AppError::Forbidden),
                "{email} on {endpoint}"
            );
        }
        let export = c.get(app.url("/api/patient/export")).send().await.unwrap();
        assert_eq!(export.status(), StatusCode::FORBIDDEN, "{email} exporting");
    }
    for email in [DAVID, CLINIC_ADMIN, SUPER_ADMIN] {
        let c = client();
        app.sign_in_with(&c, email, DEMO_PASSWORD).await;
        for (endpoint, form) in PROVIDER_FUNCTIONS {
            let (status, error) = err_json(app.post_with(&c, endpoint, form).await).await;
            assert_eq!(
                (status, error),
                (StatusCode::FORBIDDEN, AppError::Forbidden),
                "{email} on {endpoint}"
            );
        }
    }
}

/// The refusals above that reached a signed-in actor are in the audit log, one each.
async fn refusals_are_audited(backend: Backend) {
    use salus_app::server::entities::audit_events;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let app = TestApp::spawn(backend).await;
    for email in [PROVIDER, CLINIC_ADMIN] {
        let c = client();
        app.sign_in_with(&c, email, DEMO_PASSWORD).await;
        for (endpoint, form) in PATIENT_FUNCTIONS {
            app.post_with(&c, endpoint, form).await;
        }
    }
    let c = client();
    app.sign_in_with(&c, DAVID, DEMO_PASSWORD).await;
    for (endpoint, form) in PROVIDER_FUNCTIONS {
        app.post_with(&c, endpoint, form).await;
    }
    let refused = |role: &'static str| {
        audit_events::Entity::find()
            .filter(audit_events::Column::Action.eq("patient.access_refused"))
            .filter(audit_events::Column::ActorRole.eq(role))
            .count(&app.db)
    };
    assert_eq!(
        refused("provider").await.unwrap(),
        PATIENT_FUNCTIONS.len() as u64
    );
    assert_eq!(
        refused("clinic_admin").await.unwrap(),
        PATIENT_FUNCTIONS.len() as u64
    );
    assert_eq!(
        refused("patient").await.unwrap(),
        PROVIDER_FUNCTIONS.len() as u64
    );
}

crate::on_both_databases!(
    every_patient_data_function_refuses_outsiders,
    refusals_are_audited
);
