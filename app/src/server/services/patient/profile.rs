//! The patient's profile: personal details, allergies, medications and reminder preferences.
//! A change of birth date or sex re-applies the clinic's protocols (eligibility may change).
use chrono::NaiveTime;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    ModelTrait, QueryFilter, QueryOrder,
};

use crate::error::{AppError, Validator};
use crate::model::patient::{Profile, LANGUAGES, SEVERITIES};
use crate::model::reminders::Channel;
use crate::model::{Allergy, Medication, Role, Sex};
use crate::server::audit::AuditEntry;
use crate::server::care;
use crate::server::dates;
use crate::server::entities::{
    memberships, patient_allergies, patient_medications, patient_profiles, users,
};
use crate::server::reminders::unsubscribe::{cancel_waiting, Waiting};
use crate::server::sms::e164;
use crate::server::tenancy::{PatientId, Scoped};

async fn profile_row(
    scoped: &Scoped,
    patient: PatientId,
) -> Result<patient_profiles::Model, AppError> {
    patient_profiles::Entity::find()
        .filter(patient_profiles::Column::UserId.eq(patient.get()))
        .one(scoped.conn())
        .await?
        .ok_or(AppError::NotFound)
}

/// The patient's allergies and current medications, in the order they were added.
pub(crate) async fn allergies_and_medications<C: ConnectionTrait>(
    conn: &C,
    patient: PatientId,
) -> Result<(Vec<Allergy>, Vec<Medication>), AppError> {
    let allergies = patient_allergies::Entity::find()
        .filter(patient_allergies::Column::PatientId.eq(patient.get()))
        .order_by_asc(patient_allergies::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|a| Allergy {
            id: a.id,
            substance: a.substance,
            reaction: a.reaction,
            severity: a.severity,
        })
        .collect();
    let medications = patient_medications::Entity::find()
        .filter(patient_medications::Column::PatientId.eq(patient.get()))
        .order_by_asc(patient_medications::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| Medication {
            id: m.id,
            name: m.name,
            dose: m.dose,
            frequency: m.frequency,
        })
        .collect();
    Ok((allergies, medications))
}

pub async fn get(scoped: &Scoped, patient: PatientId) -> Result<Profile, AppError> {
    let conn = scoped.conn();
    let user = users::Entity::find_by_id(patient.get())
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = profile_row(scoped, patient).await?;
    let (allergies, medications) = allergies_and_medications(conn, patient).await?;
    Ok(Profile {
        name: user.display_name,
        email: user.email,
        date_of_birth: p.date_of_birth,
        sex: p.sex,
        phone: p.phone,
        time_zone: p.time_zone,
        preferred_language: p.preferred_language,
        email_reminders: p.email_reminders,
        sms_reminders: p.sms_reminders,
        quiet_hours_start: p.quiet_hours_start,
        quiet_hours_end: p.quiet_hours_end,
        goal_nudges: p.goal_nudges,
        goal_nudge_at: p.goal_nudge_at,
        allergies,
        medications,
    })
}

/// The profile form as typed.
pub struct ProfileForm {
    pub name: String,
    pub date_of_birth: String,
    pub sex: String,
    pub phone: String,
    pub time_zone: String,
    pub preferred_language: String,
    pub email_reminders: bool,
    pub sms_reminders: bool,
    pub quiet_hours_start: String,
    pub quiet_hours_end: String,
    pub goal_nudges: bool,
    /// "HH:MM"; empty keeps what is saved.
    pub goal_nudge_at: String,
}

/// What a patient is told when their mobile number cannot be read as E.164.
pub(crate) const PHONE_PROBLEM: &str =
    "Enter your mobile number with its country code, like +1 555 010 0199.";

