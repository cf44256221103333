//! The patient's profile: validation, eligibility following birth date and sex, allergies and
//! medications that only their owner can change.
use reqwest::StatusCode;
use salus_app::model::patient::Profile;
use salus_app::model::provider::PatientDetail;
use salus_app::model::{CareStatus, Sex};
use salus_app::server::entities::{care_items, care_protocols, users};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::*;

fn form<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("name", "Grace Hopper"),
        ("date_of_birth", "1990-05-01"),
        ("sex", "female"),
        ("phone", "+1 555 010 0199"),
        ("time_zone", "Europe/London"),
        ("preferred_language", "en"),
        ("email_reminders", "on"),
        ("quiet_hours_start", "21:00"),
        ("quiet_hours_end", "08:00"),
    ];
    for (key, value) in overrides {
        fields.retain(|(k, _)| k != key);
        if !value.is_empty() || *key != "sms_reminders" {
            fields.push((key, value));
        }
    }
    fields
}

async fn keys(app: &TestApp, patient: i64) -> Vec<String> {
    let mut keys = Vec::new();
    for item in care_items::Entity::find()
        .filter(care_items::Column::PatientId.eq(patient))
        .all(&app.db)
        .await
        .unwrap()
    {
        if item.status != CareStatus::NotApplicable {
            let protocol = care_protocols::Entity::find_by_id(item.protocol_id)
                .one(&app.db)
                .await
                .unwrap()
                .unwrap();
            keys.push(protocol.template_key.unwrap());
        }
    }
    keys.sort();
    keys
}

async fn profile_changes_are_validated_and_drive_eligibility(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register(&app.client, "Grace", "grace@example.org")
        .await;
    app.sign_in("grace@example.org", "correct horse battery")
        .await;
    let grace = users::Entity::find()
        .filter(users::Column::Email.eq("grace@example.org"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(
        keys(&app, grace).await,
        ["dental-checkup", "flu-vaccination"]
    );

    let cases = [
        (
            "date_of_birth",
            "2999-01-01",
            "A date of birth cannot be in the future.",
        ),
        (
            "date_of_birth",
            "01/05/1990",
            "Enter a date, like 1980-03-14.",
        ),
        (
            "time_zone",
            "Moon/Base",
            "Choose a time zone such as Europe/London.",
        ),
        (
            "phone",
            "call me",
            "Enter your mobile number with its country code, like +1 555 010 0199.",
        ),
        (
            "preferred_language",
            "tlh",
            "Choose a language from the list.",
        ),
        ("quiet_hours_start", "9pm", "Enter a time like 21:00."),
        ("sex", "robot", "Choose from the list."),
    ];
    for (field, value, message) in cases {
        let (status, error) = err_json(
            app.post("/api/patient/update_profile", &form(&[(field, value)]))
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={value}");
        assert_eq!(error.field_messages(field), [message], "{field}={value}");
    }
    let (_, error) = err_json(
        app.post(
            "/api/patient/update_profile",
            &form(&[("phone", ""), ("sms_reminders", "on")]),
        )
        .await,
    )
    .await;
    assert_eq!(
        error.field_messages("sms_reminders"),
        ["Add a phone number to get reminders by text message."]
    );
    assert_eq!(
        keys(&app, grace).await,
        ["dental-checkup", "flu-vaccination"],
        "refused changes change nothing"
    );

    let response = app.post("/api/patient/update_profile", &form(&[])).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
    let profile: Profile = ok_json(app.post("/api/patient/profile", &[]).await).await;
    assert_eq!(profile.name, "Grace Hopper");
    assert_eq!(profile.sex, Some(Sex::Female));
    assert_eq!(
        profile.phone.as_deref(),
        Some("+15550100199"),
        "stored in E.164"
    );
    assert!(profile.email_reminders && !profile.sms_reminders);
    // Now 36 and female: the adult, cholesterol and cervical protocols apply; colorectal does not.
    assert_eq!(
        keys(&app, grace).await,
        [
            "annual-blood-test",
            "blood-pressure",
            "cervical",
            "cholesterol",
            "dental-checkup",
            "flu-vaccination"
        ]
    );
    // And back: a man's profile retires the cervical screening.
    app.post("/api/patient/update_profile", &form(&[("sex", "male")]))
        .await;
    assert!(!keys(&app, grace).await.contains(&"cervical".to_string()));
}

async fn allergies_and_medications_belong_to_their_patient(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.sign_in(DAVID, DEMO_PASSWORD).await;
    let (status, error) = err_json(
        app.post(
            "/api/patient/add_allergy",
            &[
                ("substance", ""),
                ("reaction", "Hives"),
                ("severity", "deadly"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.field_messages("substance"), ["Enter the substance."]);
    assert_eq!(
        error.field_messages("severity"),
        ["Choose mild, moderate or severe."]
    );
    assert_eq!(
        app.post(
            "/api/patient/add_allergy",
            &[
                ("substance", "Penicillin"),
                ("reaction", "Hives"),
                ("severity", "severe")
            ]
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.post(
            "/api/patient/add_medication",
            &[
                ("medication", "Atorvastatin"),
                ("dose", "10 mg"),
                ("frequency", "once a day")
            ]
        )
        .await
        .status(),
        StatusCode::OK
    );
    let profile: Profile = ok_json(app.post("/api/patient/profile", &[]).await).await;
    assert_eq!(profile.allergies.len(), 1);
    assert_eq!(profile.medications[0].name, "Atorvastatin");
    let allergy = profile.allergies[0].id.to_string();

    // Another patient cannot remove it; its owner can.
    let emma = client();
    app.sign_in_with(&emma, "emma@example.com", DEMO_PASSWORD)
        .await;
    let (status, _) = err_json(
        app.post_with(&emma, "/api/patient/remove_allergy", &[("id", &allergy)])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The provider sees them on the patient's detail.
    let provider = client();
    app.sign_in_with(&provider, PROVIDER, DEMO_PASSWORD).await;
    let david = users::Entity::find()
        .filter(users::Column::Email.eq(DAVID))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let detail: PatientDetail = ok_json(
        app.post_with(
            &provider,
            "/api/provider/patient",
            &[("patient_id", &david)],
        )
        .await,
    )
    .await;
    assert_eq!(detail.allergies[0].substance, "Penicillin");
    assert_eq!(detail.medications[0].dose, "10 mg");
    // A provider changes nothing of the patient's own record.
    let (status, _) = err_json(
        app.post_with(
            &provider,
            "/api/patient/remove_allergy",
            &[("id", &allergy)],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    assert_eq!(
        app.post("/api/patient/remove_allergy", &[("id", &allergy)])
            .await
            .status(),
        StatusCode::OK
    );
    let profile: Profile = ok_json(app.post("/api/patient/profile", &[]).await).await;
    assert!(profile.allergies.is_empty());
}

crate::on_both_databases!(
    profile_changes_are_validated_and_drive_eligibility,
    allergies_and_medications_belong_to_their_patient
);
