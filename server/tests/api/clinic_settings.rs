//! The clinic's own settings: details, working hours, reminder settings.
use reqwest::StatusCode;
use salus_app::model::clinic::{ClinicSettings, ReminderSettings};

use crate::helpers::*;

async fn settings(app: &TestApp, admin: &reqwest::Client) -> ClinicSettings {
    ok_json(app.post_with(admin, "/api/clinic/settings", &[]).await).await
}

const DETAILS: [(&str, &str); 5] = [
    ("name", "Sunrise Health"),
    ("contact_email", "Front.Desk@Sunrise.example"),
    ("contact_phone", "+1 555 010 0100"),
    ("address", "1 Harbour Road, Springfield"),
    ("time_zone", "America/Chicago"),
];

async fn details_are_saved_checked_and_audited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = signed_in(&app, CLINIC_ADMIN).await;
    let before = settings(&app, &admin).await;
    assert_eq!(before.name, "Sunrise Wellness Clinic");
    assert_eq!(before.code, "SUNRISE");
    let () = ok_json(
        app.post_with(&admin, "/api/clinic/settings/details", &DETAILS)
            .await,
    )
    .await;
    let after = settings(&app, &admin).await;
    assert_eq!(after.name, "Sunrise Health");
    assert_eq!(
        after.contact_email.as_deref(),
        Some("front.desk@sunrise.example")
    );
    assert_eq!(after.contact_phone.as_deref(), Some("+1 555 010 0100"));
    assert_eq!(after.time_zone, "America/Chicago");
    assert_eq!(after.code, "SUNRISE", "the code is the platform's");
    let audited = last_resource(&app, "clinic.details_changed").await;
    assert!(
        audited.contains("name: \"Sunrise Wellness Clinic\" -> \"Sunrise Health\""),
        "{audited}"
    );
    assert!(
        audited.contains("time_zone: \"America/New_York\" -> \"America/Chicago\""),
        "{audited}"
    );
    // The header of every page shows the clinic's new name.
    assert_eq!(
        ok_json::<Option<salus_app::model::account::CurrentUser>>(
            app.post_with(&admin, "/api/auth/me", &[]).await
        )
        .await
        .unwrap()
        .clinic_name
        .as_deref(),
        Some("Sunrise Health")
    );

    for (field, value, message) in [
        ("name", " ", "Enter the clinic's name."),
        (
            "contact_email",
            "front desk",
            "Enter a valid email address, like name@example.com.",
        ),
        (
            "contact_phone",
            "call us",
            "Enter a phone number of 7 to 15 digits, like +1 555 010 0100.",
        ),
        (
            "time_zone",
            "Mars/Olympus",
            "Choose a time zone from the list, like America/New_York.",
        ),
    ] {
        let form: Vec<(&str, &str)> = DETAILS
            .iter()
            .map(|(f, v)| if *f == field { (*f, value) } else { (*f, *v) })
            .collect();
        let (status, error) = err_json(
            app.post_with(&admin, "/api/clinic/settings/details", &form)
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert_eq!(error.field_messages(field), [message], "{field}");
    }
    assert_eq!(
        settings(&app, &admin).await,
        after,
        "refused forms change nothing"
    );

    // Patients see how to reach the clinic.
    let david = signed_in(&app, DAVID).await;
    let contact: salus_app::model::clinic::ClinicContact =
        ok_json(app.post_with(&david, "/api/patient/clinic", &[]).await).await;
    assert_eq!(contact.name, "Sunrise Health");
    assert_eq!(contact.phone.as_deref(), Some("+1 555 010 0100"));
    assert_eq!(contact.hours.len(), 7);
    let page = david
        .get(app.url("/patient"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Your clinic: Sunrise Health"),
        "the dashboard shows it"
    );
}

fn hours_form(changes: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut form = vec![
        ("monday_opens", "08:00"),
        ("monday_closes", "18:00"),
        ("tuesday_opens", "08:00"),
        ("tuesday_closes", "18:00"),
        ("wednesday_opens", "08:00"),
        ("wednesday_closes", "12:30"),
        ("thursday_opens", "08:00"),
        ("thursday_closes", "18:00"),
        ("friday_opens", "08:00"),
        ("friday_closes", "16:00"),
        ("saturday_opens", "10:00"),
        ("saturday_closes", "14:00"),
        ("sunday_opens", ""),
        ("sunday_closes", ""),
    ];
    for (field, value) in changes {
        form.iter_mut().find(|(f, _)| f == field).unwrap().1 = value;
    }
    form
}

async fn working_hours_have_closed_days_and_sane_times(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = signed_in(&app, CLINIC_ADMIN).await;
    let defaults = settings(&app, &admin).await.hours;
    assert_eq!(defaults.len(), 7);
    assert!(defaults[..5]
        .iter()
        .all(|d| d.opens.as_deref() == Some("09:00") && d.closes.as_deref() == Some("17:00")));
    assert!(defaults[5..].iter().all(|d| d.opens.is_none()));

    let () = ok_json(
        app.post_with(&admin, "/api/clinic/settings/hours", &hours_form(&[]))
            .await,
    )
    .await;
    let hours = settings(&app, &admin).await.hours;
    assert_eq!(hours[2].closes.as_deref(), Some("12:30"));
    assert_eq!(
        (hours[5].opens.as_deref(), hours[5].closes.as_deref()),
        (Some("10:00"), Some("14:00"))
    );
    assert_eq!(
        (hours[6].opens.as_deref(), hours[6].closes.as_deref()),
        (None, None)
    );
    let audited = last_resource(&app, "clinic.hours_changed").await;
    assert!(
        audited.contains("Saturday: \"closed\" -> \"10:00-14:00\""),
        "{audited}"
    );

    for (changes, field, message) in [
        (
            &[("sunday_opens", "09:00")][..],
            "sunday",
            "Enter both times, or neither for a closed day.",
        ),
        (
            &[("monday_closes", "07:00")][..],
            "monday",
            "Closing time must be after opening time.",
        ),
        (
            &[("friday_opens", "8 am")][..],
            "friday",
            "Enter times like 09:00.",
        ),
    ] {
        let (status, error) = err_json(
            app.post_with(&admin, "/api/clinic/settings/hours", &hours_form(changes))
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{changes:?}");
        assert_eq!(error.field_messages(field), [message], "{changes:?}");
    }
    assert_eq!(
        settings(&app, &admin).await.hours,
        hours,
        "refused forms change nothing"
    );
    let david = signed_in(&app, DAVID).await;
    let contact: salus_app::model::clinic::ClinicContact =
        ok_json(app.post_with(&david, "/api/patient/clinic", &[]).await).await;
    assert_eq!(contact.hours, hours, "patients see the saved hours");
}

async fn reminder_settings_default_then_save(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = signed_in(&app, CLINIC_ADMIN).await;
    assert_eq!(
        settings(&app, &admin).await.reminders,
        ReminderSettings {
            email_enabled: true,
            sms_enabled: false,
            quiet_hours_start: "21:00".into(),
            quiet_hours_end: "08:00".into(),
            sender_name: "Sunrise Wellness Clinic".into(),
            due_soon_days: 14,
            sms_daily_cap: 200,
        }
    );
    let form = [
        ("sms_enabled", "on"),
        ("quiet_hours_start", "20:30"),
        ("quiet_hours_end", "07:45"),
        ("sender_name", "Sunrise Reminders"),
        ("due_soon_days", "21"),
        ("sms_daily_cap", "50"),
    ];
    let () = ok_json(
        app.post_with(&admin, "/api/clinic/settings/reminders", &form)
            .await,
    )
    .await;
    let saved = settings(&app, &admin).await.reminders;
    assert_eq!(
        saved,
        ReminderSettings {
            email_enabled: false,
            sms_enabled: true,
            quiet_hours_start: "20:30".into(),
            quiet_hours_end: "07:45".into(),
            sender_name: "Sunrise Reminders".into(),
            due_soon_days: 21,
            sms_daily_cap: 50,
        }
    );
    // Saving again updates the one row.
    let () = ok_json(
        app.post_with(&admin, "/api/clinic/settings/reminders", &form)
            .await,
    )
    .await;
    assert_eq!(settings(&app, &admin).await.reminders, saved);
    let audited = last_resource(&app, "clinic.reminder_settings_changed").await;
    assert_eq!(audited, "", "the second save changed nothing");

    for (field, value, message) in [
        ("quiet_hours_start", "9pm", "Enter a time like 21:00."),
        (
            "quiet_hours_end",
            "20:30",
            "Quiet hours must end at another time than they start.",
        ),
        (
            "sender_name",
            "Sunrise\r\nBcc: everyone@example.org",
            "Use at most 60 characters, on one line.",
        ),
        ("sender_name", "  ", "Enter the name reminders come from."),
        ("due_soon_days", "0", "Enter a number of days from 1 to 90."),
        (
            "sms_daily_cap",
            "100001",
            "Enter a number from 0 to 100000.",
        ),
        ("sms_daily_cap", "-1", "Enter a number from 0 to 100000."),
    ] {
        let changed: Vec<(&str, &str)> = form
            .iter()
            .map(|(f, v)| if *f == field { (*f, value) } else { (*f, *v) })
            .collect();
        let (status, error) = err_json(
            app.post_with(&admin, "/api/clinic/settings/reminders", &changed)
                .await,
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value:?}"
        );
        assert_eq!(error.field_messages(field), [message], "{field}={value:?}");
    }
}

/// Each admin reaches their own clinic's settings only; on PostgreSQL the database refuses
/// another clinic's row, and the columns only platform work may change, even to the admin.
async fn each_admin_keeps_their_own_clinics_settings(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let harbour = second_clinic(&app, DAVID).await;
    clinic_admin_of(&app, harbour.id, SECOND_ADMIN).await;
    let nadia = signed_in(&app, SECOND_ADMIN).await;
    assert_eq!(settings(&app, &nadia).await.name, "Harbour Health");
    let () = ok_json(
        app.post_with(&nadia, "/api/clinic/settings/details", &DETAILS)
            .await,
    )
    .await;
    let maria = signed_in(&app, CLINIC_ADMIN).await;
    assert_eq!(settings(&app, &maria).await.name, "Sunrise Wellness Clinic");
    assert_eq!(settings(&app, &nadia).await.name, "Sunrise Health");

    if backend == Backend::Postgres {
        use sea_orm::ConnectionTrait;
        let sunrise = sunrise(&app).await;
        let as_admin_of = |clinic: i64| app_txn_as(&app, "clinic_admin", clinic);
        let txn = as_admin_of(harbour.id).await;
        let other = txn
            .execute_unprepared(&format!(
                "UPDATE clinics SET name = 'Taken' WHERE id = {sunrise}"
            ))
            .await
            .unwrap();
        assert_eq!(
            other.rows_affected(),
            0,
            "another clinic's row is out of reach"
        );
        txn.rollback().await.unwrap();
        for column in [
            "status = 'suspended'",
            "plan = 'network'",
            "status_reason = 'unpaid'",
            "delete_after = now()",
        ] {
            let txn = as_admin_of(sunrise).await;
            let refused = txn
                .execute_unprepared(&format!("UPDATE clinics SET {column} WHERE id = {sunrise}"))
                .await;
            assert!(refused.is_err(), "{column} is platform work");
            txn.rollback().await.unwrap();
        }
        let txn = as_admin_of(harbour.id).await;
        let other = txn
            .execute_unprepared(&format!(
                "UPDATE clinic_reminder_settings SET sms_daily_cap = 1 WHERE clinic_id = {sunrise}"
            ))
            .await
            .unwrap();
        assert_eq!(other.rows_affected(), 0);
        txn.rollback().await.unwrap();
    }
}

async fn a_new_registration_code_replaces_the_old_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = signed_in(&app, CLINIC_ADMIN).await;
    let code: String = ok_json(
        app.post_with(&admin, "/api/clinic/settings/new_code", &[])
            .await,
    )
    .await;
    assert_eq!(code.len(), 8);
    assert!(
        code.chars()
            .all(|c| "ABCDEFGHJKMNPQRSTUVWXYZ23456789".contains(c)),
        "{code}"
    );
    assert_eq!(settings(&app, &admin).await.code, code);
    let register = |email: &'static str, clinic_code: String| {
        let app = &app;
        async move {
            app.post_with(
                &client(),
                "/api/auth/register",
                &[
                    ("name", "Ada Lovelace"),
                    ("email", email),
                    ("password", "correct horse battery staple"),
                    ("clinic_code", &clinic_code),
                    ("consent", "on"),
                    ("time_zone", "Europe/London"),
                ],
            )
            .await
        }
    };
    let (status, error) = err_json(register("ada@example.org", "SUNRISE".into()).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("clinic_code"),
        ["No clinic has that code. Check the code your clinic gave you."]
    );
    assert_eq!(
        register("ada@example.org", code.to_lowercase())
            .await
            .status(),
        StatusCode::OK
    );
    // Patients who registered with the old code are still the clinic's.
    let sunrise_patients: salus_app::model::clinic::RosterPage =
        ok_json(app.post_with(&admin, "/api/clinic/roster", &[]).await).await;
    assert_eq!(sunrise_patients.total, 4);
    assert_eq!(
        last_resource(&app, "clinic.code_regenerated").await,
        "",
        "the code is not logged"
    );
}

crate::on_both_databases!(
    a_new_registration_code_replaces_the_old_one,
    details_are_saved_checked_and_audited,
    working_hours_have_closed_days_and_sane_times,
    reminder_settings_default_then_save,
    each_admin_keeps_their_own_clinics_settings
);
