//! The platform's plans over HTTP: adding a plan and its limits biting, changing a plan's
//! limits (refused with the clinics and numbers while a clinic on it uses more), retiring a
//! plan and offering it again. Two clinics on the same plan (Sunrise and Harbour), with David
//! enrolled in both.
use reqwest::StatusCode;
use salus_app::model::platform::{PlanList, PlanSummary};
use salus_app::server::entities::plans;
use sea_orm::EntityTrait;

use crate::helpers::*;
use crate::platform_clinics::{detail, enrol};

async fn plans_of(app: &TestApp, admin: &reqwest::Client) -> PlanList {
    ok_json(app.post_with(admin, "/api/platform/plans", &[]).await).await
}

async fn plan(app: &TestApp, code: &str) -> plans::Model {
    plans::Entity::find_by_id(code.to_owned())
        .one(&app.db)
        .await
        .unwrap()
        .expect("the plan")
}

/// The plan form, with `changes` over Clinic Plus's values.
fn plan_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("code", "clinic-plus"),
        ("name", "Clinic Plus"),
        ("provider_seats", "2"),
        ("patient_limit", "4"),
        ("sms_reminders", "on"),
        ("sms_per_month", "100"),
    ];
    for (field, value) in changes {
        form.retain(|(f, _)| f != field);
        if !value.is_empty() || *field != "sms_reminders" {
            form.push((field, value));
        }
    }
    form
}

/// Posts the add form with `changes` over Clinic Plus's values.
async fn add(
    app: &TestApp,
    admin: &reqwest::Client,
    changes: &[(&str, &str)],
) -> reqwest::Response {
    app.post_with(admin, "/api/platform/plans/add", &plan_form(changes))
        .await
}

