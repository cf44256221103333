//! The clinic's preventive-care protocols: its admin edits them, adds its own and deactivates
//! them. Each change is audited with the values before and after, and queues the re-application
//! to the clinic's patients (`care::resync_job`) in the same transaction.
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::{audit_changes, clinic_time};
use crate::error::{AppError, Validator};
use crate::model::clinic::{ClinicProtocol, ClinicProtocols, ResyncProgress};
use crate::model::Sex;
use crate::server::audit::AuditEntry;
use crate::server::care::resync_job::{self, QueuedResync};
use crate::server::db_context::{self, Turn};
use crate::server::entities::{care_protocols, clinics, protocol_resyncs};
use crate::server::permissions::Permission;
use crate::server::tenancy::Scoped;

const MAX_NAME: usize = 100;
const MAX_DESCRIPTION: usize = 1000;
const MAX_AGE: u32 = 120;
const MAX_INTERVAL_MONTHS: u32 = 240;
const MAX_DUE_SOON_DAYS: u32 = 365;
/// How many re-applications the page lists.
const RESYNCS_SHOWN: u64 = 5;

fn own_clinic(scoped: &Scoped) -> Result<i64, AppError> {
    scoped.actor().require(Permission::ProtocolsManage)?;
    scoped.actor().active_clinic()
}

/// The clinic, for a change: its protocol changes (and their re-applications) take turns.
async fn changing(scoped: &Scoped) -> Result<i64, AppError> {
    let clinic = own_clinic(scoped)?;
    db_context::take_turn(scoped.conn(), Turn::Protocols, clinic).await?;
    Ok(clinic)
}

pub(crate) fn view(p: care_protocols::Model) -> ClinicProtocol {
    let count = |n: i32| u32::try_from(n).unwrap_or(0);
    ClinicProtocol {
        id: p.id,
        custom: p.template_key.is_none(),
        name: p.name,
        description: p.description,
        min_age_years: p.min_age_years.map(count),
        max_age_years: p.max_age_years.map(count),
        sex: p.sex,
        interval_months: count(p.interval_months),
        due_soon_days: count(p.due_soon_days),
        active: p.active,
    }
}

async fn protocols_of(
    scoped: &Scoped,
    clinic: i64,
) -> Result<Vec<care_protocols::Model>, AppError> {
    Ok(care_protocols::Entity::find()
        .filter(care_protocols::Column::ClinicId.eq(clinic))
        .order_by_asc(care_protocols::Column::Name)
        .order_by_asc(care_protocols::Column::Id)
        .all(scoped.conn())
        .await?)
}

pub async fn list(scoped: &Scoped) -> Result<ClinicProtocols, AppError> {
    let clinic = own_clinic(scoped)?;
    let protocols = protocols_of(scoped, clinic).await?;
    let time_zone = clinics::Entity::find_by_id(clinic)
        .one(scoped.conn())
        .await?
        .ok_or(AppError::NotFound)?
        .time_zone;
    let resyncs = protocol_resyncs::Entity::find()
        .filter(protocol_resyncs::Column::ClinicId.eq(clinic))
        .order_by_desc(protocol_resyncs::Column::Id)
        .limit(RESYNCS_SHOWN)
        .all(scoped.conn())
        .await?
        .into_iter()
        .map(|r| ResyncProgress {
            id: r.id,
            protocol: protocols
                .iter()
                .find(|p| p.id == r.protocol_id)
                .map(|p| p.name.clone())
                .unwrap_or_default(),
            state: r.state,
            done: r.patients_done.max(0) as u64,
            total: r.patients_total.max(0) as u64,
            requested: clinic_time(r.requested_at, &time_zone),
        })
        .collect();
    Ok(ClinicProtocols {
        protocols: protocols.into_iter().map(view).collect(),
        resyncs,
    })
}

/// The protocol form, as typed.
pub struct ProtocolForm {
    pub name: String,
    pub description: String,
    pub min_age_years: String,
    pub max_age_years: String,
    pub sex: String,
    pub interval_months: String,
    pub due_soon_days: String,
}

/// A protocol's rule fields, checked.
pub(crate) struct Checked {
    pub name: String,
    pub description: String,
    pub min_age_years: Option<i32>,
    pub max_age_years: Option<i32>,
    pub sex: Option<Sex>,
    pub interval_months: i32,
    pub due_soon_days: i32,
}

