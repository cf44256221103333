//! Tenant isolation over HTTP: one patient enrolled in two clinics, each clinic's staff seeing
//! only that clinic's care items, compliance and audit trail.
use chrono::Days;
use reqwest::StatusCode;
use salus_app::model::patient::PatientDashboard;
use salus_app::model::provider::{CompliancePage, PatientDetail};
use salus_app::model::{CareStatus, ComplianceLabel};
use salus_app::server::entities::{audit_events, care_items, users};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder,
};

use crate::helpers::*;

async fn item_ids(app: &TestApp, clinic: i64, patient: i64) -> Vec<i64> {
    let mut ids: Vec<i64> = care_items::Entity::find()
        .filter(care_items::Column::ClinicId.eq(clinic))
        .filter(care_items::Column::PatientId.eq(patient))
        .filter(care_items::Column::Status.ne("not_applicable"))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    ids.sort_unstable();
    ids
}

fn sorted(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids
}

/// Makes every care item of `patient` in `clinic` long overdue.
async fn make_overdue(app: &TestApp, clinic: i64, patient: i64) {
    let long_ago = app.clock.now().date_naive() - Days::new(400);
    for item in care_items::Entity::find()
        .filter(care_items::Column::ClinicId.eq(clinic))
        .filter(care_items::Column::PatientId.eq(patient))
        .all(&app.db)
        .await
        .unwrap()
    {
        let mut active = item.into_active_model();
        active.due_on = Set(long_ago);
        active.due_soon_from = Set(long_ago - Days::new(30));
        active.status = Set(CareStatus::Overdue);
        active.update(&app.db).await.unwrap();
    }
    salus_app::server::care::compliance::refresh(&app.db, clinic, patient, app.clock.now())
        .await
        .unwrap();
}

async fn detail(app: &TestApp, client: &reqwest::Client, patient: i64) -> PatientDetail {
    ok_json(
        app.post_with(
            client,
            "/api/provider/patient",
            &[("patient_id", &patient.to_string())],
        )
        .await,
    )
    .await
}

async fn label_of(app: &TestApp, client: &reqwest::Client, patient: i64) -> ComplianceLabel {
    let page: CompliancePage =
        ok_json(app.post_with(client, "/api/provider/patients", &[]).await).await;
    page.rows
        .into_iter()
        .find(|r| r.patient_id == patient)
        .and_then(|r| r.label)
        .expect("the patient is listed with a label")
}

