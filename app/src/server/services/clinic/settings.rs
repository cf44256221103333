//! The clinic's own settings: its details shown to patients (`contact`), its working hours and
//! its reminder settings. Each change is audited with the values before and after (settings hold
//! no patient data).
use chrono::NaiveTime;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::error::{AppError, Validator};
use crate::model::clinic::{ClinicContact, ClinicSettings, ReminderSettings, WorkingDay, WEEKDAYS};
use crate::server::audit::AuditEntry;
use crate::server::dates::parse_time_zone;
use crate::server::entities::{clinic_reminder_settings, clinic_working_hours, clinics};
use crate::server::permissions::Permission;
use crate::server::plan_limits::plan_of;
use crate::server::reminders::settings::{reminders_of, MAX_SENDER};
use crate::server::services::account::auth::{email_problem, normalize_email};
use crate::server::services::patient::profile::valid_phone;
use crate::server::tenancy::{PatientId, Scoped};

use super::audit_changes;

/// Hours until the admin saves some: Monday to Friday 09:00 to 17:00.
fn default_hours() -> Vec<WorkingDay> {
    (1..=7u8)
        .map(|weekday| {
            let open = weekday <= 5;
            WorkingDay {
                weekday,
                opens: open.then(|| "09:00".into()),
                closes: open.then(|| "17:00".into()),
            }
        })
        .collect()
}

const MAX_DUE_SOON_DAYS: u32 = 90;
const MAX_SMS_DAILY_CAP: u32 = 100_000;

async fn own_clinic(scoped: &Scoped) -> Result<clinics::Model, AppError> {
    scoped.actor().require(Permission::ClinicSettings)?;
    let clinic = scoped.actor().active_clinic()?;
    clinics::Entity::find_by_id(clinic)
        .one(scoped.conn())
        .await?
        .ok_or(AppError::NotFound)
}

async fn hours_of(scoped: &Scoped, clinic: i64) -> Result<Vec<WorkingDay>, AppError> {
    let saved = clinic_working_hours::Entity::find()
        .filter(clinic_working_hours::Column::ClinicId.eq(clinic))
        .order_by_asc(clinic_working_hours::Column::Weekday)
        .all(scoped.conn())
        .await?;
    if saved.is_empty() {
        return Ok(default_hours());
    }
    Ok((1..=7u8)
        .map(|weekday| {
            let day = saved.iter().find(|d| d.weekday == i16::from(weekday));
            WorkingDay {
                weekday,
                opens: day.and_then(|d| d.opens_at.clone()),
                closes: day.and_then(|d| d.closes_at.clone()),
            }
        })
        .collect())
}

pub async fn get(scoped: &Scoped) -> Result<ClinicSettings, AppError> {
    let clinic = own_clinic(scoped).await?;
    Ok(ClinicSettings {
        hours: hours_of(scoped, clinic.id).await?,
        reminders: reminders_of(scoped.conn(), &clinic).await?,
        name: clinic.name,
        code: clinic.code,
        contact_email: clinic.contact_email,
        contact_phone: clinic.contact_phone,
        address: clinic.address,
        time_zone: clinic.time_zone,
    })
}

/// The patient's clinic, as its settings say to show it: contact details and working hours.
pub async fn contact(scoped: &Scoped, patient: PatientId) -> Result<ClinicContact, AppError> {
    let clinic = clinics::Entity::find_by_id(patient.clinic())
        .one(scoped.conn())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(ClinicContact {
        hours: hours_of(scoped, clinic.id).await?,
        name: clinic.name,
        email: clinic.contact_email,
        phone: clinic.contact_phone,
        address: clinic.address,
        time_zone: clinic.time_zone,
    })
}

/// The details form, as typed.
pub(crate) struct Details {
    pub name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub address: String,
    pub time_zone: String,
}

fn optional(value: &str) -> Option<String> {
    Some(value.trim().to_owned()).filter(|v| !v.is_empty())
}

