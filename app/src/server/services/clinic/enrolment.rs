//! Enrolling patients in the clinic: one by hand (name, email, date of birth, sex, phone), or
//! many from a CSV file. Every row is checked before anything is written; a file with any
//! problem writes nothing but its outcome, listed by row and field. Addresses already enrolled
//! are skipped, and so are those invited already, so importing a file again adds no one twice.
//!
//! Enrolling invites: each address gets an invitation holding what the clinic typed, and a
//! link. Nothing else is written until its owner accepts that link, agreeing to the clinic's
//! privacy policy: then a new account is made with that profile (or an existing one joins with
//! its password), and the person becomes a patient of the clinic, with its goals and care
//! items. Until then the clinic's roster shows them as invited, not joined, and the clinic
//! reaches nothing of theirs: not an account another clinic made, not what they tell another
//! clinic.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use sha2::{Digest, Sha256};

use super::invitations::{open_patient_invitations, PatientInvite, Sent};
use super::membership::enrolled_of;
use crate::error::{AppError, Validator};
use crate::model::clinic::{EnrolledPatient, ImportOutcome, ImportProblem};
use crate::model::Sex;
use crate::server::audit::AuditEntry;
use crate::server::dates;
use crate::server::entities::{clinics, patient_imports};
use crate::server::permissions::Permission;
use crate::server::plan_limits;
use crate::server::services::account::auth::{email_problem, normalize_email};
use crate::server::sms::e164;
use crate::server::state::AppState;
use crate::server::tenancy::Scoped;

/// A patient's details as typed in the form or a CSV row.
#[derive(Debug, Default, Clone)]
pub struct PatientDetails {
    pub name: String,
    pub email: String,
    pub date_of_birth: String,
    pub sex: String,
    pub phone: String,
}

/// A patient's details, checked.
#[derive(Debug, Clone)]
struct NewPatient {
    name: String,
    email: String,
    date_of_birth: Option<NaiveDate>,
    sex: Option<Sex>,
    phone: Option<String>,
}

/// The most rows one file may have: a large clinic's whole list, and a bounded request.
pub(crate) const MAX_ROWS: usize = 20_000;
/// The largest file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 4 << 20;
/// The CSV columns, in the order the template lists them; only `name` and `email` are needed.
pub(crate) const COLUMNS: [&str; 5] = ["name", "email", "date_of_birth", "sex", "phone"];