async fn a_patient_in_two_clinics_has_separate_care_in_each(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let david = user_id(&app, DAVID).await;
    let sunrise = users::Entity::find()
        .filter(users::Column::Email.eq(PROVIDER))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let sunrise = salus_app::server::entities::memberships::Entity::find()
        .filter(salus_app::server::entities::memberships::Column::UserId.eq(sunrise.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .clinic_id;
    let harbour = second_clinic(&app, DAVID).await;
    // Everything David has at Harbour is long overdue; at Sunrise only the blood test is due soon.
    make_overdue(&app, harbour.id, david).await;
    let sunrise_items = item_ids(&app, sunrise, david).await;
    let harbour_items = item_ids(&app, harbour.id, david).await;
    assert!(!sunrise_items.is_empty() && !harbour_items.is_empty());

    let sarah = client();
    app.sign_in_with(&sarah, PROVIDER, DEMO_PASSWORD).await;
    let seen = detail(&app, &sarah, david).await;
    assert_eq!(
        sorted(seen.care.iter().map(|c| c.item_id).collect()),
        sunrise_items,
        "Sunrise's provider sees Sunrise's items only"
    );
    assert_eq!(
        label_of(&app, &sarah, david).await,
        ComplianceLabel::DueSoon,
        "Harbour's overdue items do not count at Sunrise"
    );

    let omar = client();
    app.sign_in_with(&omar, harbour.provider_email, DEMO_PASSWORD)
        .await;
    let seen = detail(&app, &omar, david).await;
    assert_eq!(
        sorted(seen.care.iter().map(|c| c.item_id).collect()),
        harbour_items,
        "Harbour's provider sees Harbour's items only"
    );
    assert_eq!(
        label_of(&app, &omar, david).await,
        ComplianceLabel::MissedCheckup
    );

    // David acts in Sunrise (his first clinic): his reminders are Sunrise's.
    let patient = client();
    app.sign_in_with(&patient, DAVID, DEMO_PASSWORD).await;
    let dashboard: PatientDashboard =
        ok_json(app.post_with(&patient, "/api/patient/dashboard", &[]).await).await;
    assert!(!dashboard.reminders.is_empty());
    for reminder in &dashboard.reminders {
        assert!(
            sunrise_items.contains(&reminder.item_id),
            "reminder {} is not Sunrise's",
            reminder.name
        );
    }

    // A goal log refreshes his compliance in both clinics, each from its own items.
    let today = dashboard.today.to_string();
    let logged = app
        .post_with(
            &patient,
            "/api/patient/log_goal",
            &[("kind", "water"), ("value", "3"), ("date", &today)],
        )
        .await;
    assert_eq!(
        logged.status(),
        StatusCode::OK,
        "{}",
        logged.text().await.unwrap()
    );
    assert_eq!(
        label_of(&app, &sarah, david).await,
        ComplianceLabel::DueSoon
    );
    assert_eq!(
        label_of(&app, &omar, david).await,
        ComplianceLabel::MissedCheckup
    );

    // Harbour's provider asking for a Sunrise-only patient gets the same 404 as for nobody,
    // and the attempt is audited.
    let emma = user_id(&app, "emma@example.com").await;
    let response = app
        .post_with(
            &omar,
            "/api/provider/patient",
            &[("patient_id", &emma.to_string())],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let refused = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("patient.access_refused"))
        .filter(audit_events::Column::PatientId.eq(emma))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].clinic_id, Some(harbour.id));

    // Each list showed David in its own clinic, and says so in his record.
    let appeared: Vec<Option<i64>> = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("patient.list.appeared"))
        .filter(audit_events::Column::PatientId.eq(david))
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|e| e.clinic_id)
        .collect();
    assert!(appeared.contains(&Some(sunrise)) && appeared.contains(&Some(harbour.id)));

    // Each provider's views are audited in the clinic they act in.
    let views = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("patient.summary.view"))
        .filter(audit_events::Column::PatientId.eq(david))
        .order_by_asc(audit_events::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    let clinics: Vec<Option<i64>> = views.iter().map(|v| v.clinic_id).collect();
    assert_eq!(clinics, [Some(sunrise), Some(harbour.id)]);
}

/// One attempt of the cross-tenant matrix: who tried what, what should happen, what did.
struct Attempt {
    who: &'static str,
    what: String,
    allowed: bool,
    got: StatusCode,
    leaked: Option<String>,
}

impl Attempt {
    fn ok(&self) -> bool {
        self.got.is_success() == self.allowed
            && self.leaked.is_none()
            && !self.got.is_server_error()
    }
}

async fn status_of(
    app: &TestApp,
    client: &reqwest::Client,
    endpoint: &str,
    form: &[(&str, &str)],
) -> StatusCode {
    app.post_with(client, endpoint, form).await.status()
}