/// A phone number as people type it: 7 to 15 digits, with spaces, dashes, dots, brackets or a
/// leading plus.
pub(crate) fn valid_phone(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    (7..=15).contains(&digits)
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

pub async fn update(
    scoped: &Scoped,
    patient: PatientId,
    form: ProfileForm,
) -> Result<(), AppError> {
    let now = scoped.now();
    let mut v = Validator::new();
    let name = form.name.trim().to_owned();
    v.check(!name.is_empty(), "name", "Enter your name.");
    v.check(
        name.chars().count() <= 100,
        "name",
        "Use at most 100 characters.",
    );
    let tz = dates::parse_time_zone(&form.time_zone);
    v.check(
        tz.is_some(),
        "time_zone",
        "Choose a time zone such as Europe/London.",
    );
    let today = dates::local_today(now, tz.unwrap_or(chrono_tz::Tz::UTC));
    let date_of_birth = match dates::parse_date_of_birth(&form.date_of_birth, today) {
        Ok(d) => d,
        Err(problem) => {
            v.add("date_of_birth", problem);
            None
        }
    };
    let sex = match form.sex.trim() {
        "" => None,
        s => {
            let parsed = Sex::parse(s);
            v.check(parsed.is_some(), "sex", "Choose from the list.");
            parsed
        }
    };
    // Stored in E.164, as the SMS gateway takes it.
    let typed_phone = form.phone.trim();
    let phone = e164(typed_phone);
    v.check(
        typed_phone.is_empty() || phone.is_some(),
        "phone",
        PHONE_PROBLEM,
    );
    v.check(
        !form.sms_reminders || phone.is_some(),
        "sms_reminders",
        "Add a phone number to get reminders by text message.",
    );
    let language = form.preferred_language.trim().to_owned();
    v.check(
        LANGUAGES.iter().any(|(code, _)| *code == language),
        "preferred_language",
        "Choose a language from the list.",
    );
    for (field, value) in [
        ("quiet_hours_start", &form.quiet_hours_start),
        ("quiet_hours_end", &form.quiet_hours_end),
        ("goal_nudge_at", &form.goal_nudge_at),
    ] {
        if field == "goal_nudge_at" && value.trim().is_empty() {
            continue;
        }
        v.check(
            NaiveTime::parse_from_str(value.trim(), "%H:%M").is_ok(),
            field,
            "Enter a time like 21:00.",
        );
    }
    v.finish()?;

    let conn = scoped.conn();
    let before = profile_row(scoped, patient).await?;
    let eligibility_changed = before.date_of_birth != date_of_birth || before.sex != sex;
    let user = users::Entity::find_by_id(patient.get())
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    // Each clinic's compliance snapshot carries the name its providers' lists show.
    let renamed = user.display_name != name;
    let mut user = user.into_active_model();
    user.display_name = Set(name);
    user.updated_at = Set(now);
    user.update(conn).await?;
    let turned_off: Vec<(Channel, &str)> = [
        (
            before.email_reminders && !form.email_reminders,
            Channel::Email,
            "the patient turned off email reminders",
        ),
        (
            before.sms_reminders && !form.sms_reminders,
            Channel::Sms,
            "the patient turned off text reminders",
        ),
    ]
    .into_iter()
    .filter(|(off, _, _)| *off)
    .map(|(_, channel, why)| (channel, why))
    .collect();
    let nudges_off = before.goal_nudges && !form.goal_nudges;
    let nudge_at = match form.goal_nudge_at.trim() {
        "" => before.goal_nudge_at.clone(),
        at => at.to_owned(),
    };
    let mut profile = before.into_active_model();
    profile.date_of_birth = Set(date_of_birth);
    profile.sex = Set(sex);
    profile.phone = Set(phone);
    profile.time_zone = Set(form.time_zone.trim().to_owned());
    profile.preferred_language = Set(language);
    profile.email_reminders = Set(form.email_reminders);
    profile.sms_reminders = Set(form.sms_reminders);
    profile.quiet_hours_start = Set(form.quiet_hours_start.trim().to_owned());
    profile.quiet_hours_end = Set(form.quiet_hours_end.trim().to_owned());
    profile.goal_nudges = Set(form.goal_nudges);
    profile.goal_nudge_at = Set(nudge_at);
    profile.updated_at = Set(now);
    profile.update(conn).await?;
    // What was waiting on a channel the patient turned off is not sent, in any clinic.
    for (channel, why) in turned_off {
        cancel_waiting(conn, patient.get(), Waiting::Channel(channel), why).await?;
    }
    if nudges_off {
        let why = "the patient turned off goal nudges";
        cancel_waiting(conn, patient.get(), Waiting::GoalNudges, why).await?;
    }

    if eligibility_changed || renamed {
        let clinics = memberships::Entity::find()
            .filter(memberships::Column::UserId.eq(patient.get()))
            .filter(memberships::Column::Role.eq(Role::Patient))
            .all(conn)
            .await?;
        for m in clinics {
            if eligibility_changed {
                care::items::sync_patient(conn, m.clinic_id, patient.get(), today, now).await?;
            }
            care::compliance::refresh(conn, m.clinic_id, patient.get(), now).await?;
        }
    }
    scoped
        .audit(AuditEntry::by(scoped.actor(), "patient.profile.update").patient(patient.get()))
        .await
}

fn required(v: &mut Validator, field: &str, value: &str, what: &str) -> String {
    let value = value.trim();
    v.check(!value.is_empty(), field, format!("Enter the {what}."));
    v.check(
        value.chars().count() <= 100,
        field,
        "Use at most 100 characters.",
    );
    value.to_owned()
}

pub async fn add_allergy(
    scoped: &Scoped,
    patient: PatientId,
    substance: &str,
    reaction: &str,
    severity: &str,
) -> Result<(), AppError> {
    let now = scoped.now();
    let mut v = Validator::new();
    let substance = required(&mut v, "substance", substance, "substance");
    let reaction = required(&mut v, "reaction", reaction, "reaction");
    v.check(
        SEVERITIES.contains(&severity.trim()),
        "severity",
        "Choose mild, moderate or severe.",
    );
    v.finish()?;
    patient_allergies::Entity::insert(patient_allergies::ActiveModel {
        patient_id: Set(patient.get()),
        substance: Set(substance),
        reaction: Set(reaction),
        severity: Set(severity.trim().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(scoped.conn())
    .await?;
    scoped
        .audit(AuditEntry::by(scoped.actor(), "patient.allergy.create").patient(patient.get()))
        .await
}

pub async fn remove_allergy(scoped: &Scoped, patient: PatientId, id: i64) -> Result<(), AppError> {
    let row = patient_allergies::Entity::find_by_id(id)
        .filter(patient_allergies::Column::PatientId.eq(patient.get()))
        .one(scoped.conn())
        .await?
        .ok_or(AppError::NotFound)?;
    row.delete(scoped.conn()).await?;
    scoped
        .audit(AuditEntry::by(scoped.actor(), "patient.allergy.delete").patient(patient.get()))
        .await
}

pub async fn add_medication(
    scoped: &Scoped,
    patient: PatientId,
    name: &str,
    dose: &str,
    frequency: &str,
) -> Result<(), AppError> {
    let now = scoped.now();
    let mut v = Validator::new();
    let name = required(&mut v, "medication", name, "medication's name");
    let dose = required(&mut v, "dose", dose, "dose");
    let frequency = required(&mut v, "frequency", frequency, "frequency");
    v.finish()?;
    patient_medications::Entity::insert(patient_medications::ActiveModel {
        patient_id: Set(patient.get()),
        name: Set(name),
        dose: Set(dose),
        frequency: Set(frequency),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(scoped.conn())
    .await?;
    scoped
        .audit(AuditEntry::by(scoped.actor(), "patient.medication.create").patient(patient.get()))
        .await
}

pub async fn remove_medication(
    scoped: &Scoped,
    patient: PatientId,
    id: i64,
) -> Result<(), AppError> {
    let row = patient_medications::Entity::find_by_id(id)
        .filter(patient_medications::Column::PatientId.eq(patient.get()))
        .one(scoped.conn())
        .await?
        .ok_or(AppError::NotFound)?;
    row.delete(scoped.conn()).await?;
    scoped
        .audit(AuditEntry::by(scoped.actor(), "patient.medication.delete").patient(patient.get()))
        .await
}
