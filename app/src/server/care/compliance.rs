//! A patient's compliance: the worst open care item and goal adherence over the last 7 days,
//! turned into the label and reason a provider sees; kept in `patient_compliance`.
use std::collections::HashMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::items::{patient_today, protocols_of, reminder};
use crate::error::AppError;
use crate::model::{CareStatus, ComplianceLabel, Reminder, Role};
use crate::server::dates;
use crate::server::entities::{
    care_items, goal_logs, goals, memberships, patient_compliance, patient_profiles, users,
};

/// Days, counting today, over which goal adherence is judged.
pub(crate) const WINDOW_DAYS: u64 = 7;
/// All active goals met on at least this many of them is "Goal met".
pub(crate) const DAYS_FOR_GOAL_MET: u32 = 5;

/// The label and its reason. `worst` is the patient's worst open care item, if any.
pub(crate) fn assess(
    worst: Option<&Reminder>,
    days_all_goals_met: u32,
) -> (ComplianceLabel, String) {
    let day = |d: NaiveDate| d.format("%-d %b %Y").to_string();
    match worst {
        Some(r) if r.status == CareStatus::Overdue => (
            ComplianceLabel::MissedCheckup,
            format!("{} overdue since {}", r.name, day(r.due_on)),
        ),
        Some(r) if r.status.is_open() => (
            ComplianceLabel::DueSoon,
            format!("{} due {}", r.name, day(r.due_on)),
        ),
        _ => {
            let reason =
                format!("All goals met on {days_all_goals_met} of the last {WINDOW_DAYS} days");
            if days_all_goals_met >= DAYS_FOR_GOAL_MET {
                (ComplianceLabel::GoalMet, reason)
            } else {
                (ComplianceLabel::GoalsMissed, reason)
            }
        }
    }
}

/// On how many of the `WINDOW_DAYS` days ending `today` every one of the patient's `active`
/// goals was met, judged from their `logs` (other days' logs are ignored).
pub(crate) fn days_all_goals_met(
    active: &[&goals::Model],
    logs: &[&goal_logs::Model],
    today: NaiveDate,
) -> u32 {
    if active.is_empty() {
        return 0;
    }
    let from = today - Days::new(WINDOW_DAYS - 1);
    let met_on = |day: NaiveDate| {
        active.iter().all(|goal| {
            logs.iter()
                .any(|l| l.log_date == day && l.kind == goal.kind && l.value >= goal.target)
        })
    };
    from.iter_days()
        .take(WINDOW_DAYS as usize)
        .filter(|d| met_on(*d))
        .count() as u32
}

/// Recomputes and stores one patient's compliance in one clinic.
pub async fn refresh<C: ConnectionTrait>(
    conn: &C,
    clinic_id: i64,
    patient_id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    refresh_many(conn, clinic_id, &[patient_id], now).await
}

