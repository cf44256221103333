//! Care items: applying a clinic's protocols to a patient, recomputing statuses as days pass,
//! and recording completions.
use chrono::{DateTime, Days, NaiveDate, Utc};
use sea_orm::sea_query::{CaseStatement, Expr, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::rules::{self, Rule, OVERDUE_AFTER_DAYS};
use crate::error::AppError;
use crate::model::{CareStatus, Reminder};
use crate::server::dates;
use crate::server::entities::{care_items, care_protocols, memberships, patient_profiles};

impl From<&care_protocols::Model> for Rule {
    fn from(p: &care_protocols::Model) -> Self {
        Rule {
            interval_months: non_negative(p.interval_months),
            due_soon_days: non_negative(p.due_soon_days),
            min_age_years: p.min_age_years.map(non_negative),
            max_age_years: p.max_age_years.map(non_negative),
            sex: p.sex,
        }
    }
}

fn non_negative(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

/// The day it is for a patient, in their own time zone (UTC when the profile has none).
pub async fn patient_today<C: ConnectionTrait>(
    conn: &C,
    patient_id: i64,
    now: DateTime<Utc>,
) -> Result<NaiveDate, AppError> {
    let profile = patient_profiles::Entity::find()
        .filter(patient_profiles::Column::UserId.eq(patient_id))
        .one(conn)
        .await?;
    let tz = profile
        .and_then(|p| dates::parse_time_zone(&p.time_zone))
        .unwrap_or(chrono_tz::Tz::UTC);
    Ok(dates::local_today(now, tz))
}

/// Brings a patient's care items in line with the clinic's active protocols: items for newly
/// eligible protocols are created (due at once), items no longer eligible become
/// `not_applicable`, and every status is recomputed for `today`.
pub async fn sync_patient<C: ConnectionTrait>(
    conn: &C,
    clinic_id: i64,
    patient_id: i64,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let profile = patient_profiles::Entity::find()
        .filter(patient_profiles::Column::UserId.eq(patient_id))
        .one(conn)
        .await?;
    let dob = profile.as_ref().and_then(|p| p.date_of_birth);
    let sex = profile.as_ref().and_then(|p| p.sex);
    let protocols = care_protocols::Entity::find()
        .filter(care_protocols::Column::ClinicId.eq(clinic_id))
        .filter(care_protocols::Column::Active.eq(true))
        .all(conn)
        .await?;
    let items = care_items::Entity::find()
        .filter(care_items::Column::PatientId.eq(patient_id))
        .filter(care_items::Column::ClinicId.eq(clinic_id))
        .all(conn)
        .await?;
    for protocol in &protocols {
        let rule = Rule::from(protocol);
        let eligible = rules::eligible(&rule, dob, sex, today);
        let existing = items.iter().find(|i| i.protocol_id == protocol.id);
        match (existing, eligible) {
            (None, false) => {}
            (None, true) => {
                let due_on = rules::due_on(&rule, None, today);
                care_items::Entity::insert(care_items::ActiveModel {
                    clinic_id: Set(clinic_id),
                    patient_id: Set(patient_id),
                    protocol_id: Set(protocol.id),
                    due_on: Set(due_on),
                    due_soon_from: Set(due_on - Days::new(u64::from(rule.due_soon_days))),
                    last_completed_on: Set(None),
                    status: Set(rules::status(&rule, due_on, None, today)),
                    updated_at: Set(now),
                    ..Default::default()
                })
                .exec(conn)
                .await?;
            }
            (Some(item), eligible) => {
                let status = if eligible {
                    rules::status(&rule, item.due_on, item.last_completed_on, today)
                } else {
                    CareStatus::NotApplicable
                };
                if item.status != status {
                    let mut active = item.clone().into_active_model();
                    active.status = Set(status);
                    active.updated_at = Set(now);
                    active.update(conn).await?;
                }
            }
        }
    }
    // Items whose protocol was retired no longer apply.
    for item in items
        .iter()
        .filter(|i| !protocols.iter().any(|p| p.id == i.protocol_id))
    {
        if item.status != CareStatus::NotApplicable {
            let mut active = item.clone().into_active_model();
            active.status = Set(CareStatus::NotApplicable);
            active.updated_at = Set(now);
            active.update(conn).await?;
        }
    }
    Ok(())
}

/// Recomputes the status of every applicable care item of a clinic for the day it is in each
/// patient's time zone: one UPDATE per time zone, comparing stored dates only, so it runs in
/// the database whatever the clinic's size. Mirrors `rules::status` (a test holds them equal).
pub async fn recompute_statuses<C: ConnectionTrait>(
    conn: &C,
    clinic_id: i64,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    // Scoped here: in the whole module its `max` would shadow `Ord::max`.
    use sea_orm::sea_query::ExprTrait;
    let zones: Vec<String> = patient_profiles::Entity::find()
        .select_only()
        .column(patient_profiles::Column::TimeZone)
        .distinct()
        .filter(
            patient_profiles::Column::UserId.in_subquery(
                Query::select()
                    .column(memberships::Column::UserId)
                    .from(memberships::Entity)
                    .and_where(Expr::col(memberships::Column::ClinicId).eq(clinic_id))
                    .and_where(
                        Expr::col(memberships::Column::Role)
                            .eq(crate::model::Role::Patient.as_str()),
                    )
                    .to_owned(),
            ),
        )
        .into_tuple()
        .all(conn)
        .await?;
    let mut changed = 0;
    for zone in zones {
        let tz = dates::parse_time_zone(&zone).unwrap_or(chrono_tz::Tz::UTC);
        let today = dates::local_today(now, tz);
        let overdue_cutoff = today - Days::new(OVERDUE_AFTER_DAYS);
        let status = CaseStatement::new()
            .case(
                Expr::col(care_items::Column::DueOn).lte(overdue_cutoff),
                CareStatus::Overdue.as_str(),
            )
            .case(
                Expr::col(care_items::Column::DueOn).lte(today),
                CareStatus::Due.as_str(),
            )
            .case(
                Expr::col(care_items::Column::DueSoonFrom).lte(today),
                CareStatus::DueSoon.as_str(),
            )
            .case(
                Expr::col(care_items::Column::LastCompletedOn).is_not_null(),
                CareStatus::Completed.as_str(),
            )
            .finally(CareStatus::NotDue.as_str());
        let patients_in_zone = Query::select()
            .column(patient_profiles::Column::UserId)
            .from(patient_profiles::Entity)
            .and_where(Expr::col(patient_profiles::Column::TimeZone).eq(zone.as_str()))
            .to_owned();
        let result = care_items::Entity::update_many()
            .col_expr(care_items::Column::Status, status.clone().into())
            .col_expr(care_items::Column::UpdatedAt, Expr::value(now))
            .filter(care_items::Column::ClinicId.eq(clinic_id))
            .filter(care_items::Column::Status.ne(CareStatus::NotApplicable))
            .filter(care_items::Column::PatientId.in_subquery(patients_in_zone))
            // A discharged patient's items are left as they were at discharge.
            .filter(
                care_items::Column::PatientId.in_subquery(
                    Query::select()
                        .column(memberships::Column::UserId)
                        .from(memberships::Entity)
                        .and_where(Expr::col(memberships::Column::ClinicId).eq(clinic_id))
                        .and_where(
                            Expr::col(memberships::Column::Role)
                                .eq(crate::model::Role::Patient.as_str()),
                        )
                        .and_where(Expr::col(memberships::Column::DeactivatedAt).is_null())
                        .to_owned(),
                ),
            )
            // Only rows whose status actually changes are written.
            .filter(Expr::col(care_items::Column::Status).ne(Expr::expr(status)))
            .exec(conn)
            .await?;
        changed += result.rows_affected;
    }
    Ok(changed)
}

/// A patient's open and upcoming care items in one clinic, soonest first, for reminders.
/// Another clinic the patient is enrolled in has items of its own, which are not this one's.
pub async fn reminders<C: ConnectionTrait>(
    conn: &C,
    clinic_id: i64,
    patient_id: i64,
    today: NaiveDate,
) -> Result<Vec<Reminder>, AppError> {
    let items = care_items::Entity::find()
        .filter(care_items::Column::ClinicId.eq(clinic_id))
        .filter(care_items::Column::PatientId.eq(patient_id))
        .filter(care_items::Column::Status.ne(CareStatus::NotApplicable))
        .order_by_asc(care_items::Column::DueOn)
        .all(conn)
        .await?;
    let protocols = protocols_of(conn, &items).await?;
    Ok(items
        .iter()
        .filter_map(|item| reminder(item, &protocols, today))
        .collect())
}

/// The protocols the items follow.
pub(crate) async fn protocols_of<C: ConnectionTrait>(
    conn: &C,
    items: &[care_items::Model],
) -> Result<Vec<care_protocols::Model>, AppError> {
    let mut ids: Vec<i64> = items.iter().map(|i| i.protocol_id).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(care_protocols::Entity::find()
        .filter(care_protocols::Column::Id.is_in(ids))
        .all(conn)
        .await?)
}

/// An item as a reminder, with its status for `today` by the rules.
pub fn reminder(
    item: &care_items::Model,
    protocols: &[care_protocols::Model],
    today: NaiveDate,
) -> Option<Reminder> {
    let protocol = protocols.iter().find(|p| p.id == item.protocol_id)?;
    let status = rules::status(
        &Rule::from(protocol),
        item.due_on,
        item.last_completed_on,
        today,
    );
    Some(Reminder {
        item_id: item.id,
        name: protocol.name.clone(),
        due_on: item.due_on,
        status,
    })
}

/// Records that a care item was completed on `completed_on`: the next due date follows one
/// interval later, and the status is recomputed for `today`.
pub(crate) async fn record_completion<C: ConnectionTrait>(
    conn: &C,
    item: care_items::Model,
    completed_on: NaiveDate,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<care_items::Model, AppError> {
    if completed_on > today {
        return Err(AppError::field(
            "completed_on",
            "A completion cannot be in the future.",
        ));
    }
    let protocol = care_protocols::Entity::find_by_id(item.protocol_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let rule = Rule::from(&protocol);
    // An older completion entered late never moves the due date backwards.
    let last = item
        .last_completed_on
        .map_or(completed_on, |prev| prev.max(completed_on));
    let due_on = rules::due_on(&rule, Some(last), today);
    let mut active = item.into_active_model();
    active.last_completed_on = Set(Some(last));
    active.due_on = Set(due_on);
    active.due_soon_from = Set(due_on - Days::new(u64::from(rule.due_soon_days)));
    active.status = Set(rules::status(&rule, due_on, Some(last), today));
    active.updated_at = Set(now);
    Ok(active.update(conn).await?)
}
