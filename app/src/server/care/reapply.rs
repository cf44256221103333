//! Re-applying one changed protocol to a clinic's patients. Dates move in a few set-based
//! statements (one per distinct completion or due day); eligibility (age range, sex, active) is
//! decided in batches of patients, each batch with a bounded number of statements, so a clinic of
//! 100,000 patients takes a few hundred statements, not one per patient.
use std::collections::HashMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::rules::{self, Rule};
use crate::error::AppError;
use crate::model::{CareStatus, Role};
use crate::server::dates;
use crate::server::entities::{care_items, care_protocols, memberships, patient_profiles};

/// Patients decided per batch: bounded memory and statement size.
pub const BATCH: u64 = 500;

/// The clinic's enrolled patients, counted for progress.
pub(crate) async fn patient_count<C: ConnectionTrait>(
    conn: &C,
    clinic: i64,
) -> Result<u64, AppError> {
    Ok(patients(clinic).count(conn).await?)
}

fn patients(clinic: i64) -> sea_orm::Select<memberships::Entity> {
    memberships::Entity::find()
        .filter(memberships::Column::ClinicId.eq(clinic))
        .filter(memberships::Column::Role.eq(Role::Patient))
        // A discharged patient's care is left as it was at discharge.
        .filter(memberships::Column::DeactivatedAt.is_null())
}

/// The next batch of the clinic's patients after patient id `after`, in id order.
pub(crate) async fn next_patients<C: ConnectionTrait>(
    conn: &C,
    clinic: i64,
    after: i64,
) -> Result<Vec<i64>, AppError> {
    Ok(patients(clinic)
        .select_only()
        .column(memberships::Column::UserId)
        .filter(memberships::Column::UserId.gt(after))
        .order_by_asc(memberships::Column::UserId)
        .limit(BATCH)
        .into_tuple()
        .all(conn)
        .await?)
}

/// Moves every item of the protocol to its current interval and due-soon window: an item
/// completed on day d is due one interval after d; an item never completed stays due on the day
/// it was created. Then every status of the clinic follows the calendar again.
pub(crate) async fn move_dates<C: ConnectionTrait>(
    conn: &C,
    protocol: &care_protocols::Model,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let rule = Rule::from(protocol);
    let soon = Days::new(u64::from(rule.due_soon_days));
    let of_protocol = || {
        care_items::Entity::update_many()
            .col_expr(care_items::Column::UpdatedAt, Expr::value(now))
            .filter(care_items::Column::ProtocolId.eq(protocol.id))
    };
    let completions: Vec<NaiveDate> = care_items::Entity::find()
        .select_only()
        .column(care_items::Column::LastCompletedOn)
        .distinct()
        .filter(care_items::Column::ProtocolId.eq(protocol.id))
        .filter(care_items::Column::LastCompletedOn.is_not_null())
        .into_tuple()
        .all(conn)
        .await?;
    for completed in completions {
        let due = rules::due_on(&rule, Some(completed), completed);
        of_protocol()
            .col_expr(care_items::Column::DueOn, Expr::value(due))
            .col_expr(care_items::Column::DueSoonFrom, Expr::value(due - soon))
            .filter(care_items::Column::LastCompletedOn.eq(completed))
            .filter(
                Condition::any()
                    .add(care_items::Column::DueOn.ne(due))
                    .add(care_items::Column::DueSoonFrom.ne(due - soon)),
            )
            .exec(conn)
            .await?;
    }
    let never_completed: Vec<NaiveDate> = care_items::Entity::find()
        .select_only()
        .column(care_items::Column::DueOn)
        .distinct()
        .filter(care_items::Column::ProtocolId.eq(protocol.id))
        .filter(care_items::Column::LastCompletedOn.is_null())
        .into_tuple()
        .all(conn)
        .await?;
    for due in never_completed {
        of_protocol()
            .col_expr(care_items::Column::DueSoonFrom, Expr::value(due - soon))
            .filter(care_items::Column::LastCompletedOn.is_null())
            .filter(care_items::Column::DueOn.eq(due))
            .filter(care_items::Column::DueSoonFrom.ne(due - soon))
            .exec(conn)
            .await?;
    }
    let clinic = protocol.clinic_id.ok_or(AppError::NotFound)?;
    super::items::recompute_statuses(conn, clinic, now).await?;
    Ok(())
}

