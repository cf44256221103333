//! Every server function, fed malformed, empty, huge, negative, non-UTF-8 and wrong-type
//! values in each of its fields: the answer is never a 5xx, and every refusal is a typed
//! error with a message.
use reqwest::StatusCode;
use salus_app::error::AppError;

use crate::helpers::*;

/// Who calls a function: the role it is meant for, so the values get past the guards.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Caller {
    Visitor,
    Patient,
    Provider,
    ClinicAdmin,
    SuperAdmin,
}

/// Field name → value.
type Form = &'static [(&'static str, &'static str)];

/// (endpoint, caller, a valid form) of every server function that takes a form.
const FUNCTIONS: &[(&str, Caller, Form)] = &[
    ("/api/auth/me", Caller::Visitor, &[]),
    (
        "/api/auth/register",
        Caller::Visitor,
        &[
            ("name", "Ada Lovelace"),
            ("email", "ada@example.org"),
            ("password", "correct horse battery"),
            ("clinic_code", "SUNRISE"),
            ("consent", "on"),
            ("time_zone", "Europe/London"),
        ],
    ),
    (
        "/api/auth/sign_in",
        Caller::Visitor,
        &[
            ("email", "nobody@example.org"),
            ("password", "wrong password"),
        ],
    ),
    ("/api/auth/sign_out", Caller::Visitor, &[]),
    (
        "/api/auth/request_password_reset",
        Caller::Visitor,
        &[("email", "nobody@example.org")],
    ),
    (
        "/api/auth/reset_password",
        Caller::Visitor,
        &[("token", "abc"), ("password", "correct horse battery")],
    ),
    (
        "/api/reminders/stop",
        Caller::Visitor,
        &[("token", "k1.00")],
    ),
    ("/api/content/latest", Caller::Visitor, &[]),
    (
        "/api/content/article",
        Caller::Visitor,
        &[("slug", "sleep-well")],
    ),
    ("/api/content/privacy_policy", Caller::Visitor, &[]),
    ("/api/dev/mailbox", Caller::Visitor, &[]),
    ("/api/patient/dashboard", Caller::Patient, &[]),
    (
        "/api/patient/log_goal",
        Caller::Patient,
        &[("kind", "steps"), ("date", "2026-11-20"), ("value", "10")],
    ),
    (
        "/api/patient/record_accesses",
        Caller::Patient,
        &[("page", "1")],
    ),
    ("/api/patient/profile", Caller::Patient, &[]),
    ("/api/patient/reminders", Caller::Patient, &[]),
    ("/api/patient/clinic", Caller::Patient, &[]),
    ("/api/patient/clinics", Caller::Patient, &[]),
    (
        "/api/patient/switch_clinic",
        Caller::Patient,
        &[("clinic_id", "1")],
    ),
    (
        "/api/patient/leave_clinic",
        Caller::Patient,
        &[("clinic_id", "1")],
    ),
    (
        "/api/patient/update_profile",
        Caller::Patient,
        &[
            ("name", "David Miller"),
            ("date_of_birth", "1980-05-01"),
            ("sex", "male"),
            ("phone", ""),
            ("time_zone", "America/New_York"),
            ("preferred_language", "en"),
            ("quiet_hours_start", "21:00"),
            ("quiet_hours_end", "08:00"),
        ],
    ),
    (
        "/api/patient/add_allergy",
        Caller::Patient,
        &[
            ("substance", "Latex"),
            ("reaction", "Rash"),
            ("severity", "mild"),
        ],
    ),
    (
        "/api/patient/remove_allergy",
        Caller::Patient,
        &[("id", "1")],
    ),
    (
        "/api/patient/add_medication",
        Caller::Patient,
        &[
            ("medication", "Vitamin D"),
            ("dose", "1000 IU"),
            ("frequency", "daily"),
        ],
    ),
    (
        "/api/patient/remove_medication",
        Caller::Patient,
        &[("id", "1")],
    ),
    ("/api/patient/goal_history", Caller::Patient, &[]),
    (
        "/api/patient/set_goal_target",
        Caller::Patient,
        &[("kind", "steps"), ("target", "5000")],
    ),
    (
        "/api/patient/update_goal_log",
        Caller::Patient,
        &[("id", "1"), ("value", "5")],
    ),
    (
        "/api/patient/delete_goal_log",
        Caller::Patient,
        &[("id", "1")],
    ),
    ("/api/clinic/home", Caller::ClinicAdmin, &[]),
    ("/api/clinic/staff", Caller::ClinicAdmin, &[]),
    ("/api/clinic/compliance_breakdown", Caller::ClinicAdmin, &[]),
    ("/api/clinic/settings", Caller::ClinicAdmin, &[]),
    ("/api/clinic/settings/new_code", Caller::ClinicAdmin, &[]),
    (
        "/api/clinic/settings/details",
        Caller::ClinicAdmin,
        &[
            ("name", "Sunrise"),
            ("contact_email", "desk@example.org"),
            ("contact_phone", "+1 555 010 0100"),
            ("address", "1 Road"),
            ("time_zone", "UTC"),
        ],
    ),
    (
        "/api/clinic/settings/hours",
        Caller::ClinicAdmin,
        &[
            ("monday_opens", "09:00"),
            ("monday_closes", "17:00"),
            ("tuesday_opens", ""),
            ("tuesday_closes", ""),
            ("wednesday_opens", ""),
            ("wednesday_closes", ""),
            ("thursday_opens", ""),
            ("thursday_closes", ""),
            ("friday_opens", ""),
            ("friday_closes", ""),
            ("saturday_opens", ""),
            ("saturday_closes", ""),
            ("sunday_opens", ""),
            ("sunday_closes", ""),
        ],
    ),
    (
        "/api/clinic/settings/reminders",
        Caller::ClinicAdmin,
        &[
            ("email_enabled", "on"),
            ("sms_enabled", "on"),
            ("quiet_hours_start", "21:00"),
            ("quiet_hours_end", "08:00"),
            ("sender_name", "Sunrise"),
            ("due_soon_days", "14"),
            ("sms_daily_cap", "10"),
        ],
    ),
    ("/api/clinic/audit_log/verify", Caller::ClinicAdmin, &[]),
    (
        "/api/clinic/audit_log",
        Caller::ClinicAdmin,
        &[
            ("patient", "david"),
            ("staff", "1"),
            ("action", "auth.sign_in"),
            ("from", "2026-11-01"),
            ("to", "2026-11-30"),
            ("page", "1"),
        ],
    ),
    (
        "/api/clinic/staff/role",
        Caller::ClinicAdmin,
        &[("membership_id", "1"), ("role", "provider")],
    ),
    (
        "/api/clinic/staff/deactivate",
        Caller::ClinicAdmin,
        &[("membership_id", "1")],
    ),
    (
        "/api/clinic/staff/reactivate",
        Caller::ClinicAdmin,
        &[("membership_id", "1")],
    ),
    (
        "/api/clinic/invitations/new",
        Caller::ClinicAdmin,
        &[("email", "new@example.org"), ("role", "provider")],
    ),
    (
        "/api/clinic/invitations/resend",
        Caller::ClinicAdmin,
        &[("invitation_id", "1")],
    ),
    (
        "/api/clinic/invitations/withdraw",
        Caller::ClinicAdmin,
        &[("invitation_id", "1")],
    ),
    (
        "/api/clinic/roster/invitation/resend",
        Caller::ClinicAdmin,
        &[("invitation_id", "1")],
    ),
    (
        "/api/clinic/roster/invitation/withdraw",
        Caller::ClinicAdmin,
        &[("invitation_id", "1")],
    ),
    (
        "/api/invitation/details",
        Caller::Visitor,
        &[("token", "1-abc")],
    ),
    (
        "/api/invitation/accept",
        Caller::Visitor,
        &[
            ("token", "1-abc"),
            ("name", "A"),
            ("password", "x"),
            ("consent", "on"),
        ],
    ),
    (
        "/api/clinic/roster",
        Caller::ClinicAdmin,
        &[
            ("search", "a"),
            ("provider", "1"),
            ("status", "due_soon"),
            ("page", "1"),
        ],
    ),
    (
        "/api/clinic/roster/assign",
        Caller::ClinicAdmin,
        &[("provider_id", "1"), ("patient_ids[0]", "1")],
    ),
    (
        "/api/clinic/roster/unassign",
        Caller::ClinicAdmin,
        &[("provider_id", "1"), ("patient_id", "1")],
    ),
    (
        "/api/clinic/enrolment/add",
        Caller::ClinicAdmin,
        &[
            ("name", "Ada Lovelace"),
            ("email", "ada@example.org"),
            ("date_of_birth", "1970-05-01"),
            ("sex", "female"),
            ("phone", "+1 555 010 0177"),
        ],
    ),
    (
        "/api/clinic/enrolment/invite",
        Caller::ClinicAdmin,
        &[("email", "ada@example.org")],
    ),
    (
        "/api/clinic/enrolment/import",
        Caller::ClinicAdmin,
        &[("id", "1")],
    ),
    (
        "/api/clinic/roster/discharge",
        Caller::ClinicAdmin,
        &[("patient_id", "999999")],
    ),
    (
        "/api/clinic/roster/readmit",
        Caller::ClinicAdmin,
        &[("patient_id", "999999")],
    ),
    (
        "/api/clinic/reminders",
        Caller::ClinicAdmin,
        &[("status", "sent"), ("channel", "email"), ("page", "1")],
    ),
    (
        "/api/clinic/reminders/retry",
        Caller::ClinicAdmin,
        &[("reminder_id", "1")],
    ),
    ("/api/clinic/roles", Caller::ClinicAdmin, &[]),
    (
        "/api/clinic/roles/add",
        Caller::ClinicAdmin,
        &[
            ("name", "Coordinator"),
            ("patient_read", "on"),
            ("patients_manage", "on"),
            ("audit_read", "on"),
        ],
    ),
    (
        "/api/clinic/roles/save",
        Caller::ClinicAdmin,
        &[
            ("role_id", "1"),
            ("name", "Coordinator"),
            ("staff_manage", "on"),
        ],
    ),
    (
        "/api/clinic/roles/delete",
        Caller::ClinicAdmin,
        &[("role_id", "1")],
    ),
    ("/api/clinic/protocols", Caller::ClinicAdmin, &[]),
    (
        "/api/clinic/protocols/save",
        Caller::ClinicAdmin,
        &[
            ("id", "1"),
            ("name", "Eye exam"),
            ("description", "A check of vision and eye health."),
            ("min_age_years", "40"),
            ("max_age_years", "90"),
            ("sex", "female"),
            ("interval_months", "24"),
            ("due_soon_days", "30"),
        ],
    ),
    (
        "/api/clinic/protocols/add",
        Caller::ClinicAdmin,
        &[
            ("name", "Eye exam"),
            ("description", "A check of vision and eye health."),
            ("min_age_years", "40"),
            ("max_age_years", "90"),
            ("sex", "female"),
            ("interval_months", "24"),
            ("due_soon_days", "30"),
        ],
    ),
    (
        "/api/clinic/protocols/active",
        Caller::ClinicAdmin,
        &[("id", "1"), ("active", "false")],
    ),
    ("/api/platform/home", Caller::SuperAdmin, &[]),
    (
        "/api/platform/compliance_by_clinic",
        Caller::SuperAdmin,
        &[],
    ),
    (
        "/api/platform/clinics",
        Caller::SuperAdmin,
        &[
            ("search", "sun"),
            ("status", "active"),
            ("plan", "standard"),
            ("page", "1"),
        ],
    ),
    (
        "/api/platform/clinics/one",
        Caller::SuperAdmin,
        &[("id", "1")],
    ),
    ("/api/platform/plans", Caller::SuperAdmin, &[]),
    (
        "/api/platform/plans/add",
        Caller::SuperAdmin,
        &[
            ("code", "clinic-plus"),
            ("name", "Clinic Plus"),
            ("provider_seats", "5"),
            ("patient_limit", "900"),
            ("sms_reminders", "on"),
            ("sms_per_month", "100"),
        ],
    ),
    (
        "/api/platform/plans/change",
        Caller::SuperAdmin,
        &[
            ("code", "network"),
            ("name", "Network"),
            ("provider_seats", "60"),
            ("patient_limit", "50000"),
            ("sms_reminders", "on"),
            ("sms_per_month", "20000"),
        ],
    ),
    (
        "/api/platform/plans/retire",
        Caller::SuperAdmin,
        &[("code", "network")],
    ),
    (
        "/api/platform/plans/offer",
        Caller::SuperAdmin,
        &[("code", "network")],
    ),
    (
        "/api/platform/clinics/new",
        Caller::SuperAdmin,
        &[
            ("name", "Riverside"),
            ("code", "RIVERSIDE"),
            ("time_zone", "UTC"),
            ("plan", "starter"),
            ("admin_email", "new.admin@example.org"),
        ],
    ),
    (
        "/api/platform/clinics/plan",
        Caller::SuperAdmin,
        &[("id", "1"), ("plan", "network")],
    ),
    // Another clinic than the demo's, which the rows after this one use.
    (
        "/api/platform/clinics/suspend",
        Caller::SuperAdmin,
        &[("id", "999999"), ("reason", "x")],
    ),
    (
        "/api/platform/clinics/reactivate",
        Caller::SuperAdmin,
        &[("id", "1")],
    ),
    (
        "/api/platform/clinics/close",
        Caller::SuperAdmin,
        &[("id", "1"), ("confirm_code", "WRONG")],
    ),
    (
        "/api/platform/super_admins/invite",
        Caller::SuperAdmin,
        &[("email", "new.platform@example.org")],
    ),
    (
        "/api/platform/super_admins/revoke",
        Caller::SuperAdmin,
        &[("user_id", "3")],
    ),
    (
        "/api/platform/super_admin_invitation/accept",
        Caller::Visitor,
        &[
            ("token", "not-a-token"),
            ("name", "Someone"),
            ("password", "granite orchard pelican violet"),
        ],
    ),
    (
        "/api/platform/protocols/save",
        Caller::SuperAdmin,
        &[
            ("id", "1"),
            ("name", "Flu vaccine"),
            ("description", "Yearly."),
            ("min_age_years", "18"),
            ("max_age_years", "99"),
            ("sex", ""),
            ("interval_months", "12"),
            ("due_soon_days", "30"),
        ],
    ),
    (
        "/api/platform/protocols/active",
        Caller::SuperAdmin,
        &[("id", "1"), ("active", "true")],
    ),
    (
        "/api/platform/audit_log",
        Caller::SuperAdmin,
        &[
            ("clinic", "1"),
            ("actor", "sarah"),
            ("action", "auth.sign_in"),
            ("from", "2026-11-01"),
            ("to", "2026-11-30"),
            ("page", "1"),
        ],
    ),
    (
        "/api/platform/topics/save",
        Caller::SuperAdmin,
        &[
            ("id", "1"),
            ("title", "COVID-19 Updates"),
            ("slug", "covid-19-updates"),
            ("summary", "Current guidance."),
            ("body", "Get **vaccinated**."),
            ("tags", "covid"),
            ("home_position", "2"),
            ("status", "published"),
        ],
    ),
    (
        "/api/platform/tips/save",
        Caller::SuperAdmin,
        &[
            ("id", "5"),
            ("title", "Water"),
            ("text", "Drink."),
            ("category", "nutrition"),
        ],
    ),
    (
        "/api/platform/tips/retire",
        Caller::SuperAdmin,
        &[("id", "5"), ("retire", "no")],
    ),
    (
        "/api/platform/policy/publish",
        Caller::SuperAdmin,
        &[
            ("version", "2026-12-01"),
            ("summary", "New."),
            ("body", "New text."),
        ],
    ),
    (
        "/api/auth/accept_policy",
        Caller::Patient,
        &[("next", "/patient")],
    ),
    (
        "/api/provider/patients",
        Caller::Provider,
        &[
            ("status", "due_soon"),
            ("search", "a"),
            ("sort", "name"),
            ("page", "1"),
        ],
    ),
    (
        "/api/provider/patient",
        Caller::Provider,
        &[("patient_id", "1")],
    ),
    (
        "/api/provider/complete_care_item",
        Caller::Provider,
        &[
            ("patient_id", "1"),
            ("item_id", "1"),
            ("completed_on", "2026-11-01"),
        ],
    ),
];