pub(crate) async fn update_details(scoped: &Scoped, form: Details) -> Result<(), AppError> {
    let clinic = own_clinic(scoped).await?;
    let name = form.name.trim().to_owned();
    let email = optional(&form.contact_email).map(|e| normalize_email(&e));
    let phone = optional(&form.contact_phone);
    let address = optional(&form.address);
    let time_zone = form.time_zone.trim().to_owned();
    let mut v = Validator::new();
    v.check(!name.is_empty(), "name", "Enter the clinic's name.");
    v.check(
        name.chars().count() <= 100,
        "name",
        "Use at most 100 characters.",
    );
    if let Some(problem) = email.as_deref().and_then(email_problem) {
        v.add("contact_email", problem);
    }
    if let Some(phone) = &phone {
        v.check(
            valid_phone(phone),
            "contact_phone",
            "Enter a phone number of 7 to 15 digits, like +1 555 010 0100.",
        );
    }
    v.check(
        address.as_ref().is_none_or(|a| a.chars().count() <= 300),
        "address",
        "Use at most 300 characters.",
    );
    v.check(
        parse_time_zone(&time_zone).is_some(),
        "time_zone",
        "Choose a time zone from the list, like America/New_York.",
    );
    v.finish()?;
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    let audit = audit_changes(&[
        ("name", clinic.name.clone(), name.clone()),
        ("contact_email", opt(&clinic.contact_email), opt(&email)),
        ("contact_phone", opt(&clinic.contact_phone), opt(&phone)),
        ("address", opt(&clinic.address), opt(&address)),
        ("time_zone", clinic.time_zone.clone(), time_zone.clone()),
    ]);
    clinics::Entity::update_many()
        .col_expr(clinics::Column::Name, Expr::value(name))
        .col_expr(clinics::Column::ContactEmail, Expr::value(email))
        .col_expr(clinics::Column::ContactPhone, Expr::value(phone))
        .col_expr(clinics::Column::Address, Expr::value(address))
        .col_expr(clinics::Column::TimeZone, Expr::value(time_zone))
        .filter(clinics::Column::Id.eq(clinic.id))
        .exec(scoped.conn())
        .await?;
    scoped
        .audit(AuditEntry::by(scoped.actor(), "clinic.details_changed").resource(audit))
        .await
}

fn parse_time(value: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(value.trim(), "%H:%M").ok()
}

/// The hours form: (opens, closes) as typed for Monday to Sunday; both empty = closed.
pub(crate) async fn update_hours(
    scoped: &Scoped,
    days: [(String, String); 7],
) -> Result<(), AppError> {
    let clinic = own_clinic(scoped).await?;
    let mut v = Validator::new();
    let mut hours = Vec::with_capacity(7);
    for (i, (opens, closes)) in days.iter().enumerate() {
        let weekday = i as u8 + 1;
        let field = WEEKDAYS[i].to_lowercase();
        let (opens, closes) = (opens.trim(), closes.trim());
        let day = match (opens.is_empty(), closes.is_empty()) {
            (true, true) => WorkingDay {
                weekday,
                opens: None,
                closes: None,
            },
            (false, false) => match (parse_time(opens), parse_time(closes)) {
                (Some(o), Some(c)) if o < c => WorkingDay {
                    weekday,
                    opens: Some(o.format("%H:%M").to_string()),
                    closes: Some(c.format("%H:%M").to_string()),
                },
                (Some(_), Some(_)) => {
                    v.add(&field, "Closing time must be after opening time.");
                    continue;
                }
                _ => {
                    v.add(&field, "Enter times like 09:00.");
                    continue;
                }
            },
            _ => {
                v.add(&field, "Enter both times, or neither for a closed day.");
                continue;
            }
        };
        hours.push(day);
    }
    v.finish()?;
    let before = hours_of(scoped, clinic.id).await?;
    let show = |d: &WorkingDay| match (&d.opens, &d.closes) {
        (Some(o), Some(c)) => format!("{o}-{c}"),
        _ => "closed".to_owned(),
    };
    let audit = audit_changes(
        &before
            .iter()
            .zip(&hours)
            .map(|(b, a)| (WEEKDAYS[usize::from(a.weekday) - 1], show(b), show(a)))
            .collect::<Vec<_>>(),
    );
    clinic_working_hours::Entity::delete_many()
        .filter(clinic_working_hours::Column::ClinicId.eq(clinic.id))
        .exec(scoped.conn())
        .await?;
    clinic_working_hours::Entity::insert_many(hours.into_iter().map(|d| {
        clinic_working_hours::ActiveModel {
            clinic_id: Set(clinic.id),
            weekday: Set(i16::from(d.weekday)),
            opens_at: Set(d.opens),
            closes_at: Set(d.closes),
            ..Default::default()
        }
    }))
    .exec(scoped.conn())
    .await?;
    scoped
        .audit(AuditEntry::by(scoped.actor(), "clinic.hours_changed").resource(audit))
        .await
}

/// Letters and digits no one mistakes for another (no 0 and O, no 1, I and L).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const CODE_LENGTH: usize = 8;

fn new_code() -> String {
    use rand::Rng;
    let mut rng = rand::rngs::OsRng;
    (0..CODE_LENGTH)
        .map(|_| char::from(CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())]))
        .collect()
}

/// Gives the clinic a new registration code; the old one stops working at once (patients who
/// registered with it stay enrolled). The codes are not written to the audit log: a code lets
/// anyone register.
pub(crate) async fn regenerate_code(scoped: &Scoped) -> Result<String, AppError> {
    let clinic = own_clinic(scoped).await?;
    let code = new_code();
    let updated = clinics::Entity::update_many()
        .col_expr(clinics::Column::Code, Expr::value(code.clone()))
        .filter(clinics::Column::Id.eq(clinic.id))
        .exec(scoped.conn())
        .await;
    match updated {
        Ok(_) => {}
        Err(e) if crate::server::errors::is_unique_violation(&e) => {
            return Err(AppError::Conflict(
                "That new code was taken by another clinic. Try again.".into(),
            ))
        }
        Err(e) => return Err(e.into()),
    }
    scoped
        .audit(AuditEntry::by(scoped.actor(), "clinic.code_regenerated"))
        .await?;
    Ok(code)
}