/// Recomputes and stores the compliance of `patients` in one clinic, each for the day it is
/// in their own time zone, with the same six reads and one upsert however many they are. The
/// snapshot carries the patient's current name, for the provider's list.
/// Only the clinic's own care items count: another clinic the patient is enrolled in keeps
/// its own label.
pub(crate) async fn refresh_many<C: ConnectionTrait>(
    conn: &C,
    clinic_id: i64,
    patients: &[i64],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if patients.is_empty() {
        return Ok(());
    }
    let zones: HashMap<i64, Tz> = patient_profiles::Entity::find()
        .filter(patient_profiles::Column::UserId.is_in(patients.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| {
            (
                p.user_id,
                dates::parse_time_zone(&p.time_zone).unwrap_or(Tz::UTC),
            )
        })
        .collect();
    let names: HashMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(patients.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let today_of =
        |patient: i64| dates::local_today(now, zones.get(&patient).copied().unwrap_or(Tz::UTC));
    let items = care_items::Entity::find()
        .filter(care_items::Column::ClinicId.eq(clinic_id))
        .filter(care_items::Column::PatientId.is_in(patients.iter().copied()))
        .filter(care_items::Column::Status.ne(CareStatus::NotApplicable))
        .all(conn)
        .await?;
    let protocols = protocols_of(conn, &items).await?;
    let active_goals = goals::Entity::find()
        .filter(goals::Column::PatientId.is_in(patients.iter().copied()))
        .filter(goals::Column::Active.eq(true))
        .all(conn)
        .await?;
    // Local days differ by at most one across zones; read the window around all of them.
    let todays: Vec<NaiveDate> = patients.iter().map(|p| today_of(*p)).collect();
    let (first, last) = (
        todays.iter().min().copied().expect("patients is not empty"),
        todays.iter().max().copied().expect("patients is not empty"),
    );
    let logs = goal_logs::Entity::find()
        .filter(goal_logs::Column::PatientId.is_in(patients.iter().copied()))
        .filter(goal_logs::Column::LogDate.between(first - Days::new(WINDOW_DAYS - 1), last))
        .all(conn)
        .await?;

    // Each patient's rows, found once rather than by scanning the batch per patient.
    let items = by_patient(&items, |i| i.patient_id);
    let active_goals = by_patient(&active_goals, |g| g.patient_id);
    let logs = by_patient(&logs, |l| l.patient_id);
    let rows = patients.iter().zip(&todays).map(|(&patient_id, &today)| {
        let worst = items
            .get(&patient_id)
            .into_iter()
            .flatten()
            .filter_map(|i| reminder(i, &protocols, today))
            .filter(|r| r.status.is_open())
            .max_by_key(|r| (r.status, std::cmp::Reverse(r.due_on)));
        let (no_goals, no_logs) = (Vec::new(), Vec::new());
        let goals = active_goals.get(&patient_id).unwrap_or(&no_goals);
        let logs = logs.get(&patient_id).unwrap_or(&no_logs);
        let days = days_all_goals_met(goals, logs, today);
        let (label, reason) = assess(worst.as_ref(), days);
        patient_compliance::ActiveModel {
            clinic_id: Set(clinic_id),
            patient_id: Set(patient_id),
            patient_name: Set(names.get(&patient_id).cloned().unwrap_or_default()),
            label: Set(label),
            rank: Set(label.rank()),
            reason: Set(reason),
            days_met: Set(days as i32),
            computed_on: Set(today),
            updated_at: Set(now),
            ..Default::default()
        }
    });
    patient_compliance::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([
                patient_compliance::Column::ClinicId,
                patient_compliance::Column::PatientId,
            ])
            .update_columns([
                patient_compliance::Column::PatientName,
                patient_compliance::Column::Label,
                patient_compliance::Column::Rank,
                patient_compliance::Column::Reason,
                patient_compliance::Column::DaysMet,
                patient_compliance::Column::ComputedOn,
                patient_compliance::Column::UpdatedAt,
            ])
            .to_owned(),
        )
        .exec(conn)
        .await?;
    Ok(())
}

/// Rows grouped by the patient they belong to.
fn by_patient<T>(rows: &[T], patient_of: impl Fn(&T) -> i64) -> HashMap<i64, Vec<&T>> {
    let mut grouped: HashMap<i64, Vec<&T>> = HashMap::new();
    for row in rows {
        grouped.entry(patient_of(row)).or_default().push(row);
    }
    grouped
}

/// Patients refreshed per batch by `refresh_clinic`: bounded memory and statement size.
const BATCH: u64 = 500;

/// What the daily refresh of one clinic changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClinicRefresh {
    pub statuses_changed: u64,
    pub patients_refreshed: u64,
}

/// Brings a clinic's care-item statuses and every patient's compliance up to date with the
/// calendar: statuses by one UPDATE per time zone, compliance in batches of `BATCH` patients.
/// The hourly task runs it for every clinic; it is cheap to run again.
pub(crate) async fn refresh_clinic<C: ConnectionTrait>(
    conn: &C,
    clinic_id: i64,
    now: DateTime<Utc>,
) -> Result<ClinicRefresh, AppError> {
    let statuses_changed = super::items::recompute_statuses(conn, clinic_id, now).await?;
    let mut patients_refreshed = 0;
    let mut after = 0i64;
    loop {
        let batch: Vec<i64> = memberships::Entity::find()
            .select_only()
            .column(memberships::Column::UserId)
            .filter(memberships::Column::ClinicId.eq(clinic_id))
            .filter(memberships::Column::Role.eq(Role::Patient))
            // A discharged patient's care is left as it was at discharge.
            .filter(memberships::Column::DeactivatedAt.is_null())
            .filter(memberships::Column::UserId.gt(after))
            .order_by_asc(memberships::Column::UserId)
            .limit(BATCH)
            .into_tuple()
            .all(conn)
            .await?;
        let Some(&last) = batch.last() else { break };
        refresh_many(conn, clinic_id, &batch, now).await?;
        patients_refreshed += batch.len() as u64;
        after = last;
    }
    Ok(ClinicRefresh {
        statuses_changed,
        patients_refreshed,
    })
}

