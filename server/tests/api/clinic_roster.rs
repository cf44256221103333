//! The clinic's roster and its patients' assignments to providers.
use reqwest::StatusCode;
use salus_app::error::AppError;
use salus_app::model::clinic::RosterPage;
use salus_app::model::provider::CompliancePage;

use crate::helpers::*;

async fn roster(app: &TestApp, admin: &reqwest::Client, query: &[(&str, &str)]) -> RosterPage {
    ok_json(app.post_with(admin, "/api/clinic/roster", query).await).await
}

fn emails(page: &RosterPage) -> Vec<&str> {
    page.rows.iter().map(|r| r.email.as_str()).collect()
}

async fn the_roster_searches_filters_and_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = signed_in(&app, CLINIC_ADMIN).await;
    let all = roster(&app, &admin, &[]).await;
    // Patients only, by name.
    assert_eq!(
        emails(&all),
        [DAVID, "emma@example.com", "noah@example.com"]
    );
    assert_eq!(all.total, 3);
    assert!(all.rows.iter().all(|r| r.label.is_some()));
    let sarah = user_id(&app, PROVIDER).await;
    assert_eq!(
        all.providers.iter().map(|p| p.user_id).collect::<Vec<_>>(),
        [sarah]
    );
    assert!(all
        .rows
        .iter()
        .all(|r| r.providers.iter().any(|p| p.user_id == sarah)));

    assert_eq!(
        emails(&roster(&app, &admin, &[("search", "EMMA")]).await),
        ["emma@example.com"]
    );
    assert_eq!(
        emails(&roster(&app, &admin, &[("search", "noah@")]).await),
        ["noah@example.com"]
    );
    assert_eq!(roster(&app, &admin, &[("search", "%")]).await.total, 0);
    let by_label = all.rows[0].label.unwrap();
    let filtered = roster(&app, &admin, &[("status", by_label.as_str())]).await;
    assert!(filtered.rows.iter().all(|r| r.label == Some(by_label)));
    assert!(filtered.rows.iter().any(|r| r.email == DAVID));
    assert_eq!(
        roster(&app, &admin, &[("provider", &sarah.to_string())])
            .await
            .total,
        3
    );
    assert_eq!(roster(&app, &admin, &[("page", "2")]).await.rows.len(), 0);

    for (field, value, message) in [
        ("status", "healthy", "Choose a status from the list."),
        ("provider", "999999", "Choose a provider of your clinic."),
        ("provider", "abc", "Choose a provider of your clinic."),
        ("page", "0", "Pages are numbered from 1 to 1000000."),
    ] {
        let (status, error) = err_json(
            app.post_with(&admin, "/api/clinic/roster", &[(field, value)])
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={value}");
        assert_eq!(error.field_messages(field), [message], "{field}={value}");
    }
}