fn optional_number(
    v: &mut Validator,
    field: &str,
    value: &str,
    max: u32,
    message: &str,
) -> Option<u32> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let parsed = value.parse::<u32>().ok().filter(|n| *n <= max);
    v.check(parsed.is_some(), field, message);
    parsed
}

/// The clinic's own message for a name its protocols have already.
pub(crate) const NAME_TAKEN: &str = "Your clinic has a protocol of that name already.";

/// Checks the form against `others` (the protocols whose names it must not repeat; `taken`
/// says so).
pub(crate) fn check(
    form: &ProtocolForm,
    others: &[care_protocols::Model],
    id: Option<i64>,
    taken: &str,
) -> Result<Checked, AppError> {
    let mut v = Validator::new();
    let name = form.name.trim().to_owned();
    v.check(!name.is_empty(), "name", "Enter the protocol's name.");
    v.check(
        name.chars().count() <= MAX_NAME,
        "name",
        format!("Use at most {MAX_NAME} characters."),
    );
    v.check(
        !others
            .iter()
            .any(|p| Some(p.id) != id && p.name.to_lowercase() == name.to_lowercase()),
        "name",
        taken,
    );
    let description = form.description.trim().to_owned();
    v.check(
        description.chars().count() <= MAX_DESCRIPTION,
        "description",
        format!("Use at most {MAX_DESCRIPTION} characters."),
    );
    let ages = format!("Enter an age in years from 0 to {MAX_AGE}, or leave it empty.");
    let min = optional_number(&mut v, "min_age_years", &form.min_age_years, MAX_AGE, &ages);
    let max = optional_number(&mut v, "max_age_years", &form.max_age_years, MAX_AGE, &ages);
    if let (Some(min), Some(max)) = (min, max) {
        v.check(
            min <= max,
            "max_age_years",
            "The oldest age must be at least the youngest.",
        );
    }
    let sex = match form.sex.trim() {
        "" => None,
        s => {
            let parsed = Sex::parse(s).filter(|s| *s != Sex::Other);
            v.check(parsed.is_some(), "sex", "Choose everyone, female or male.");
            parsed
        }
    };
    let interval = form
        .interval_months
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_INTERVAL_MONTHS).contains(n));
    v.check(
        interval.is_some(),
        "interval_months",
        format!("Enter a number of months from 1 to {MAX_INTERVAL_MONTHS}."),
    );
    let soon = form
        .due_soon_days
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n <= MAX_DUE_SOON_DAYS);
    v.check(
        soon.is_some(),
        "due_soon_days",
        format!("Enter a number of days from 0 to {MAX_DUE_SOON_DAYS}."),
    );
    if let (Some(interval), Some(soon)) = (interval, soon) {
        // The window opens after the last completion, not before it.
        v.check(
            soon < interval * 28,
            "due_soon_days",
            "The \"due soon\" window must be shorter than the interval.",
        );
    }
    v.finish()?;
    let int = |n: u32| n as i32;
    Ok(Checked {
        name,
        description,
        min_age_years: min.map(int),
        max_age_years: max.map(int),
        sex,
        interval_months: int(interval.expect("checked")),
        due_soon_days: int(soon.expect("checked")),
    })
}

fn shown<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "none".to_owned(), |v| v.to_string())
}

/// "field: before -> after" for each rule field that differs.
pub(crate) fn changed(before: &care_protocols::Model, after: &care_protocols::Model) -> String {
    audit_changes(&[
        ("name", before.name.clone(), after.name.clone()),
        (
            "description",
            before.description.clone(),
            after.description.clone(),
        ),
        (
            "min_age_years",
            shown(before.min_age_years),
            shown(after.min_age_years),
        ),
        (
            "max_age_years",
            shown(before.max_age_years),
            shown(after.max_age_years),
        ),
        (
            "sex",
            shown(before.sex.map(Sex::as_str)),
            shown(after.sex.map(Sex::as_str)),
        ),
        (
            "interval_months",
            before.interval_months.to_string(),
            after.interval_months.to_string(),
        ),
        (
            "due_soon_days",
            before.due_soon_days.to_string(),
            after.due_soon_days.to_string(),
        ),
        (
            "active",
            before.active.to_string(),
            after.active.to_string(),
        ),
    ])
}