/// Values no field should choke on, percent-encoded as they go on the wire.
fn bad_values() -> Vec<String> {
    let mut values: Vec<String> = [
        "",
        "%20%20",
        "-1",
        "0",
        "-0",
        "18446744073709551616",
        "9223372036854775807",
        "-9223372036854775808",
        "99999999999999999999999999999999999999",
        "1e308",
        "NaN",
        "0x10",
        "abc",
        "%00",
        "%FF%FE%FD",
        "%C3%28",
        "%ED%A0%80",
        "%E2%80%AE",
        "2026-02-30",
        "9999-12-31",
        "-262144-01-01",
        "25%3A61",
        "..%2F..%2Fetc%2Fpasswd",
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "'%20OR%201%3D1%20--",
        "%5B%5D",
        "%7B%22a%22%3A1%7D",
        "true",
    ]
    .map(str::to_owned)
    .to_vec();
    values.push("x".repeat(100_000));
    values.push("9".repeat(5_000));
    values
}

fn encode_form(fields: &[(&str, String)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn url_escape(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Sends a raw form body and checks the answer: no 5xx, and a typed error on refusal.
async fn check(app: &TestApp, client: &reqwest::Client, endpoint: &str, body: String) {
    let shown: String = body.chars().take(120).collect();
    let response = client
        .post(app.url(endpoint))
        .header("origin", app.origin())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{endpoint} with {shown:?}: no answer ({e})"));
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(
        !status.is_server_error(),
        "{endpoint} with {shown:?} answered {status}: {text}"
    );
    if status.is_client_error() {
        let error: AppError = serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!("{endpoint} with {shown:?}: {status} without a typed error ({e}): {text}")
        });
        assert!(!error.to_string().is_empty());
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR);
    }
}