/// Refreshes the patient's compliance in every clinic they are enrolled in (goals are the
/// patient's own, so a goal log changes all of them).
pub(crate) async fn refresh_everywhere<C: ConnectionTrait>(
    conn: &C,
    patient_id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let clinics: Vec<i64> = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(patient_id))
        .filter(memberships::Column::Role.eq(Role::Patient))
        // A discharged patient's care is left as it was at discharge.
        .filter(memberships::Column::DeactivatedAt.is_null())
        .all(conn)
        .await?
        .into_iter()
        .map(|m| m.clinic_id)
        .collect();
    for clinic_id in clinics {
        refresh(conn, clinic_id, patient_id, now).await?;
    }
    Ok(())
}

/// Re-applies the clinic's protocols to its patients and refreshes their compliance: every
/// patient after a protocol changed (`only_stale = false`), or those whose stored compliance
/// is from an earlier local day (ages change on birthdays, statuses with the date).
pub async fn resync_clinic<C: ConnectionTrait>(
    conn: &C,
    clinic_id: i64,
    now: DateTime<Utc>,
    only_stale: bool,
) -> Result<u64, AppError> {
    let patients: Vec<i64> = memberships::Entity::find()
        .filter(memberships::Column::ClinicId.eq(clinic_id))
        .filter(memberships::Column::Role.eq(Role::Patient))
        // A discharged patient's care is left as it was at discharge.
        .filter(memberships::Column::DeactivatedAt.is_null())
        .all(conn)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    let stored = patient_compliance::Entity::find()
        .filter(patient_compliance::Column::ClinicId.eq(clinic_id))
        .all(conn)
        .await?;
    let mut resynced = Vec::new();
    for patient_id in patients {
        let today = patient_today(conn, patient_id, now).await?;
        let current = stored
            .iter()
            .any(|c| c.patient_id == patient_id && c.computed_on == today);
        if only_stale && current {
            continue;
        }
        super::items::sync_patient(conn, clinic_id, patient_id, today, now).await?;
        resynced.push(patient_id);
    }
    for batch in resynced.chunks(BATCH as usize) {
        refresh_many(conn, clinic_id, batch, now).await?;
    }
    Ok(resynced.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reminder(status: CareStatus) -> Reminder {
        Reminder {
            item_id: 1,
            name: "Annual blood test".into(),
            due_on: NaiveDate::from_ymd_opt(2027, 1, 2).unwrap(),
            status,
        }
    }

    #[test]
    fn an_overdue_item_outweighs_everything() {
        let (label, reason) = assess(Some(&reminder(CareStatus::Overdue)), 7);
        assert_eq!(label, ComplianceLabel::MissedCheckup);
        assert_eq!(reason, "Annual blood test overdue since 2 Jan 2027");
    }

    #[test]
    fn due_and_due_soon_items_are_due_soon() {
        assert_eq!(
            assess(Some(&reminder(CareStatus::Due)), 7).0,
            ComplianceLabel::DueSoon
        );
        let (label, reason) = assess(Some(&reminder(CareStatus::DueSoon)), 0);
        assert_eq!(label, ComplianceLabel::DueSoon);
        assert_eq!(reason, "Annual blood test due 2 Jan 2027");
    }

    #[test]
    fn goals_decide_when_care_is_in_order() {
        assert_eq!(
            assess(None, 5),
            (
                ComplianceLabel::GoalMet,
                "All goals met on 5 of the last 7 days".into()
            )
        );
        assert_eq!(assess(None, 4).0, ComplianceLabel::GoalsMissed);
        assert_eq!(
            assess(Some(&reminder(CareStatus::Completed)), 4).0,
            ComplianceLabel::GoalsMissed
        );
    }
}