async fn queue(
    scoped: &Scoped,
    protocol: &care_protocols::Model,
) -> Result<QueuedResync, AppError> {
    let (job, patients) = resync_job::queue(scoped.conn(), protocol, scoped.now()).await?;
    Ok(QueuedResync {
        job,
        patients,
        clinic: protocol.clinic_id.ok_or(AppError::NotFound)?,
    })
}

async fn find(scoped: &Scoped, clinic: i64, id: i64) -> Result<care_protocols::Model, AppError> {
    care_protocols::Entity::find_by_id(id)
        .filter(care_protocols::Column::ClinicId.eq(clinic))
        .one(scoped.conn())
        .await?
        .ok_or(AppError::NotFound)
}

/// Changes one of the clinic's protocols. Returns the re-application it queued, or none when
/// nothing changed.
pub async fn update(
    scoped: &Scoped,
    id: i64,
    form: ProtocolForm,
) -> Result<Option<QueuedResync>, AppError> {
    let clinic = changing(scoped).await?;
    let before = find(scoped, clinic, id).await?;
    let others = protocols_of(scoped, clinic).await?;
    let c = check(&form, &others, Some(id), NAME_TAKEN)?;
    let mut active = before.clone().into_active_model();
    active.name = Set(c.name);
    active.description = Set(c.description);
    active.min_age_years = Set(c.min_age_years);
    active.max_age_years = Set(c.max_age_years);
    active.sex = Set(c.sex);
    active.interval_months = Set(c.interval_months);
    active.due_soon_days = Set(c.due_soon_days);
    let after = active.update(scoped.conn()).await?;
    let diff = changed(&before, &after);
    if diff.is_empty() {
        return Ok(None);
    }
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "protocol.changed")
                .resource(format!("protocol {id}: {diff}")),
        )
        .await?;
    queue(scoped, &after).await.map(Some)
}

/// Adds a protocol of the clinic's own, active at once.
pub async fn add(scoped: &Scoped, form: ProtocolForm) -> Result<QueuedResync, AppError> {
    let clinic = changing(scoped).await?;
    let others = protocols_of(scoped, clinic).await?;
    let c = check(&form, &others, None, NAME_TAKEN)?;
    let protocol = care_protocols::ActiveModel {
        clinic_id: Set(Some(clinic)),
        template_key: Set(None),
        name: Set(c.name),
        description: Set(c.description),
        min_age_years: Set(c.min_age_years),
        max_age_years: Set(c.max_age_years),
        sex: Set(c.sex),
        interval_months: Set(c.interval_months),
        due_soon_days: Set(c.due_soon_days),
        reminder_offsets_days: Set("14,0,-7".into()),
        completed_by: Set("visit".into()),
        active: Set(true),
        created_at: Set(scoped.now()),
        ..Default::default()
    }
    .insert(scoped.conn())
    .await?;
    let blank = care_protocols::Model {
        name: String::new(),
        description: String::new(),
        min_age_years: None,
        max_age_years: None,
        sex: None,
        interval_months: 0,
        due_soon_days: 0,
        active: false,
        ..protocol.clone()
    };
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "protocol.added").resource(format!(
                "protocol {}: {}",
                protocol.id,
                changed(&blank, &protocol)
            )),
        )
        .await?;
    queue(scoped, &protocol).await
}

/// Deactivates a protocol (its items stop applying; their history is kept) or reactivates it.
pub(crate) async fn set_active(
    scoped: &Scoped,
    id: i64,
    active: bool,
) -> Result<Option<QueuedResync>, AppError> {
    let clinic = changing(scoped).await?;
    let before = find(scoped, clinic, id).await?;
    if before.active == active {
        return Ok(None);
    }
    let mut row = before.into_active_model();
    row.active = Set(active);
    let after = row.update(scoped.conn()).await?;
    let action = if active {
        "protocol.reactivated"
    } else {
        "protocol.deactivated"
    };
    scoped
        .audit(AuditEntry::by(scoped.actor(), action).resource(format!("protocol {id}")))
        .await?;
    queue(scoped, &after).await.map(Some)
}