async fn malformed_values_never_cause_a_server_error(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        // The sign-in and registration rows would otherwise stop at the rate limit early,
        // which hides what the later values do.
        s.sign_in_max_failures_per_address = 100_000;
        s.sign_in_max_failures_per_account = 100_000;
    })
    .await;
    let signed_in = |email: &'static str| {
        let app = &app;
        async move {
            let c = client();
            app.sign_in_with(&c, email, DEMO_PASSWORD).await;
            c
        }
    };
    let patient = signed_in(DAVID).await;
    let provider = signed_in(PROVIDER).await;
    let clinic_admin = signed_in(CLINIC_ADMIN).await;
    let super_admin = signed_in(SUPER_ADMIN).await;
    let visitor = client();
    let bad = bad_values();
    for (endpoint, caller, form) in FUNCTIONS {
        let client = match caller {
            Caller::Visitor => &visitor,
            Caller::Patient => &patient,
            Caller::Provider => &provider,
            Caller::ClinicAdmin => &clinic_admin,
            Caller::SuperAdmin => &super_admin,
        };
        let fields: Vec<(&str, String)> = form.iter().map(|(k, v)| (*k, url_escape(v))).collect();
        // Functions without fields still get something to misread.
        let names: Vec<&str> = if form.is_empty() {
            vec!["unexpected"]
        } else {
            form.iter().map(|(k, _)| *k).collect()
        };
        for name in names {
            for value in &bad {
                let mut changed = fields.clone();
                match changed.iter_mut().find(|(k, _)| *k == name) {
                    Some(field) => field.1 = value.clone(),
                    None => changed.push((name, value.clone())),
                }
                check(&app, client, endpoint, encode_form(&changed)).await;
            }
            // The field missing, and the field twice.
            let without: Vec<_> = fields.iter().filter(|(k, _)| *k != name).cloned().collect();
            check(&app, client, endpoint, encode_form(&without)).await;
            let mut twice = fields.clone();
            twice.push((name, "1".into()));
            check(&app, client, endpoint, encode_form(&twice)).await;
        }
        // A body that is not a form at all, and bytes that are not UTF-8.
        check(&app, client, endpoint, "{\"json\": true}".into()).await;
        check(&app, client, endpoint, "\u{fffd}=\u{fffd}&&&=".into()).await;
    }
    // The sessions survived everything above: the patient still sees the dashboard.
    let dashboard = app.post_with(&patient, "/api/patient/dashboard", &[]).await;
    assert_eq!(dashboard.status(), StatusCode::OK);
}

crate::on_both_databases!(malformed_values_never_cause_a_server_error);
