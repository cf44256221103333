//! The platform's protocol templates over HTTP: a new template is adopted by every clinic that
//! is not closed and applied to its patients; editing or retiring a template changes only the
//! template, never a clinic's copy or its own edits; clinics created later adopt the
//! templates as they are then. Two clinics, with David enrolled in both.
use reqwest::StatusCode;
use salus_app::model::platform::ProtocolTemplates;
use salus_app::server::entities::{care_items, care_protocols};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::*;

fn hearing(interval: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", "Hearing check".into()),
        ("description", "A hearing test.".into()),
        ("min_age_years", "".into()),
        ("max_age_years", "".into()),
        ("sex", "".into()),
        ("interval_months", interval.into()),
        ("due_soon_days", "30".into()),
    ]
}

async fn post(
    app: &TestApp,
    who: &reqwest::Client,
    path: &str,
    form: &[(&str, String)],
) -> reqwest::Response {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.post_with(who, path, &form).await
}

/// Every copy of the template with `key`, by clinic.
async fn copies(app: &TestApp, key: &str) -> Vec<care_protocols::Model> {
    care_protocols::Entity::find()
        .filter(care_protocols::Column::TemplateKey.eq(key))
        .filter(care_protocols::Column::ClinicId.is_not_null())
        .all(&app.db)
        .await
        .unwrap()
}

async fn the_template(app: &TestApp, admin: &reqwest::Client) -> (i64, String) {
    let list: ProtocolTemplates =
        ok_json(app.post_with(admin, "/api/platform/protocols", &[]).await).await;
    let found = list
        .templates
        .iter()
        .find(|t| t.protocol.name == "Hearing check")
        .expect("the new template");
    (found.protocol.id, format!("template-{}", found.protocol.id))
}

async fn a_new_template_is_adopted_and_clinic_edits_are_never_overwritten(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let harbour = second_clinic(&app, DAVID).await;
    let admin = signed_in(&app, SUPER_ADMIN).await;
    let response = post(&app, &admin, "/api/platform/protocols/new", &hearing("24")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let (id, key) = the_template(&app, &admin).await;
    let adopted = copies(&app, &key).await;
    let sunrise = sunrise(&app).await;
    let mut clinics: Vec<i64> = adopted.iter().filter_map(|c| c.clinic_id).collect();
    clinics.sort_unstable();
    assert_eq!(clinics, [sunrise, harbour.id]);
    assert!(adopted.iter().all(|c| c.interval_months == 24 && c.active));
    let list: ProtocolTemplates =
        ok_json(app.post_with(&admin, "/api/platform/protocols", &[]).await).await;
    assert_eq!(
        list.templates
            .iter()
            .find(|t| t.protocol.id == id)
            .unwrap()
            .clinics,
        2
    );
    // Applied to the clinics' patients: David has the item in both of his clinics.
    let david = user_id(&app, DAVID).await;
    let items = care_items::Entity::find()
        .filter(care_items::Column::PatientId.eq(david))
        .filter(care_items::Column::ProtocolId.is_in(adopted.iter().map(|c| c.id)))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(items.len(), 2, "one per clinic");

    // Sunrise's admin edits its copy; then the template changes. Neither copy follows.
    let sunrise_copy = adopted
        .iter()
        .find(|c| c.clinic_id == Some(sunrise))
        .unwrap();
    let clinic_admin = signed_in(&app, CLINIC_ADMIN).await;
    let mut own = hearing("36");
    own.push(("id", sunrise_copy.id.to_string()));
    let response = post(&app, &clinic_admin, "/api/clinic/protocols/save", &own).await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut changed = hearing("12");
    changed.push(("id", id.to_string()));
    let response = post(&app, &admin, "/api/platform/protocols/save", &changed).await;
    assert_eq!(response.status(), StatusCode::OK);
    let after: Vec<(Option<i64>, i32)> = copies(&app, &key)
        .await
        .into_iter()
        .map(|c| (c.clinic_id, c.interval_months))
        .collect();
    assert!(
        after.contains(&(Some(sunrise), 36)),
        "the clinic's own edit stays: {after:?}"
    );
    assert!(
        after.contains(&(Some(harbour.id), 24)),
        "the clinic's copy stays: {after:?}"
    );

    // A clinic created now adopts the template as it is now.
    let form = [
        ("name", "Riverside Family Practice"),
        ("code", "RIVERSIDE"),
        ("time_zone", "America/Chicago"),
        ("plan", "starter"),
        ("admin_email", "ines.duarte@example.org"),
    ];
    let riverside: i64 = ok_json(
        app.post_with(&admin, "/api/platform/clinics/new", &form)
            .await,
    )
    .await;
    let theirs = copies(&app, &key).await;
    let riverside_copy = theirs
        .iter()
        .find(|c| c.clinic_id == Some(riverside))
        .expect("adopted");
    assert_eq!(riverside_copy.interval_months, 12);

    // Retired: the next clinic does not adopt it, and the clinics keep their copies.
    let response = app
        .post_with(
            &admin,
            "/api/platform/protocols/active",
            &[("id", &id.to_string()), ("active", "false")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let form = [
        ("name", "Lakeside Clinic"),
        ("code", "LAKESIDE"),
        ("time_zone", "UTC"),
        ("plan", "starter"),
        ("admin_email", "lake.admin@example.org"),
    ];
    let lakeside: i64 = ok_json(
        app.post_with(&admin, "/api/platform/clinics/new", &form)
            .await,
    )
    .await;
    let last = copies(&app, &key).await;
    assert!(last.iter().all(|c| c.clinic_id != Some(lakeside)));
    assert_eq!(last.len(), 3);
    assert!(last.iter().all(|c| c.active));
    let lakeside_has_templates = care_protocols::Entity::find()
        .filter(care_protocols::Column::ClinicId.eq(lakeside))
        .all(&app.db)
        .await
        .unwrap();
    assert!(
        !lakeside_has_templates.is_empty(),
        "the active templates still come"
    );

    // A second template of the same name is refused beside the name.
    let (status, error) =
        err_json(post(&app, &admin, "/api/platform/protocols/new", &hearing("24")).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("name"),
        ["A template of that name exists already."]
    );
    let actions: Vec<String> = salus_app::server::entities::audit_events::Entity::find()
        .filter(
            salus_app::server::entities::audit_events::Column::Action
                .starts_with("protocol_template."),
        )
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "protocol_template.added",
            "protocol_template.changed",
            "protocol_template.retired"
        ]
    );
}

crate::on_both_databases!(a_new_template_is_adopted_and_clinic_edits_are_never_overwritten);