/// Checks one patient's details; the problems are (field, message).
fn check(
    details: &PatientDetails,
    today: NaiveDate,
) -> Result<NewPatient, Vec<(&'static str, String)>> {
    let mut problems = Vec::new();
    let name = details.name.trim().to_owned();
    if name.is_empty() {
        problems.push(("name", "Enter the patient's name.".to_owned()));
    } else if name.chars().count() > 100 {
        problems.push(("name", "Use at most 100 characters.".to_owned()));
    }
    let email = normalize_email(&details.email);
    if let Some(problem) = email_problem(&email) {
        problems.push(("email", problem.to_owned()));
    }
    let date_of_birth = match dates::parse_date_of_birth(&details.date_of_birth, today) {
        Ok(d) => d,
        Err(problem) => {
            problems.push(("date_of_birth", problem.to_owned()));
            None
        }
    };
    let sex = match details.sex.trim().to_lowercase().as_str() {
        "" => None,
        s => {
            let parsed = Sex::parse(s);
            if parsed.is_none() {
                problems.push((
                    "sex",
                    "Use female, male or other, or leave it empty.".to_owned(),
                ));
            }
            parsed
        }
    };
    // Stored in E.164, as the SMS gateway takes it.
    let typed_phone = details.phone.trim();
    let phone = e164(typed_phone);
    if !typed_phone.is_empty() && phone.is_none() {
        problems.push((
            "phone",
            "Enter the mobile number with its country code, like +1 555 010 0100.".to_owned(),
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(NewPatient {
        name,
        email,
        date_of_birth,
        sex,
        phone,
    })
}

/// What enrolling a list of checked patients did.
struct Enrolment {
    /// Addresses sent a new invitation.
    invited: usize,
    /// Patients of the clinic already.
    already: usize,
    /// Addresses with an open invitation already (not sent again: "Send again" on the roster).
    already_invited: usize,
    links: Vec<Sent>,
}

/// Invites each patient who is not enrolled yet: an invitation holding what the clinic typed,
/// and a link mailed after the commit. Nothing else is written: no account, no membership, no
/// care items. The clinic reaches the person's data only once they accept the link (and agree
/// to the privacy policy), which makes them a patient of the clinic (`invitations::accept`).
async fn enrol(
    state: &AppState,
    scoped: &Scoped,
    clinic: &clinics::Model,
    patients: &[NewPatient],
) -> Result<Enrolment, AppError> {
    let conn = scoped.conn();
    let emails: Vec<String> = patients.iter().map(|p| p.email.clone()).collect();
    let enrolled = enrolled_of(scoped, clinic.id, &emails).await?;
    let fresh: Vec<PatientInvite> = patients
        .iter()
        .filter(|p| !enrolled.contains(&p.email))
        .map(|p| PatientInvite {
            email: p.email.clone(),
            name: Some(p.name.clone()),
            date_of_birth: p.date_of_birth,
            sex: p.sex,
            phone: p.phone.clone(),
        })
        .collect();
    // Refused as a whole: an import invites all its patients or none. Each open invitation
    // holds a place on the plan.
    if let Err(full) =
        plan_limits::patient_room(conn, clinic, fresh.len() as u64, scoped.now()).await?
    {
        return Err(AppError::Conflict(full.for_staff()));
    }
    let opened = open_patient_invitations(scoped, clinic.id, &fresh).await?;
    let invited = opened.len();
    let links = opened
        .into_iter()
        .map(|link| super::invitations::patient_mail(state, link, &clinic.name))
        .collect();
    Ok(Enrolment {
        invited,
        already: enrolled.len(),
        already_invited: fresh.len() - invited,
        links,
    })
}

async fn own_clinic(scoped: &Scoped) -> Result<clinics::Model, AppError> {
    scoped.actor().require(Permission::PatientManage)?;
    let clinic = scoped.actor().active_clinic()?;
    clinics::Entity::find_by_id(clinic)
        .one(scoped.conn())
        .await?
        .ok_or(AppError::NotFound)
}

fn clinic_today(clinic: &clinics::Model, now: DateTime<Utc>) -> NaiveDate {
    dates::local_today(
        now,
        dates::parse_time_zone(&clinic.time_zone).unwrap_or(chrono_tz::Tz::UTC),
    )
}

/// Enrols one patient from the form; the invitation is mailed when the caller has committed.
pub async fn add(
    state: &AppState,
    scoped: &Scoped,
    details: PatientDetails,
) -> Result<(EnrolledPatient, Vec<Sent>), AppError> {
    let clinic = own_clinic(scoped).await?;
    let patient = check(&details, clinic_today(&clinic, scoped.now())).map_err(|problems| {
        let mut v = Validator::new();
        for (field, message) in problems {
            v.add(field, message);
        }
        v.finish().expect_err("problems were found")
    })?;
    let done = enrol(state, scoped, &clinic, std::slice::from_ref(&patient)).await?;
    if done.already > 0 {
        return Err(AppError::field(
            "email",
            "They are a patient of your clinic already.",
        ));
    }
    if done.already_invited > 0 {
        return Err(AppError::field(
            "email",
            "They have an open invitation already: send it again from the roster instead.",
        ));
    }
    Ok((EnrolledPatient::Invited, done.links))
}

/// One row's problems, numbered as a spreadsheet shows the file (the header is row 1).
fn problems_of(rows: &[Result<NewPatient, Vec<(&'static str, String)>>]) -> Vec<ImportProblem> {
    let mut problems = Vec::new();
    let mut first_row_of: HashMap<&str, usize> = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        let number = i as u64 + 2;
        match row {
            Err(fields) => problems.extend(fields.iter().map(|(field, message)| ImportProblem {
                row: number,
                field: (*field).to_owned(),
                message: message.clone(),
            })),
            Ok(patient) => {
                if let Some(first) = first_row_of.get(patient.email.as_str()) {
                    problems.push(ImportProblem {
                        row: number,
                        field: "email".into(),
                        message: format!("This email is on row {} too.", first + 2),
                    });
                } else {
                    first_row_of.insert(&patient.email, i);
                }
            }
        }
    }
    problems
}

/// The file's rows as typed, or the one problem that stops it being read at all.
fn read_rows(bytes: &[u8]) -> Result<Vec<PatientDetails>, ImportProblem> {
    let whole = |message: &str| ImportProblem {
        row: 1,
        field: "file".into(),
        message: message.to_owned(),
    };
    if bytes.len() > MAX_FILE_BYTES {
        return Err(whole("The file is larger than 4 MB: import it in parts."));
    }
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes))
        .map_err(|_| whole("Save the file as CSV in UTF-8 and choose it again."))?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|_| {
            whole("The first row must name the columns: name,email,date_of_birth,sex,phone.")
        })?
        .iter()
        .map(|h| h.to_lowercase().replace([' ', '-'], "_"))
        .collect();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (Some(name), Some(email)) = (column("name"), column("email")) else {
        return Err(whole(
            "The first row must name the columns, with name and email among them: \
             name,email,date_of_birth,sex,phone.",
        ));
    };
    if let Some(unknown) = headers.iter().find(|h| !COLUMNS.contains(&h.as_str())) {
        return Err(whole(&format!(
            "The column \"{unknown}\" is not one Salus reads: use name, email, date_of_birth, sex and phone."
        )));
    }
    let (dob, sex, phone) = (column("date_of_birth"), column("sex"), column("phone"));
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| ImportProblem {
            row: e.position().map_or(0, |p| p.line()),
            field: "file".into(),
            message: "This row could not be read: check its quotes.".into(),
        })?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(whole(&format!(
                "The file has more than {MAX_ROWS} patients: import it in parts."
            )));
        }
        let cell = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("").to_owned();
        rows.push(PatientDetails {
            name: cell(Some(name)),
            email: cell(Some(email)),
            date_of_birth: cell(dob),
            sex: cell(sex),
            phone: cell(phone),
        });
    }
    if rows.is_empty() {
        return Err(whole("The file has no patients under its first row."));
    }
    Ok(rows)
}

