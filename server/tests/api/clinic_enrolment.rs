//! Enrolling patients: by hand, by invitation and by CSV import. An import with a problem
//! writes nothing; importing the same file again adds no one twice; an address with an account
//! elsewhere is invited, never linked by the admin.
use reqwest::StatusCode;
use salus_app::model::clinic::{EnrolledPatient, ImportOutcome, RosterPage};
use salus_app::server::entities::{care_items, consents, memberships, patient_profiles, users};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::clinic_invitations::invitation_token;
use salus_app::model::Sex;

use crate::helpers::*;

const ADA: &str = "ada.lovelace@example.org";
const STRONG: &str = "copper kettle harbour lantern";

async fn roster(app: &TestApp, admin: &reqwest::Client) -> RosterPage {
    ok_json::<RosterPage>(app.post_with(admin, "/api/clinic/roster", &[]).await).await
}

async fn roster_total(app: &TestApp, admin: &reqwest::Client) -> u64 {
    roster(app, admin).await.total
}

fn ada() -> Vec<(&'static str, &'static str)> {
    vec![
        ("name", "Ada Lovelace"),
        ("email", " Ada.Lovelace@Example.org "),
        ("date_of_birth", "1970-05-01"),
        ("sex", "female"),
        ("phone", "+1 555 010 0177"),
    ]
}

/// Uploads `csv` as the page's form does; answers the outcome the upload lands on.
pub async fn import_csv(app: &TestApp, admin: &reqwest::Client, csv: &str) -> ImportOutcome {
    let response = upload(app, admin, csv).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "the upload lands on its page"
    );
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let id = location
        .split("import=")
        .nth(1)
        .and_then(|rest| rest.split('#').next())
        .expect("the outcome's id")
        .to_owned();
    ok_json(
        app.post_with(admin, "/api/clinic/enrolment/import", &[("id", &id)])
            .await,
    )
    .await
}

pub async fn upload(app: &TestApp, c: &reqwest::Client, csv: &str) -> reqwest::Response {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(csv.as_bytes().to_vec())
            .file_name("patients.csv")
            .mime_str("text/csv")
            .unwrap(),
    );
    c.post(app.url("/clinic/patients/enrol/import"))
        .header("origin", app.origin())
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn account(app: &TestApp, email: &str) -> Option<users::Model> {
    users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .one(&app.db)
        .await
        .unwrap()
}