/// The reminder settings form, as typed (checkboxes are present when ticked).
pub(crate) struct ReminderForm {
    pub email_enabled: bool,
    pub sms_enabled: bool,
    pub quiet_hours_start: String,
    pub quiet_hours_end: String,
    pub sender_name: String,
    pub due_soon_days: String,
    pub sms_daily_cap: String,
}

pub(crate) async fn update_reminders(scoped: &Scoped, form: ReminderForm) -> Result<(), AppError> {
    let clinic = own_clinic(scoped).await?;
    let mut v = Validator::new();
    let start = parse_time(&form.quiet_hours_start);
    let end = parse_time(&form.quiet_hours_end);
    v.check(
        start.is_some(),
        "quiet_hours_start",
        "Enter a time like 21:00.",
    );
    v.check(end.is_some(), "quiet_hours_end", "Enter a time like 08:00.");
    if let (Some(s), Some(e)) = (start, end) {
        v.check(
            s != e,
            "quiet_hours_end",
            "Quiet hours must end at another time than they start.",
        );
    }
    let sender = form.sender_name.trim().to_owned();
    v.check(
        !sender.is_empty(),
        "sender_name",
        "Enter the name reminders come from.",
    );
    // The name goes into email headers: no line breaks or other control characters.
    v.check(
        sender.chars().count() <= MAX_SENDER && !sender.chars().any(char::is_control),
        "sender_name",
        format!("Use at most {MAX_SENDER} characters, on one line."),
    );
    let due_soon = form
        .due_soon_days
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|d| (1..=MAX_DUE_SOON_DAYS).contains(d));
    v.check(
        due_soon.is_some(),
        "due_soon_days",
        format!("Enter a number of days from 1 to {MAX_DUE_SOON_DAYS}."),
    );
    let cap = form
        .sms_daily_cap
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|c| *c <= MAX_SMS_DAILY_CAP);
    v.check(
        cap.is_some(),
        "sms_daily_cap",
        format!("Enter a number from 0 to {MAX_SMS_DAILY_CAP}."),
    );
    let plan = plan_of(scoped.conn(), &clinic).await?;
    v.check(
        !form.sms_enabled || plan.sms_reminders,
        "sms_enabled",
        format!(
            "Your clinic's plan ({}) does not include text reminders: untick this, or ask the \
             platform team to change the plan.",
            plan.name
        ),
    );
    v.finish()?;
    let after = ReminderSettings {
        email_enabled: form.email_enabled,
        sms_enabled: form.sms_enabled,
        quiet_hours_start: start.expect("checked").format("%H:%M").to_string(),
        quiet_hours_end: end.expect("checked").format("%H:%M").to_string(),
        sender_name: sender,
        due_soon_days: due_soon.expect("checked"),
        sms_daily_cap: cap.expect("checked"),
    };
    let before = reminders_of(scoped.conn(), &clinic).await?;
    let audit = audit_changes(&[
        (
            "email_enabled",
            before.email_enabled.to_string(),
            after.email_enabled.to_string(),
        ),
        (
            "sms_enabled",
            before.sms_enabled.to_string(),
            after.sms_enabled.to_string(),
        ),
        (
            "quiet_hours_start",
            before.quiet_hours_start,
            after.quiet_hours_start.clone(),
        ),
        (
            "quiet_hours_end",
            before.quiet_hours_end,
            after.quiet_hours_end.clone(),
        ),
        ("sender_name", before.sender_name, after.sender_name.clone()),
        (
            "due_soon_days",
            before.due_soon_days.to_string(),
            after.due_soon_days.to_string(),
        ),
        (
            "sms_daily_cap",
            before.sms_daily_cap.to_string(),
            after.sms_daily_cap.to_string(),
        ),
    ]);
    use clinic_reminder_settings::Column as C;
    clinic_reminder_settings::Entity::insert(clinic_reminder_settings::ActiveModel {
        clinic_id: Set(clinic.id),
        email_enabled: Set(after.email_enabled),
        sms_enabled: Set(after.sms_enabled),
        quiet_hours_start: Set(after.quiet_hours_start),
        quiet_hours_end: Set(after.quiet_hours_end),
        sender_name: Set(after.sender_name),
        due_soon_days: Set(after.due_soon_days as i32),
        sms_daily_cap: Set(after.sms_daily_cap as i32),
        updated_at: Set(scoped.now()),
    })
    .on_conflict(
        OnConflict::column(C::ClinicId)
            .update_columns([
                C::EmailEnabled,
                C::SmsEnabled,
                C::QuietHoursStart,
                C::QuietHoursEnd,
                C::SenderName,
                C::DueSoonDays,
                C::SmsDailyCap,
                C::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(scoped.conn())
    .await?;
    scoped
        .audit(AuditEntry::by(scoped.actor(), "clinic.reminder_settings_changed").resource(audit))
        .await
}