async fn a_new_plan_is_offered_and_its_limits_bite(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sunrise = sunrise(&app).await;
    let admin = signed_in(&app, SUPER_ADMIN).await;

    // Bad input is named field by field, and nothing is added.
    let (status, error) = err_json(
        add(
            &app,
            &admin,
            &[
                ("code", "Clinic Plus"),
                ("provider_seats", "0"),
                ("patient_limit", "lots"),
                ("sms_per_month", ""),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("code"),
        ["Use 2 to 30 small letters, digits or hyphens, like clinic-plus."]
    );
    assert_eq!(
        error.field_messages("provider_seats"),
        ["Enter a whole number from 1 to 10,000."]
    );
    assert_eq!(
        error.field_messages("patient_limit"),
        ["Enter a whole number from 1 to 10,000,000."]
    );
    assert_eq!(
        error.field_messages("sms_per_month"),
        ["Enter a whole number from 1 to 10,000,000."]
    );
    let (_, error) = err_json(add(&app, &admin, &[("code", "standard")]).await).await;
    assert_eq!(
        error.field_messages("code"),
        ["Another plan has that code. Choose another."]
    );
    let (_, error) = err_json(add(&app, &admin, &[("name", "Standard")]).await).await;
    assert_eq!(
        error.field_messages("name"),
        ["Another plan has that name."]
    );
    assert_eq!(plans_of(&app, &admin).await.plans.len(), 3);

    let () = ok_json(add(&app, &admin, &[]).await).await;
    assert_eq!(
        last_resource(&app, "plan.create").await,
        "plan:clinic-plus \"Clinic Plus\": 2 provider seats, 4 patients, 100 texts a month"
    );
    let list = plans_of(&app, &admin).await;
    let added = list
        .plans
        .iter()
        .find(|row| row.plan.code == "clinic-plus")
        .expect("listed");
    assert_eq!(
        (added.plan.limits(), added.plan.retired, added.clinics),
        (
            "2 provider seats, 4 patients, 100 texts a month".to_owned(),
            false,
            0
        )
    );
    let page = admin
        .get(app.url("/platform/plans"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Clinic Plus"), "the plans page lists it");

    // Sunrise moves onto it (3 patients, 1 provider seat) and its patient limit bites.
    let () = ok_json(
        app.post_with(
            &admin,
            "/api/platform/clinics/plan",
            &[("id", &sunrise.to_string()), ("plan", "clinic-plus")],
        )
        .await,
    )
    .await;
    let maria = signed_in(&app, CLINIC_ADMIN).await;
    assert_eq!(
        enrol(&app, &maria, "n1@example.org").await.status(),
        StatusCode::OK
    );
    let (status, error) = err_json(enrol(&app, &maria, "n2@example.org").await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        error
            .to_string()
            .starts_with("Sunrise Wellness Clinic's plan (Clinic Plus) allows 4 patients"),
        "{error}"
    );
}

async fn lowering_a_limit_below_a_clinics_use_is_refused_with_the_clinics_and_numbers(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let sunrise = sunrise(&app).await;
    let harbour = second_clinic(&app, DAVID).await.id;
    // Harbour has David and one more patient; Sunrise has three. Both are on Standard.
    as_platform(
        &app,
        &format!(
            "INSERT INTO users (email, password_hash, display_name, is_super_admin, is_active, \
             created_at, updated_at) VALUES ('zoe@harbour.example', 'x', 'Zoe', false, true, \
             CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);
             INSERT INTO memberships (user_id, clinic_id, role, created_at) SELECT id, {harbour}, \
             'patient', CURRENT_TIMESTAMP FROM users WHERE email = 'zoe@harbour.example';"
        ),
    )
    .await;
    let admin = signed_in(&app, SUPER_ADMIN).await;
    let standard = |changes: &[(&'static str, &'static str)]| {
        let mut form = plan_form(&[("code", "standard"), ("name", "Standard")]);
        form.retain(|(f, _)| !changes.iter().any(|(c, _)| c == f));
        form.extend_from_slice(changes);
        form.retain(|(f, v)| !(*f == "sms_reminders" && v.is_empty()));
        form
    };
    let limits = [
        ("provider_seats", "10"),
        ("patient_limit", "1"),
        ("sms_per_month", "2000"),
    ];
    let (status, error) = err_json(
        app.post_with(&admin, "/api/platform/plans/change", &standard(&limits))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        error.to_string(),
        "2 clinics on Standard would use more than the new limits allow. Harbour Health: 2 \
         patients are enrolled and Standard allows 1. Sunrise Wellness Clinic: 3 patients are \
         enrolled and Standard allows 1. Move them to another plan first, or choose higher limits."
    );
    assert_eq!(plan(&app, "standard").await.patient_limit, 5_000);

    // Harbour fits two: only Sunrise is named.
    let (_, error) = err_json(
        app.post_with(
            &admin,
            "/api/platform/plans/change",
            &standard(&[
                ("provider_seats", "10"),
                ("patient_limit", "2"),
                ("sms_per_month", "2000"),
            ]),
        )
        .await,
    )
    .await;
    assert_eq!(
        error.to_string(),
        "1 clinic on Standard would use more than the new limits allow. Sunrise Wellness Clinic: \
         3 patients are enrolled and Standard allows 2. Move it to another plan first, or choose \
         higher limits."
    );

    // Within what both use, the change applies to both at once, and is audited.
    let within = standard(&[
        ("name", "Standard 2027"),
        ("provider_seats", "12"),
        ("patient_limit", "3"),
        ("sms_reminders", ""),
    ]);
    let change = || app.post_with(&admin, "/api/platform/plans/change", &within);
    let () = ok_json(change().await).await;
    assert_eq!(
        last_resource(&app, "plan.change").await,
        "plan:standard \"Standard\": 10 provider seats, 5000 patients, 2000 texts a month -> \
         \"Standard 2027\": 12 provider seats, 3 patients, no text reminders"
    );
    for clinic in [sunrise, harbour] {
        let shown = detail(&app, &admin, clinic).await;
        assert_eq!(
            (shown.row.plan.as_str(), shown.row.seats_allowed),
            ("Standard 2027", 12)
        );
    }
    let saved = plan(&app, "standard").await;
    assert_eq!((saved.sms_reminders, saved.sms_per_month), (false, 0));
    let (status, error) = err_json(change().await).await;
    assert_eq!(
        (status, error.to_string()),
        (StatusCode::CONFLICT, "Nothing was changed.".to_owned())
    );
}

async fn a_retired_plan_is_offered_to_no_clinic_and_kept_by_those_on_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sunrise = sunrise(&app).await;
    let admin = signed_in(&app, SUPER_ADMIN).await;
    let retire = |code: &'static str| {
        let admin = admin.clone();
        let app = &app;
        async move {
            app.post_with(&admin, "/api/platform/plans/retire", &[("code", code)])
                .await
        }
    };
    let () = ok_json(retire("standard").await).await;
    assert_eq!(last_resource(&app, "plan.retire").await, "plan:standard");
    let (status, error) = err_json(retire("standard").await).await;
    assert_eq!(
        (status, error.to_string()),
        (
            StatusCode::CONFLICT,
            "Standard is retired already.".to_owned()
        )
    );

    // Sunrise keeps it, and its page offers it beside the plans on offer.
    let shown = detail(&app, &admin, sunrise).await;
    assert_eq!(shown.plan_code, "standard");
    let retired: Vec<&PlanSummary> = shown.plans.iter().filter(|p| p.retired).collect();
    assert_eq!(retired.len(), 1);
    // No clinic is put on it: not a new one, not by a change.
    let (status, error) = err_json(
        app.post_with(
            &admin,
            "/api/platform/clinics/new",
            &[
                ("name", "Riverside Family Practice"),
                ("code", "RIVERSIDE"),
                ("time_zone", "America/Chicago"),
                ("plan", "standard"),
                ("admin_email", "ines.duarte@example.org"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("plan"),
        ["That plan is retired. Choose one that is offered."]
    );
    let () = ok_json(
        app.post_with(
            &admin,
            "/api/platform/clinics/plan",
            &[("id", &sunrise.to_string()), ("plan", "network")],
        )
        .await,
    )
    .await;
    let (_, error) = err_json(
        app.post_with(
            &admin,
            "/api/platform/clinics/plan",
            &[("id", &sunrise.to_string()), ("plan", "standard")],
        )
        .await,
    )
    .await;
    assert_eq!(
        error.field_messages("plan"),
        ["That plan is retired. Choose one that is offered."]
    );

    // The last plan on offer stays on offer.
    let () = ok_json(retire("starter").await).await;
    let (status, error) = err_json(retire("network").await).await;
    assert_eq!(
        (status, error.to_string()),
        (
            StatusCode::CONFLICT,
            "Network is the only plan offered. Add or offer another plan before retiring it."
                .to_owned()
        )
    );

    // Offered again, it can be chosen again.
    let () = ok_json(
        app.post_with(&admin, "/api/platform/plans/offer", &[("code", "standard")])
            .await,
    )
    .await;
    assert_eq!(last_resource(&app, "plan.offer").await, "plan:standard");
    let () = ok_json(
        app.post_with(
            &admin,
            "/api/platform/clinics/plan",
            &[("id", &sunrise.to_string()), ("plan", "standard")],
        )
        .await,
    )
    .await;
    let page = admin
        .get(app.url("/platform/plans/starter"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Offer the plan again"),
        "a retired plan's page"
    );
}

crate::on_both_databases!(
    a_new_plan_is_offered_and_its_limits_bite,
    lowering_a_limit_below_a_clinics_use_is_refused_with_the_clinics_and_numbers,
    a_retired_plan_is_offered_to_no_clinic_and_kept_by_those_on_it
);