/// Decides for `patients` whether the protocol applies to them today (in their own time zone):
/// a patient it newly applies to gets an item, due at once; an item it no longer applies to (or
/// whose protocol is inactive) becomes `not_applicable`; one it applies to again gets its status
/// back. Their compliance is the caller's to refresh (once, after every protocol it applies).
pub(crate) async fn apply_to_patients<C: ConnectionTrait>(
    conn: &C,
    protocol: &care_protocols::Model,
    patients: &[i64],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if patients.is_empty() {
        return Ok(());
    }
    let clinic = protocol.clinic_id.ok_or(AppError::NotFound)?;
    let rule = Rule::from(protocol);
    let profiles: HashMap<i64, patient_profiles::Model> = patient_profiles::Entity::find()
        .filter(patient_profiles::Column::UserId.is_in(patients.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.user_id, p))
        .collect();
    let items: HashMap<i64, care_items::Model> = care_items::Entity::find()
        .filter(care_items::Column::ClinicId.eq(clinic))
        .filter(care_items::Column::ProtocolId.eq(protocol.id))
        .filter(care_items::Column::PatientId.is_in(patients.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|i| (i.patient_id, i))
        .collect();
    let mut created = Vec::new();
    let mut statuses: HashMap<CareStatus, Vec<i64>> = HashMap::new();
    for &patient in patients {
        let profile = profiles.get(&patient);
        let today = dates::local_today(
            now,
            profile
                .and_then(|p| dates::parse_time_zone(&p.time_zone))
                .unwrap_or(chrono_tz::Tz::UTC),
        );
        let applies = protocol.active
            && rules::eligible(
                &rule,
                profile.and_then(|p| p.date_of_birth),
                profile.and_then(|p| p.sex),
                today,
            );
        match (items.get(&patient), applies) {
            (None, false) => {}
            (None, true) => {
                let due_on = rules::due_on(&rule, None, today);
                created.push(care_items::ActiveModel {
                    clinic_id: Set(clinic),
                    patient_id: Set(patient),
                    protocol_id: Set(protocol.id),
                    due_on: Set(due_on),
                    due_soon_from: Set(due_on - Days::new(u64::from(rule.due_soon_days))),
                    last_completed_on: Set(None),
                    status: Set(rules::status(&rule, due_on, None, today)),
                    updated_at: Set(now),
                    ..Default::default()
                });
            }
            (Some(item), applies) => {
                let status = if applies {
                    rules::status(&rule, item.due_on, item.last_completed_on, today)
                } else {
                    CareStatus::NotApplicable
                };
                if item.status != status {
                    statuses.entry(status).or_default().push(item.id);
                }
            }
        }
    }
    if !created.is_empty() {
        care_items::Entity::insert_many(created).exec(conn).await?;
    }
    for (status, ids) in statuses {
        care_items::Entity::update_many()
            .col_expr(care_items::Column::Status, Expr::value(status))
            .col_expr(care_items::Column::UpdatedAt, Expr::value(now))
            .filter(care_items::Column::Id.is_in(ids))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// One protocol decided for `patients`, and their compliance refreshed.
pub(crate) async fn reapply_to_patients<C: ConnectionTrait>(
    conn: &C,
    protocol: &care_protocols::Model,
    patients: &[i64],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let clinic = protocol.clinic_id.ok_or(AppError::NotFound)?;
    apply_to_patients(conn, protocol, patients, now).await?;
    super::compliance::refresh_many(conn, clinic, patients, now).await
}