/// Two clinics, staff of each role, a patient in each and one in both, tried against every
/// tenant-scoped server function that takes an id. Prints the matrix; passes only with no leak.
async fn cross_tenant_http_matrix(backend: Backend) {
    use salus_app::server::entities::provider_assignments;
    let app = TestApp::spawn(backend).await;
    let harbour = second_clinic(&app, DAVID).await;
    // Hana registers at Harbour only, and is assigned to Harbour's provider.
    let hana_client = client();
    let registered = app
        .post_with(
            &hana_client,
            "/api/auth/register",
            &[
                ("name", "Hana Sato"),
                ("email", "hana@example.org"),
                ("password", "correct horse battery"),
                ("clinic_code", "HARBOUR"),
                ("consent", "on"),
                ("time_zone", "Europe/London"),
            ],
        )
        .await;
    assert_eq!(
        registered.status(),
        StatusCode::OK,
        "{}",
        registered.text().await.unwrap()
    );
    let (david, emma, hana, omar) = (
        user_id(&app, DAVID).await,
        user_id(&app, "emma@example.com").await,
        user_id(&app, "hana@example.org").await,
        user_id(&app, SECOND_PROVIDER).await,
    );
    provider_assignments::Entity::insert(provider_assignments::ActiveModel {
        clinic_id: Set(harbour.id),
        provider_id: Set(omar),
        patient_id: Set(hana),
        created_at: Set(app.clock.now()),
        ..Default::default()
    })
    .exec(&app.db)
    .await
    .unwrap();
    let sunrise = salus_app::server::entities::clinics::Entity::find()
        .filter(salus_app::server::entities::clinics::Column::Code.eq("SUNRISE"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;

    let signed_in = |email: &'static str| {
        let app = &app;
        async move {
            let c = client();
            let response = app.sign_in_with(&c, email, DEMO_PASSWORD).await;
            assert_eq!(response.status(), StatusCode::OK, "{email} signs in");
            c
        }
    };
    let sarah = signed_in(PROVIDER).await;
    let omar_c = signed_in(SECOND_PROVIDER).await;
    let maria = signed_in(CLINIC_ADMIN).await;
    let admin = signed_in(SUPER_ADMIN).await;
    let david_c = signed_in(DAVID).await;
    let emma_c = signed_in("emma@example.com").await;
    let hana_c = client();
    app.sign_in_with(&hana_c, "hana@example.org", "correct horse battery")
        .await;

    let mut attempts = Vec::new();

    // Patient details, by every staff member, of every patient.
    let staff: [(&'static str, &reqwest::Client, Option<i64>); 4] = [
        ("Sarah (Sunrise provider)", &sarah, Some(sunrise)),
        ("Omar (Harbour provider)", &omar_c, Some(harbour.id)),
        ("Maria (Sunrise admin)", &maria, None),
        ("super admin", &admin, None),
    ];
    let assigned = [
        (sunrise, david),
        (sunrise, emma),
        (harbour.id, david),
        (harbour.id, hana),
    ];
    for (who, c, clinic) in staff {
        for (name, patient) in [("David", david), ("Emma", emma), ("Hana", hana)] {
            let allowed = clinic.is_some_and(|clinic| assigned.contains(&(clinic, patient)));
            let response = app
                .post_with(
                    c,
                    "/api/provider/patient",
                    &[("patient_id", &patient.to_string())],
                )
                .await;
            let got = response.status();
            let mut leaked = None;
            if got.is_success() {
                let seen: PatientDetail = response.json().await.unwrap();
                let own = item_ids(&app, clinic.unwrap(), patient).await;
                let foreign: Vec<i64> = seen
                    .care
                    .iter()
                    .map(|c| c.item_id)
                    .filter(|id| !own.contains(id))
                    .collect();
                if !foreign.is_empty() {
                    leaked = Some(format!("another clinic's care items {foreign:?}"));
                }
            }
            attempts.push(Attempt {
                who,
                what: format!("open {name}'s record"),
                allowed,
                got,
                leaked,
            });
        }
    }

    // Recording a completion on another clinic's care item of a shared patient.
    let today = app.clock.now().date_naive().to_string();
    for (who, c, clinic) in [
        ("Sarah (Sunrise provider)", &sarah, sunrise),
        ("Omar (Harbour provider)", &omar_c, harbour.id),
    ] {
        for item_clinic in [sunrise, harbour.id] {
            let item = item_ids(&app, item_clinic, david).await[0];
            let got = status_of(
                &app,
                c,
                "/api/provider/complete_care_item",
                &[
                    ("patient_id", &david.to_string()),
                    ("item_id", &item.to_string()),
                    ("completed_on", &today),
                ],
            )
            .await;
            attempts.push(Attempt {
                who,
                what: format!(
                    "complete David's {} care item",
                    if item_clinic == sunrise {
                        "Sunrise"
                    } else {
                        "Harbour"
                    }
                ),
                allowed: item_clinic == clinic,
                got,
                leaked: None,
            });
        }
    }

    // Provider lists hold their own clinic's assigned patients only.
    for (who, c, expected) in [
        (
            "Sarah (Sunrise provider)",
            &sarah,
            vec![david, emma, user_id(&app, "noah@example.com").await],
        ),
        ("Omar (Harbour provider)", &omar_c, vec![david, hana]),
    ] {
        let response = app.post_with(c, "/api/provider/patients", &[]).await;
        let got = response.status();
        let page: CompliancePage = response.json().await.unwrap();
        let listed = sorted(page.rows.iter().map(|r| r.patient_id).collect());
        let leaked = (listed != sorted(expected.clone()))
            .then(|| format!("listed {listed:?}, expected {:?}", sorted(expected)));
        attempts.push(Attempt {
            who,
            what: "list my patients".into(),
            allowed: true,
            got,
            leaked,
        });
    }

    // Patients' own rows, tried by other patients (in the same clinic and in the other one).
    let added = app
        .post_with(
            &david_c,
            "/api/patient/add_allergy",
            &[
                ("substance", "Penicillin"),
                ("reaction", "Hives"),
                ("severity", "severe"),
            ],
        )
        .await;
    assert_eq!(added.status(), StatusCode::OK);
    let profile: salus_app::model::patient::Profile =
        ok_json(app.post_with(&david_c, "/api/patient/profile", &[]).await).await;
    let allergy = profile.allergies[0].id.to_string();
    let dashboard: PatientDashboard =
        ok_json(app.post_with(&david_c, "/api/patient/dashboard", &[]).await).await;
    let logged = app
        .post_with(
            &david_c,
            "/api/patient/log_goal",
            &[
                ("kind", "water"),
                ("value", "4"),
                ("date", &dashboard.today.to_string()),
            ],
        )
        .await;
    assert_eq!(logged.status(), StatusCode::OK);
    let history: salus_app::model::patient::GoalHistory = ok_json(
        app.post_with(&david_c, "/api/patient/goal_history", &[])
            .await,
    )
    .await;
    let log_id = history.recent[0].id.to_string();
    for (who, c) in [
        ("Emma (Sunrise patient)", &emma_c),
        ("Hana (Harbour patient)", &hana_c),
    ] {
        for (what, endpoint, form) in [
            (
                "remove David's allergy",
                "/api/patient/remove_allergy",
                vec![("id", allergy.as_str())],
            ),
            (
                "change David's goal log",
                "/api/patient/update_goal_log",
                vec![("id", log_id.as_str()), ("value", "1")],
            ),
            (
                "delete David's goal log",
                "/api/patient/delete_goal_log",
                vec![("id", log_id.as_str())],
            ),
        ] {
            let got = status_of(&app, c, endpoint, &form).await;
            attempts.push(Attempt {
                who,
                what: what.into(),
                allowed: false,
                got,
                leaked: None,
            });
        }
    }
    let after: salus_app::model::patient::Profile =
        ok_json(app.post_with(&david_c, "/api/patient/profile", &[]).await).await;
    assert_eq!(after.allergies.len(), 1, "David's allergy is still there");
    let after: salus_app::model::patient::GoalHistory = ok_json(
        app.post_with(&david_c, "/api/patient/goal_history", &[])
            .await,
    )
    .await;
    assert_eq!(
        after.recent[0].value, history.recent[0].value,
        "David's log is unchanged"
    );

    // Each patient's reminders come from the clinic they act in.
    for (who, c, patient, clinic) in [
        ("David (both clinics)", &david_c, david, sunrise),
        ("Hana (Harbour patient)", &hana_c, hana, harbour.id),
    ] {
        let response = app.post_with(c, "/api/patient/dashboard", &[]).await;
        let got = response.status();
        let d: PatientDashboard = response.json().await.unwrap();
        let own = item_ids(&app, clinic, patient).await;
        let foreign: Vec<&str> = d
            .reminders
            .iter()
            .filter(|r| !own.contains(&r.item_id))
            .map(|r| r.name.as_str())
            .collect();
        let leaked =
            (!foreign.is_empty()).then(|| format!("reminders from another clinic: {foreign:?}"));
        attempts.push(Attempt {
            who,
            what: "see my reminders".into(),
            allowed: true,
            got,
            leaked,
        });
    }

    println!("\ncross-tenant HTTP matrix ({backend:?}):");
    println!(
        "{:<26} {:<36} {:<9} {:<6} result",
        "who", "tried to", "expected", "got"
    );
    for a in &attempts {
        println!(
            "{:<26} {:<36} {:<9} {:<6} {}",
            a.who,
            a.what,
            if a.allowed { "allowed" } else { "refused" },
            a.got.as_u16(),
            match (&a.leaked, a.ok()) {
                (Some(leak), _) => format!("LEAK: {leak}"),
                (None, true) => "ok".into(),
                (None, false) => "WRONG".into(),
            }
        );
    }
    let wrong = attempts.iter().filter(|a| !a.ok()).count();
    println!("{} attempts, {wrong} wrong", attempts.len());
    assert_eq!(wrong, 0, "the matrix above has leaks or wrong answers");
}

/// The link in the latest invitation `clinic` sent `to`.
async fn link_from(app: &TestApp, to: &str, clinic: &str) -> String {
    crate::clinic_invitations::invitation_token_about(app, to, &format!("join {clinic} on Salus"))
        .await
}

/// The review's attack, as the clinics' own users would do it. A second clinic enrols an
/// address by hand; Sunrise invites the same address, whose owner accepts Sunrise's link and
/// tells Sunrise of a penicillin allergy. The second clinic's provider must not see it: it
/// never had the person's consent, and they never accepted its link. Its roster shows them
/// as invited, not joined. Only once they accept its own link does it reach their record; and
/// they see both clinics, can act in either, and can leave one.
async fn a_clinic_reaches_nothing_of_someone_until_they_accept_its_own_link(backend: Backend) {
    const VICTOR: &str = "victor@example.org";
    const STRONG: &str = "walnut ferry lantern quartz";
    let app = TestApp::spawn(backend).await;
    let harbour = second_clinic(&app, DAVID).await;
    clinic_admin_of(&app, harbour.id, SECOND_ADMIN).await;
    let nadia = signed_in(&app, SECOND_ADMIN).await;
    let maria = signed_in(&app, CLINIC_ADMIN).await;

    // 1-2. Harbour enrols Victor by hand: an invitation, nothing else.
    let _: salus_app::model::clinic::EnrolledPatient = ok_json(
        app.post_with(
            &nadia,
            "/api/clinic/enrolment/add",
            &[
                ("name", "Victor Hale"),
                ("email", VICTOR),
                ("date_of_birth", "1961-02-03"),
            ],
        )
        .await,
    )
    .await;
    // 3. Sunrise invites the same address; Victor accepts Sunrise's link with a new password.
    let () = ok_json(
        app.post_with(&maria, "/api/clinic/enrolment/invite", &[("email", VICTOR)])
            .await,
    )
    .await;
    let sunrise_link = link_from(&app, VICTOR, "Sunrise Wellness Clinic").await;
    let details: salus_app::model::clinic::InvitationDetails = ok_json(
        app.post("/api/invitation/details", &[("token", &sunrise_link)])
            .await,
    )
    .await;
    assert!(!details.has_account);
    let () = ok_json(
        app.post(
            "/api/invitation/accept",
            &[
                ("token", &sunrise_link),
                ("name", "Victor Hale"),
                ("password", STRONG),
                ("consent", "on"),
            ],
        )
        .await,
    )
    .await;
    // 4. He signs in (Sunrise, his only clinic) and tells it of an allergy.
    let victor = client();
    let my_clinics = || async {
        ok_json::<Vec<salus_app::model::patient::MyClinic>>(
            app.post_with(&victor, "/api/patient/clinics", &[]).await,
        )
        .await
    };
    assert_eq!(
        app.sign_in_with(&victor, VICTOR, STRONG).await.status(),
        StatusCode::OK
    );
    let clinics = my_clinics().await;
    let names: Vec<&str> = clinics.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["Sunrise Wellness Clinic"],
        "Harbour is not his clinic"
    );
    let response = app
        .post_with(
            &victor,
            "/api/patient/add_allergy",
            &[
                ("substance", "Penicillin"),
                ("reaction", "Hives"),
                ("severity", "severe"),
            ],
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());

    // 5. Harbour cannot assign him, its provider cannot open him, and its roster shows him as
    // invited, not joined.
    let victor_id = user_id(&app, VICTOR).await;
    let omar = signed_in(&app, SECOND_PROVIDER).await;
    let omar_id = user_id(&app, SECOND_PROVIDER).await.to_string();
    let assign = |client: reqwest::Client| {
        let app = &app;
        let omar_id = omar_id.clone();
        async move {
            app.post_with(
                &client,
                "/api/clinic/roster/assign",
                &[
                    ("provider_id", omar_id.as_str()),
                    ("patient_ids[0]", &victor_id.to_string()),
                ],
            )
            .await
        }
    };
    // Harbour's provider opening Victor's record.
    let omar_is_refused = || async {
        let opened = app
            .post_with(
                &omar,
                "/api/provider/patient",
                &[("patient_id", &victor_id.to_string())],
            )
            .await;
        assert!(
            matches!(
                opened.status(),
                StatusCode::NOT_FOUND | StatusCode::FORBIDDEN
            ),
            "{}",
            opened.status()
        );
    };
    assert!(!assign(nadia.clone()).await.status().is_success());
    omar_is_refused().await;
    let roster: salus_app::model::clinic::RosterPage =
        ok_json(app.post_with(&nadia, "/api/clinic/roster", &[]).await).await;
    assert!(roster.rows.iter().all(|r| r.email != VICTOR));
    let invited: Vec<(&str, Option<&str>)> = roster
        .invited
        .iter()
        .map(|i| (i.email.as_str(), i.name.as_deref()))
        .collect();
    assert_eq!(
        invited,
        [(VICTOR, Some("Victor Hale"))],
        "invited, not joined"
    );
    // What Harbour typed did not become his profile: he had an account when he joined.
    let mine: salus_app::model::patient::Profile =
        ok_json(app.post_with(&victor, "/api/patient/profile", &[]).await).await;
    assert_eq!(mine.date_of_birth, None);

    // 6. He accepts Harbour's own link, with his password: now Harbour reaches his record.
    let harbour_link = link_from(&app, VICTOR, "Harbour Health").await;
    let () = ok_json(
        app.post(
            "/api/invitation/accept",
            &[
                ("token", &harbour_link),
                ("password", STRONG),
                ("consent", "on"),
            ],
        )
        .await,
    )
    .await;
    assert!(assign(nadia.clone()).await.status().is_success());
    let seen = detail(&app, &omar, victor_id).await;
    assert_eq!(
        seen.allergies.len(),
        1,
        "Harbour's provider, once he joined"
    );

    // 7. He sees both clinics, acts in Harbour, and leaves it: Harbour reaches nothing again.
    let clinics = my_clinics().await;
    let listed: Vec<(&str, bool)> = clinics
        .iter()
        .map(|c| (c.name.as_str(), c.current))
        .collect();
    assert_eq!(
        listed,
        [("Harbour Health", false), ("Sunrise Wellness Clinic", true)]
    );
    let response = app
        .post_with(
            &victor,
            "/api/patient/switch_clinic",
            &[("clinic_id", &harbour.id.to_string())],
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    let clinics = my_clinics().await;
    assert!(clinics
        .iter()
        .any(|c| c.name == "Harbour Health" && c.current));
    let response = app
        .post_with(
            &victor,
            "/api/patient/leave_clinic",
            &[("clinic_id", &harbour.id.to_string())],
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    let clinics = my_clinics().await;
    let listed: Vec<(&str, bool)> = clinics
        .iter()
        .map(|c| (c.name.as_str(), c.current))
        .collect();
    assert_eq!(
        listed,
        [("Sunrise Wellness Clinic", true)],
        "back in Sunrise"
    );
    omar_is_refused().await;
    // His only clinic he cannot leave; and never one that is not his.
    let (status, _) = err_json(
        app.post_with(
            &victor,
            "/api/patient/leave_clinic",
            &[("clinic_id", &sunrise(&app).await.to_string())],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = err_json(
        app.post_with(
            &victor,
            "/api/patient/switch_clinic",
            &[("clinic_id", &harbour.id.to_string())],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let left = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("patient.left_clinic"))
        .filter(audit_events::Column::ClinicId.eq(harbour.id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(left, 1);
}

crate::on_both_databases!(
    a_patient_in_two_clinics_has_separate_care_in_each,
    cross_tenant_http_matrix,
    a_clinic_reaches_nothing_of_someone_until_they_accept_its_own_link,
);