/// Imports a CSV file of patients: all of them or, when any row has a problem, none. The
/// outcome is kept (its problems by row and field, never the values) and its id returned, with
/// the invitations to mail once the caller has committed.
pub async fn import(
    state: &AppState,
    scoped: &Scoped,
    bytes: &[u8],
) -> Result<(i64, Vec<Sent>), AppError> {
    let clinic = own_clinic(scoped).await?;
    let today = clinic_today(&clinic, scoped.now());
    let digest = hex::encode(Sha256::digest(bytes));
    // Each row is read and checked once; only a file without a problem is enrolled.
    let (rows, problems, patients) = match read_rows(bytes) {
        Err(problem) => (0, vec![problem], Vec::new()),
        Ok(rows) => {
            let checked: Vec<_> = rows.iter().map(|r| check(r, today)).collect();
            let problems = problems_of(&checked);
            let patients = if problems.is_empty() {
                checked.into_iter().filter_map(Result::ok).collect()
            } else {
                Vec::new()
            };
            (rows.len(), problems, patients)
        }
    };
    let (mut already, mut invited, mut already_invited, mut links) = (0, 0, 0, Vec::new());
    if problems.is_empty() {
        let done = enrol(state, scoped, &clinic, &patients).await?;
        already = done.already;
        invited = done.invited;
        already_invited = done.already_invited;
        links = done.links;
    }
    let outcome = patient_imports::Entity::insert(patient_imports::ActiveModel {
        clinic_id: Set(clinic.id),
        imported_by: Set(scoped.actor().user_id()),
        file_sha256: Set(digest),
        rows: Set(rows as i64),
        // Nobody is enrolled by an import any more: each is invited and joins by accepting.
        added: Set(0),
        already_enrolled: Set(already as i64),
        invited: Set(invited as i64),
        already_invited: Set(already_invited as i64),
        problems: Set(serde_json::to_string(&problems).map_err(crate::server::errors::internal)?),
        created_at: Set(scoped.now()),
        ..Default::default()
    })
    .exec(scoped.conn())
    .await?
    .last_insert_id;
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "patients.imported").resource(format!(
                "import:{outcome} rows {rows}, invited {invited}, already enrolled {already}, \
             already invited {already_invited}, problems {}",
                problems.len()
            )),
        )
        .await?;
    Ok((outcome, links))
}

/// An import's outcome, for the page the upload lands on.
pub(crate) async fn import_outcome(scoped: &Scoped, id: i64) -> Result<ImportOutcome, AppError> {
    let clinic = own_clinic(scoped).await?;
    let row = patient_imports::Entity::find_by_id(id)
        .filter(patient_imports::Column::ClinicId.eq(clinic.id))
        .one(scoped.conn())
        .await?
        .ok_or(AppError::NotFound)?;
    let earlier = patient_imports::Entity::find()
        .filter(patient_imports::Column::ClinicId.eq(clinic.id))
        .filter(patient_imports::Column::FileSha256.eq(&row.file_sha256))
        .filter(patient_imports::Column::Id.lt(row.id))
        .filter(patient_imports::Column::Problems.eq("[]"))
        .count(scoped.conn())
        .await?;
    let count = |n: i64| n.max(0) as u64;
    Ok(ImportOutcome {
        id: row.id,
        when: super::clinic_time(row.created_at, &clinic.time_zone),
        rows: count(row.rows),
        added: count(row.added),
        already_enrolled: count(row.already_enrolled),
        invited: count(row.invited),
        already_invited: count(row.already_invited),
        problems: serde_json::from_str(&row.problems).unwrap_or_default(),
        imported_before: earlier > 0,
    })
}