async fn assignments_show_on_the_providers_next_load(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = signed_in(&app, CLINIC_ADMIN).await;
    let sarah = signed_in(&app, PROVIDER).await;
    let sarah_id = user_id(&app, PROVIDER).await.to_string();
    let (david, emma) = (
        user_id(&app, DAVID).await,
        user_id(&app, "emma@example.com").await,
    );
    let her_list = || async {
        let page: CompliancePage =
            ok_json(app.post_with(&sarah, "/api/provider/patients", &[]).await).await;
        let mut ids: Vec<i64> = page.rows.iter().map(|r| r.patient_id).collect();
        ids.sort_unstable();
        ids
    };
    assert!(her_list().await.contains(&david));

    for patient in [david, emma] {
        let () = ok_json(
            app.post_with(
                &admin,
                "/api/clinic/roster/unassign",
                &[
                    ("provider_id", &sarah_id),
                    ("patient_id", &patient.to_string()),
                ],
            )
            .await,
        )
        .await;
    }
    let left = her_list().await;
    assert!(!left.contains(&david) && !left.contains(&emma), "{left:?}");
    let (status, _) = err_json(
        app.post_with(
            &admin,
            "/api/clinic/roster/unassign",
            &[
                ("provider_id", &sarah_id),
                ("patient_id", &david.to_string()),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // In bulk, as the roster's checkboxes send them; one already assigned stays as it is.
    let noah = user_id(&app, "noah@example.com").await;
    let added: u64 = ok_json(
        app.post_with(
            &admin,
            "/api/clinic/roster/assign",
            &[
                ("provider_id", sarah_id.as_str()),
                ("patient_ids[0]", &david.to_string()),
                ("patient_ids[2]", &emma.to_string()),
                ("patient_ids[3]", &noah.to_string()),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(added, 2);
    assert!(her_list().await.contains(&david));
    assert!(her_list().await.contains(&emma));

    let david_id = david.to_string();
    let cases: [(&[(&str, &str)], &str, &str); 2] = [
        (
            &[("provider_id", "999999"), ("patient_ids[0]", &david_id)],
            "provider_id",
            "Choose a provider of your clinic.",
        ),
        (
            &[("provider_id", sarah_id.as_str())],
            "patient_ids",
            "Choose at least one patient.",
        ),
    ];
    for (form, field, message) in cases {
        let (status, error) = err_json(
            app.post_with(&admin, "/api/clinic/roster/assign", form)
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{form:?}");
        assert_eq!(error.field_messages(field), [message], "{form:?}");
    }
    // A clinic admin may not be assigned patients: they are not a provider.
    let maria = user_id(&app, CLINIC_ADMIN).await.to_string();
    let (_, error) = err_json(
        app.post_with(
            &admin,
            "/api/clinic/roster/assign",
            &[
                ("provider_id", maria.as_str()),
                ("patient_ids[0]", &david.to_string()),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(
        error.field_messages("provider_id"),
        ["Choose a provider of your clinic."]
    );

    use salus_app::server::entities::audit_events;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let count = |action: &'static str| {
        audit_events::Entity::find()
            .filter(audit_events::Column::Action.eq(action))
            .count(&app.db)
    };
    assert_eq!(count("assignment.removed").await.unwrap(), 2);
    assert_eq!(count("assignment.added").await.unwrap(), 2);
}

/// Two clinics and David, a patient of both: each admin sees and assigns their own clinic's
/// patients only, and a patient of the other clinic alone is "not found".
async fn each_admin_manages_their_own_clinics_patients(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let harbour = second_clinic(&app, DAVID).await;
    clinic_admin_of(&app, harbour.id, SECOND_ADMIN).await;
    let nadia = signed_in(&app, SECOND_ADMIN).await;
    let theirs = roster(&app, &nadia, &[]).await;
    assert_eq!(emails(&theirs), [DAVID]);
    let omar = user_id(&app, SECOND_PROVIDER).await;
    assert_eq!(
        theirs.rows[0]
            .providers
            .iter()
            .map(|p| p.user_id)
            .collect::<Vec<_>>(),
        [omar]
    );
    assert_eq!(theirs.providers.len(), 1);

    let emma = user_id(&app, "emma@example.com").await.to_string();
    let sarah = user_id(&app, PROVIDER).await.to_string();
    let omar = omar.to_string();
    let (status, error) = err_json(
        app.post_with(
            &nadia,
            "/api/clinic/roster/assign",
            &[("provider_id", omar.as_str()), ("patient_ids[0]", &emma)],
        )
        .await,
    )
    .await;
    assert_eq!((status, error), (StatusCode::NOT_FOUND, AppError::NotFound));
    let (status, error) = err_json(
        app.post_with(
            &nadia,
            "/api/clinic/roster/unassign",
            &[("provider_id", sarah.as_str()), ("patient_id", &emma)],
        )
        .await,
    )
    .await;
    assert_eq!((status, error), (StatusCode::NOT_FOUND, AppError::NotFound));
    // Sunrise's provider is not Harbour's to assign, even for the patient they share.
    let david = user_id(&app, DAVID).await.to_string();
    let (_, error) = err_json(
        app.post_with(
            &nadia,
            "/api/clinic/roster/assign",
            &[("provider_id", sarah.as_str()), ("patient_ids[0]", &david)],
        )
        .await,
    )
    .await;
    assert_eq!(
        error.field_messages("provider_id"),
        ["Choose a provider of your clinic."]
    );

    let maria = signed_in(&app, CLINIC_ADMIN).await;
    let ours = roster(&app, &maria, &[]).await;
    assert_eq!(ours.total, 3);
    let david_here = ours.rows.iter().find(|r| r.email == DAVID).unwrap();
    assert!(david_here
        .providers
        .iter()
        .all(|p| p.user_id.to_string() == sarah));
}

/// The overview's chart: each label's count matches the roster's, and every patient counts once.
async fn the_overview_counts_patients_per_label(backend: Backend) {
    use salus_app::model::ComplianceLabel;
    let app = TestApp::spawn(backend).await;
    let admin = signed_in(&app, CLINIC_ADMIN).await;
    let breakdown: Vec<(Option<ComplianceLabel>, u64)> = ok_json(
        app.post_with(&admin, "/api/clinic/compliance_breakdown", &[])
            .await,
    )
    .await;
    assert_eq!(breakdown.len(), ComplianceLabel::ALL.len() + 1);
    assert_eq!(breakdown.iter().map(|(_, n)| n).sum::<u64>(), 3);
    for (label, n) in &breakdown {
        let Some(label) = label else { continue };
        let listed = roster(&app, &admin, &[("status", label.as_str())])
            .await
            .total;
        assert_eq!(listed, *n, "{label:?}");
    }
    // Drawn on the server, with the counts in its text description.
    let html = admin
        .get(app.url("/clinic"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(r#"data-testid="compliance-breakdown""#),
        "the chart is on the page"
    );
    let (label, n) = breakdown[0];
    let described = format!("{}: {n}", label.unwrap().label());
    assert!(html.contains(&described), "{described}");
}

async fn discharge_ends_access_and_reminders_and_readmission_restores_enrolment(backend: Backend) {
    use salus_app::server::entities::care_items;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let app = TestApp::spawn(backend).await;
    let sunrise = sunrise(&app).await;
    let admin = signed_in(&app, CLINIC_ADMIN).await;
    let sarah = signed_in(&app, PROVIDER).await;
    let david = user_id(&app, DAVID).await;
    let david_id = david.to_string();
    let sarah_id = user_id(&app, PROVIDER).await.to_string();
    let her_list = |sarah: reqwest::Client| {
        let app = &app;
        async move {
            let page: CompliancePage =
                ok_json(app.post_with(&sarah, "/api/provider/patients", &[]).await).await;
            page.rows.iter().map(|r| r.patient_id).collect::<Vec<_>>()
        }
    };
    assert!(her_list(sarah.clone()).await.contains(&david));
    let items = || async {
        care_items::Entity::find()
            .filter(care_items::Column::PatientId.eq(david))
            .filter(care_items::Column::ClinicId.eq(sunrise))
            .order_by_asc(care_items::Column::Id)
            .all(&app.db)
            .await
            .unwrap()
    };

    let ended: u64 = ok_json(
        app.post_with(
            &admin,
            "/api/clinic/roster/discharge",
            &[("patient_id", &david_id)],
        )
        .await,
    )
    .await;
    assert_eq!(ended, 1, "Sarah's assignment ended");
    // Staff access ends at once: not on her list, and his record is not found.
    assert!(!her_list(sarah.clone()).await.contains(&david));
    let (status, _) = err_json(
        app.post_with(
            &sarah,
            "/api/provider/patient",
            &[("patient_id", &david_id)],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // He cannot be assigned again until re-admitted.
    let (status, _) = err_json(
        app.post_with(
            &admin,
            "/api/clinic/roster/assign",
            &[("provider_id", &sarah_id), ("patient_ids[0]", &david_id)],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The roster lists him only among the discharged; his records are kept.
    assert_eq!(roster(&app, &admin, &[]).await.total, 2);
    let discharged = roster(&app, &admin, &[("status", "discharged")]).await;
    assert_eq!(discharged.total, 1);
    assert_eq!(discharged.rows[0].patient_id, david);
    assert_eq!(
        discharged.rows[0].discharged.as_deref(),
        Some("23 Nov 2026, 09:00")
    );
    // His care is left as it was: two months on, the refresh moves none of his items.
    let kept = items().await;
    assert!(!kept.is_empty());
    app.clock.advance(chrono::Duration::days(60));
    salus_app::server::care::refresh_all_clinics(&app.app_db, &app.audit_key, app.clock.now())
        .await
        .unwrap();
    assert_eq!(items().await, kept);
    // Two months on, the admin and the provider sign in again.
    let admin = signed_in(&app, CLINIC_ADMIN).await;
    let sarah = signed_in(&app, PROVIDER).await;
    // He can no longer sign in to the clinic.
    let david_client = client();
    assert_ne!(
        app.sign_in_with(&david_client, DAVID, DEMO_PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    let (status, _) = err_json(
        app.post_with(
            &admin,
            "/api/clinic/roster/discharge",
            &[("patient_id", &david_id)],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    let () = ok_json(
        app.post_with(
            &admin,
            "/api/clinic/roster/readmit",
            &[("patient_id", &david_id)],
        )
        .await,
    )
    .await;
    assert_eq!(roster(&app, &admin, &[]).await.total, 3);
    assert!(
        !her_list(sarah.clone()).await.contains(&david),
        "assignments are given again, not restored"
    );
    // His items follow the calendar again from today.
    assert_ne!(items().await, kept);
    let david_client = client();
    assert_eq!(
        app.sign_in_with(&david_client, DAVID, DEMO_PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    for action in ["patient.discharged", "patient.readmitted"] {
        let event = salus_app::server::entities::audit_events::Entity::find()
            .filter(salus_app::server::entities::audit_events::Column::Action.eq(action))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no {action}"));
        assert_eq!(event.patient_id, Some(david), "{action}");
    }
}

crate::on_both_databases!(
    discharge_ends_access_and_reminders_and_readmission_restores_enrolment,
    the_overview_counts_patients_per_label,
    the_roster_searches_filters_and_pages,
    assignments_show_on_the_providers_next_load,
    each_admin_manages_their_own_clinics_patients
);
