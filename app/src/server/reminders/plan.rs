//! Planning: which reminders are owed now, written to the outbox once each.
//!
//! A care item is owed a reminder on each channel when it becomes due soon (no earlier than the
//! clinic's lead time before its due date), when it becomes due, and when it becomes overdue:
//! one outbox row per (item, status, due date, channel), its key unique, so that planning any
//! number of times in any number of processes plans it once. A row waits out the clinic's and
//! the patient's quiet hours in the patient's own time zone.
//!
//! Who is owed one: a patient enrolled and not discharged in an active clinic whose reminder
//! settings send that channel, who chose it on their profile, and (for email) whose address is
//! confirmed (patients are read in the care re-application's batches, `next_patients`). The
//! same holds again when the row is sent (`deliver`), so a change meanwhile
//! cancels it.
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::quiet_hours::{next_allowed, QuietHours};
use super::{care_key, CareReminder, EMAIL, PENDING};
use crate::error::AppError;
use crate::model::clinic::ReminderSettings;
use crate::model::Role;
use crate::server::care::reapply::next_patients;
use crate::server::db_context::{self, DbContext, Turn};
use crate::server::entities::{
    care_items, clinics, memberships, patient_profiles, reminders, users,
};
use crate::server::services::clinic::settings::reminders_of;
use crate::server::services::dates::{local_today, parse_time_zone};

/// Outbox rows per INSERT (13 columns each, well inside SQLite's bound values).
const ROWS_PER_INSERT: usize = 500;

/// The clinics reminders may go out for now: active ones.
pub async fn active_clinics(db: &DatabaseConnection) -> Result<Vec<i64>, AppError> {
    let txn = db_context::begin(db, DbContext::Worker).await?;
    let ids = clinics::Entity::find()
        .select_only()
        .column(clinics::Column::Id)
        .filter(clinics::Column::Status.eq("active"))
        .order_by_asc(clinics::Column::Id)
        .into_tuple::<i64>()
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(ids)
}

/// What a patient's own settings say about reminders.
#[derive(Debug, Clone)]
pub(crate) struct Recipient {
    pub time_zone: chrono_tz::Tz,
    pub quiet: Option<QuietHours>,
    pub email: bool,
}

/// The recipients among `patients`: enrolled in `clinic` and not discharged, with a profile.
pub(crate) async fn recipients<C: ConnectionTrait>(
    conn: &C,
    clinic: i64,
    patients: &[i64],
) -> Result<HashMap<i64, Recipient>, AppError> {
    let enrolled: Vec<i64> = memberships::Entity::find()
        .select_only()
        .column(memberships::Column::UserId)
        .filter(memberships::Column::ClinicId.eq(clinic))
        .filter(memberships::Column::Role.eq(Role::Patient.as_str()))
        .filter(memberships::Column::DeactivatedAt.is_null())
        .filter(memberships::Column::UserId.is_in(patients.to_vec()))
        .into_tuple()
        .all(conn)
        .await?;
    let confirmed: HashMap<i64, bool> = users::Entity::find()
        .filter(users::Column::Id.is_in(enrolled.clone()))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.is_active && u.email_verified_at.is_some()))
        .collect();
    Ok(patient_profiles::Entity::find()
        .filter(patient_profiles::Column::UserId.is_in(enrolled))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| {
            let recipient = Recipient {
                time_zone: parse_time_zone(&p.time_zone).unwrap_or(chrono_tz::UTC),
                quiet: QuietHours::parse(&p.quiet_hours_start, &p.quiet_hours_end),
                email: p.email_reminders && confirmed.get(&p.user_id).copied().unwrap_or(false),
            };
            (p.user_id, recipient)
        })
        .collect())
}

/// The reminder a care item is owed today, if any.
pub(crate) fn owed(
    item: &care_items::Model,
    settings: &ReminderSettings,
    today: chrono::NaiveDate,
) -> Option<CareReminder> {
    let reminder = CareReminder::of_status(&item.status)?;
    if reminder == CareReminder::DueSoon
        && today < item.due_on - Duration::days(i64::from(settings.due_soon_days))
    {
        return None;
    }
    Some(reminder)
}

/// The quiet hours a message to `recipient` waits out: the clinic's and their own.
pub(crate) fn quiet_spans(settings: &ReminderSettings, recipient: &Recipient) -> Vec<QuietHours> {
    QuietHours::parse(&settings.quiet_hours_start, &settings.quiet_hours_end)
        .into_iter()
        .chain(recipient.quiet)
        .collect()
}

/// Plans the reminders owed in one clinic at `now`; returns how many rows were new.
pub async fn plan_clinic(
    db: &DatabaseConnection,
    clinic_id: i64,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let txn = db_context::begin(db, DbContext::ClinicTask(clinic_id)).await?;
    let Some(clinic) = clinics::Entity::find_by_id(clinic_id)
        .one(&txn)
        .await?
        .filter(|c| c.status == "active")
    else {
        txn.commit().await?;
        return Ok(0);
    };
    let settings = reminders_of(&txn, &clinic).await?;
    txn.commit().await?;
    if !settings.email_enabled {
        return Ok(0);
    }
    let mut planned = 0;
    let mut after = 0_i64;
    loop {
        // One transaction per batch of patients: a large clinic never holds one open long. It
        // takes its turn first (on SQLite by writing first: one that read before writing
        // could not write once another connection had committed meanwhile).
        let txn = db_context::begin(db, DbContext::ClinicTask(clinic_id)).await?;
        db_context::take_turn(&txn, Turn::Reminders, clinic_id).await?;
        let patients = next_patients(&txn, clinic_id, after).await?;
        let Some(last) = patients.last().copied() else {
            txn.commit().await?;
            break;
        };
        after = last;
        let who = recipients(&txn, clinic_id, &patients).await?;
        let items = care_items::Entity::find()
            .filter(care_items::Column::ClinicId.eq(clinic_id))
            .filter(care_items::Column::PatientId.is_in(patients))
            .filter(care_items::Column::Status.is_in(["due_soon", "due", "overdue"]))
            .all(&txn)
            .await?;
        let rows: Vec<reminders::ActiveModel> = items
            .iter()
            .filter_map(|item| {
                let recipient = who.get(&item.patient_id).filter(|r| r.email)?;
                let reminder = owed(item, &settings, local_today(now, recipient.time_zone))?;
                let not_before =
                    next_allowed(now, recipient.time_zone, &quiet_spans(&settings, recipient));
                Some(reminders::ActiveModel {
                    clinic_id: Set(clinic_id),
                    patient_id: Set(item.patient_id),
                    channel: Set(EMAIL.into()),
                    kind: Set(reminder.kind().into()),
                    idempotency_key: Set(care_key(item.id, reminder, item.due_on, EMAIL)),
                    status: Set(PENDING.into()),
                    attempts: Set(0),
                    next_attempt_at: Set(not_before),
                    created_at: Set(now),
                    care_item_id: Set(Some(item.id)),
                    ..Default::default()
                })
            })
            .collect();
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let inserted = reminders::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::column(reminders::Column::IdempotencyKey)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
            planned += inserted;
        }
        txn.commit().await?;
    }
    Ok(planned)
}

/// Plans every active clinic's reminders; a clinic that fails is logged and the rest go on.
pub async fn plan_all(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, AppError> {
    let mut planned = 0;
    for clinic in active_clinics(db).await? {
        match plan_clinic(db, clinic, now).await {
            Ok(n) => planned += n,
            Err(e) => tracing::warn!(clinic, error = %e, "planning reminders failed"),
        }
    }
    Ok(planned)
}