/// Adding a patient by hand invites them and writes nothing else: no account, no membership,
/// no care items, until they accept the link and agree to the privacy policy. Then their new
/// account's profile is what the clinic typed, and they are the clinic's patient.
async fn a_patient_added_by_hand_is_invited_and_joins_with_what_the_clinic_typed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sunrise = sunrise(&app).await;
    let maria = signed_in(&app, CLINIC_ADMIN).await;
    assert_eq!(roster_total(&app, &maria).await, 3);
    let added: EnrolledPatient = ok_json(
        app.post_with(&maria, "/api/clinic/enrolment/add", &ada())
            .await,
    )
    .await;
    assert_eq!(added, EnrolledPatient::Invited);
    // Invited, not joined: listed as such, and nothing of hers exists yet.
    let page = roster(&app, &maria).await;
    assert_eq!(page.total, 3);
    let invited: Vec<(Option<&str>, &str)> = page
        .invited
        .iter()
        .map(|i| (i.name.as_deref(), i.email.as_str()))
        .collect();
    assert_eq!(invited, [(Some("Ada Lovelace"), ADA)]);
    assert!(
        account(&app, ADA).await.is_none(),
        "no account until she accepts"
    );
    let (status, error) = err_json(
        app.post_with(&maria, "/api/clinic/enrolment/add", &ada())
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("email"),
        ["They have an open invitation already: send it again from the roster instead."]
    );

    // Her mail lets her set a password, agreeing to the privacy policy; the form starts with
    // the name the clinic typed.
    let token = invitation_token(&app, ADA).await;
    let details: salus_app::model::clinic::InvitationDetails = ok_json(
        app.post(&"/api/invitation/details".to_string(), &[("token", &token)])
            .await,
    )
    .await;
    assert!(!details.has_account, "she sets a password");
    assert_eq!(details.name.as_deref(), Some("Ada Lovelace"));
    let (status, error) = err_json(
        app.post(
            "/api/invitation/accept",
            &[("token", &token), ("password", STRONG)],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("consent"),
        ["You must agree to the privacy policy to use the portal."]
    );
    let () = ok_json(
        app.post(
            "/api/invitation/accept",
            &[("token", &token), ("password", STRONG), ("consent", "on")],
        )
        .await,
    )
    .await;
    let user = account(&app, ADA).await.expect("her account");
    assert_eq!(
        user.display_name, "Ada Lovelace",
        "the clinic's name for her"
    );
    let profile = patient_profiles::Entity::find()
        .filter(patient_profiles::Column::UserId.eq(user.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(profile.date_of_birth, Some("1970-05-01".parse().unwrap()));
    assert_eq!(profile.sex, Some(Sex::Female));
    assert_eq!(profile.phone.as_deref(), Some("+15550100177"));
    assert_eq!(profile.time_zone, "America/New_York", "the clinic's");
    // Her care follows the clinic's protocols from today: a woman of 56 has a cervical screening.
    let items = care_items::Entity::find()
        .filter(care_items::Column::PatientId.eq(user.id))
        .filter(care_items::Column::ClinicId.eq(sunrise))
        .count(&app.db)
        .await
        .unwrap();
    assert!(items >= 5, "{items} items");
    let granted = consents::Entity::find()
        .filter(consents::Column::PatientId.eq(user.id))
        .filter(consents::Column::ClinicId.eq(sunrise))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(granted, 1);
    let page = roster(&app, &maria).await;
    assert_eq!((page.total, page.invited.len()), (4, 0), "joined");
    let ada_client = client();
    assert_eq!(
        app.sign_in_with(&ada_client, ADA, STRONG).await.status(),
        StatusCode::OK
    );
    let dashboard: salus_app::model::patient::PatientDashboard = ok_json(
        app.post_with(&ada_client, "/api/patient/dashboard", &[])
            .await,
    )
    .await;
    assert_eq!(dashboard.name, "Ada Lovelace");
    assert_eq!(dashboard.goals.len(), 4);

    // Once enrolled, the address cannot be added again.
    let (status, error) = err_json(
        app.post_with(&maria, "/api/clinic/enrolment/add", &ada())
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("email"),
        ["They are a patient of your clinic already."]
    );
}

async fn bad_details_get_a_message_by_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let maria = signed_in(&app, CLINIC_ADMIN).await;
    for (field, value, message) in [
        ("name", " ", "Enter the patient's name."),
        (
            "email",
            "ada@",
            "Enter a valid email address, like name@example.com.",
        ),
        (
            "date_of_birth",
            "1980-13-01",
            "Enter a date, like 1980-03-14.",
        ),
        (
            "date_of_birth",
            "2030-01-01",
            "A date of birth cannot be in the future.",
        ),
        (
            "sex",
            "unknown",
            "Use female, male or other, or leave it empty.",
        ),
        (
            "phone",
            "call me",
            "Enter the mobile number with its country code, like +1 555 010 0100.",
        ),
    ] {
        let mut form = ada();
        form.iter_mut().find(|(f, _)| *f == field).unwrap().1 = value;
        let (status, error) = err_json(
            app.post_with(&maria, "/api/clinic/enrolment/add", &form)
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={value}");
        assert_eq!(error.field_messages(field), [message], "{field}={value}");
    }
    assert!(account(&app, ADA).await.is_none());
    assert_eq!(roster_total(&app, &maria).await, 3);
}

async fn an_address_with_an_account_elsewhere_is_invited_not_linked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let harbour = second_clinic(&app, DAVID).await;
    clinic_admin_of(&app, harbour.id, SECOND_ADMIN).await;
    let nadia = signed_in(&app, SECOND_ADMIN).await;
    let before = roster_total(&app, &nadia).await;
    // Emma is Sunrise's patient; Harbour's admin types her address.
    let invited: EnrolledPatient = ok_json(
        app.post_with(
            &nadia,
            "/api/clinic/enrolment/add",
            &[("name", "Someone Else"), ("email", "emma@example.com")],
        )
        .await,
    )
    .await;
    assert_eq!(invited, EnrolledPatient::Invited);
    let emma = user_id(&app, "emma@example.com").await;
    let in_harbour = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(emma))
        .filter(memberships::Column::ClinicId.eq(harbour.id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(in_harbour, 0, "not linked by the admin");
    assert_eq!(roster_total(&app, &nadia).await, before);
    assert_eq!(
        account(&app, "emma@example.com")
            .await
            .unwrap()
            .display_name,
        "Emma Wilson",
        "her account is as it was"
    );
    // She joins with her own password, and agrees.
    let token = invitation_token(&app, "emma@example.com").await;
    let () = ok_json(
        app.post(
            "/api/invitation/accept",
            &[
                ("token", &token),
                ("password", DEMO_PASSWORD),
                ("consent", "on"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(roster_total(&app, &nadia).await, before + 1);
    let harbour_items = care_items::Entity::find()
        .filter(care_items::Column::PatientId.eq(emma))
        .filter(care_items::Column::ClinicId.eq(harbour.id))
        .count(&app.db)
        .await
        .unwrap();
    assert!(harbour_items > 0, "Harbour's own care items");
}

async fn a_patient_invited_by_email_registers_through_the_link(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let maria = signed_in(&app, CLINIC_ADMIN).await;
    let () = ok_json(
        app.post_with(&maria, "/api/clinic/enrolment/invite", &[("email", ADA)])
            .await,
    )
    .await;
    let (status, error) = err_json(
        app.post_with(&maria, "/api/clinic/enrolment/invite", &[("email", ADA)])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_messages("email"),
        ["They have an open invitation already: send it again from the list instead."]
    );
    let (_, error) = err_json(
        app.post_with(
            &maria,
            "/api/clinic/enrolment/invite",
            &[("email", "david@example.com")],
        )
        .await,
    )
    .await;
    assert_eq!(
        error.field_messages("email"),
        ["They are a patient of your clinic already."]
    );
    let mail = mail_to(&app, ADA, "invited").await;
    assert!(mail.body.contains("its patient portal"), "{}", mail.body);
    let token = invitation_token(&app, ADA).await;
    let () = ok_json(
        app.post(
            "/api/invitation/accept",
            &[
                ("token", &token),
                ("name", "Ada Lovelace"),
                ("password", STRONG),
                ("consent", "on"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(roster_total(&app, &maria).await, 4);
    let ada_client = client();
    assert_eq!(
        app.sign_in_with(&ada_client, ADA, STRONG).await.status(),
        StatusCode::OK
    );
}

const GOOD_CSV: &str = "name,email,date_of_birth,sex,phone\n\
Grace Hopper,grace@example.org,1956-12-09,female,+1 555 010 0101\n\
\"Turing, Alan\",alan@example.org,1962-06-23,male,\n\
Katherine Johnson,katherine@example.org,,,\n";

async fn a_csv_with_problems_writes_nothing_and_a_second_import_adds_no_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let maria = signed_in(&app, CLINIC_ADMIN).await;
    let bad = "Name,Email,Date of birth,Sex,Phone\n\
Grace Hopper,grace@example.org,1956-12-09,female,\n\
Alan Turing,alan@example.org,1962-23-06,male,\n\
Katherine Johnson,GRACE@example.org,,,\n\
,nobody@example,,,\n";
    let outcome = import_csv(&app, &maria, bad).await;
    let problems: Vec<(u64, &str, &str)> = outcome
        .problems
        .iter()
        .map(|p| (p.row, p.field.as_str(), p.message.as_str()))
        .collect();
    assert_eq!(
        problems,
        [
            (3, "date_of_birth", "Enter a date, like 1980-03-14."),
            (4, "email", "This email is on row 2 too."),
            (5, "name", "Enter the patient's name."),
            (
                5,
                "email",
                "Enter a valid email address, like name@example.com."
            ),
        ]
    );
    assert_eq!((outcome.rows, outcome.added), (4, 0));
    assert!(
        account(&app, "grace@example.org").await.is_none(),
        "nothing written"
    );
    assert_eq!(roster_total(&app, &maria).await, 3);

    let first = import_csv(&app, &maria, GOOD_CSV).await;
    assert!(first.problems.is_empty(), "{:?}", first.problems);
    assert_eq!(
        (
            first.rows,
            first.invited,
            first.already_enrolled,
            first.added
        ),
        (3, 3, 0, 0)
    );
    assert!(!first.imported_before);
    // Invited, not joined: no accounts, the roster's invited list.
    assert!(account(&app, "alan@example.org").await.is_none());
    let page = roster(&app, &maria).await;
    assert_eq!((page.total, page.invited_total), (3, 3));
    assert!(
        page.invited
            .iter()
            .any(|i| i.name.as_deref() == Some("Turing, Alan")),
        "quoted fields keep their commas: {:?}",
        page.invited
    );
    assert!(mail_to(&app, "katherine@example.org", "invited")
        .await
        .body
        .contains("/invitation?token="));

    let again = import_csv(&app, &maria, GOOD_CSV).await;
    assert_eq!(
        (again.rows, again.invited, again.already_invited),
        (3, 0, 3)
    );
    assert!(again.imported_before);
    assert_eq!(roster(&app, &maria).await.invited_total, 3, "no one twice");
    assert_eq!(
        mails_to(&app, "grace@example.org"),
        1,
        "no second invitation"
    );

    // A file Salus cannot read says so on its first row.
    let unreadable = import_csv(&app, &maria, "full name;mail\nGrace;grace@example.org\n").await;
    assert_eq!(unreadable.problems.len(), 1);
    assert_eq!(
        (
            unreadable.problems[0].row,
            unreadable.problems[0].field.as_str()
        ),
        (1, "file")
    );
}

async fn only_a_clinic_admin_imports_and_only_into_their_clinic(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let harbour = second_clinic(&app, DAVID).await;
    clinic_admin_of(&app, harbour.id, SECOND_ADMIN).await;
    let visitor = client();
    assert_eq!(
        upload(&app, &visitor, GOOD_CSV).await.status(),
        StatusCode::UNAUTHORIZED
    );
    for email in [DAVID, PROVIDER, SUPER_ADMIN] {
        let c = signed_in(&app, email).await;
        assert_eq!(
            upload(&app, &c, GOOD_CSV).await.status(),
            StatusCode::FORBIDDEN,
            "{email}"
        );
    }
    let maria = signed_in(&app, CLINIC_ADMIN).await;
    let nadia = signed_in(&app, SECOND_ADMIN).await;
    let sunrise_import = import_csv(&app, &maria, GOOD_CSV).await;
    // Harbour's admin cannot read Sunrise's outcome, and her own import goes to Harbour.
    let (status, _) = err_json(
        app.post_with(
            &nadia,
            "/api/clinic/enrolment/import",
            &[("id", &sunrise_import.id.to_string())],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let harbour_import = import_csv(&app, &nadia, GOOD_CSV).await;
    assert_eq!(
        (harbour_import.added, harbour_import.invited),
        (0, 3),
        "Harbour invites them too: Sunrise's invitations are Sunrise's"
    );
    // A cross-site form cannot post a file.
    let forged = client()
        .post(app.url("/clinic/patients/enrol/import"))
        .header("origin", "https://evil.example")
        .multipart(reqwest::multipart::Form::new().text("file", GOOD_CSV))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}

/// More rows than one statement can bind (SQLite's 32,766 values: 2,731 audit events), in one
/// all-or-nothing import.
async fn a_file_of_three_thousand_patients_imports_whole(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let maria = signed_in(&app, CLINIC_ADMIN).await;
    let mut csv = String::from("name,email,date_of_birth\n");
    for i in 0..3_000 {
        csv.push_str(&format!(
            "Patient {i},patient{i}@example.org,1970-01-{:02}\n",
            1 + i % 28
        ));
    }
    let outcome = import_csv(&app, &maria, &csv).await;
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    assert_eq!((outcome.rows, outcome.invited), (3_000, 3_000));
    let page = roster(&app, &maria).await;
    assert_eq!((page.total, page.invited_total), (3, 3_000));
    assert_eq!(page.invited.len(), 50, "the newest 50 listed");
}

crate::on_both_databases!(
    a_file_of_three_thousand_patients_imports_whole,
    a_patient_added_by_hand_is_invited_and_joins_with_what_the_clinic_typed,
    bad_details_get_a_message_by_field,
    an_address_with_an_account_elsewhere_is_invited_not_linked,
    a_patient_invited_by_email_registers_through_the_link,
    a_csv_with_problems_writes_nothing_and_a_second_import_adds_no_one,
    only_a_clinic_admin_imports_and_only_into_their_clinic
);
