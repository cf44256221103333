//! A patient's compliance: the worst open care item and goal adherence over the last 7 days,
//! turned into the label and reason a provider sees; kept in `patient_compliance`.
use chrono::{DateTime, Days, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::items::{patient_today, reminders};
use crate::error::AppError;
use crate::model::{CareStatus, ComplianceLabel, Reminder, Role};
use crate::server::entities::{goal_logs, goals, memberships, patient_compliance};

/// Days, counting today, over which goal adherence is judged.
pub const WINDOW_DAYS: u64 = 7;
/// All active goals met on at least this many of them is "Goal met".
pub const DAYS_FOR_GOAL_MET: u32 = 5;

/// The label and its reason. `worst` is the patient's worst open care item, if any.
pub fn assess(worst: Option<&Reminder>, days_all_goals_met: u32) -> (ComplianceLabel, String) {
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

/// On how many of the `WINDOW_DAYS` days ending `today` every active goal was met.
pub async fn days_all_goals_met<C: ConnectionTrait>(
    conn: &C,
    patient_id: i64,
    today: NaiveDate,
) -> Result<u32, AppError> {
    let active = goals::Entity::find()
        .filter(goals::Column::PatientId.eq(patient_id))
        .filter(goals::Column::Active.eq(true))
        .all(conn)
        .await?;
    if active.is_empty() {
        return Ok(0);
    }
    let from = today - Days::new(WINDOW_DAYS - 1);
    let logs = goal_logs::Entity::find()
        .filter(goal_logs::Column::PatientId.eq(patient_id))
        .filter(goal_logs::Column::LogDate.between(from, today))
        .all(conn)
        .await?;
    let met_on = |day: NaiveDate| {
        active.iter().all(|goal| {
            logs.iter()
                .any(|l| l.log_date == day && l.kind == goal.kind && l.value >= goal.target)
        })
    };
    Ok(from
        .iter_days()
        .take(WINDOW_DAYS as usize)
        .filter(|d| met_on(*d))
        .count() as u32)
}

/// Recomputes and stores one patient's compliance in one clinic.
pub async fn refresh<C: ConnectionTrait>(
    conn: &C,
    clinic_id: i64,
    patient_id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let today = patient_today(conn, patient_id, now).await?;
    let items = reminders(conn, patient_id, today).await?;
    let worst = items
        .iter()
        .filter(|r| r.status.is_open())
        .max_by_key(|r| (r.status, std::cmp::Reverse(r.due_on)));
    let days = days_all_goals_met(conn, patient_id, today).await?;
    let (label, reason) = assess(worst, days);
    patient_compliance::Entity::insert(patient_compliance::ActiveModel {
        clinic_id: Set(clinic_id),
        patient_id: Set(patient_id),
        label: Set(label.as_str().into()),
        rank: Set(label.rank()),
        reason: Set(reason),
        days_met: Set(days as i32),
        computed_on: Set(today),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            patient_compliance::Column::ClinicId,
            patient_compliance::Column::PatientId,
        ])
        .update_columns([
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

/// Refreshes the patient's compliance in every clinic they are enrolled in (goals are the
/// patient's own, so a goal log changes all of them).
pub async fn refresh_everywhere<C: ConnectionTrait>(
    conn: &C,
    patient_id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let clinics: Vec<i64> = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(patient_id))
        .filter(memberships::Column::Role.eq(Role::Patient.as_str()))
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
/// patient after a protocol changed (`only_stale = false`), or, once a local day, those whose
/// stored compliance is from an earlier day (ages change on birthdays, statuses with the date).
pub async fn resync_clinic<C: ConnectionTrait>(
    conn: &C,
    clinic_id: i64,
    now: DateTime<Utc>,
    only_stale: bool,
) -> Result<u64, AppError> {
    let patients: Vec<i64> = memberships::Entity::find()
        .filter(memberships::Column::ClinicId.eq(clinic_id))
        .filter(memberships::Column::Role.eq(Role::Patient.as_str()))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    let stored = patient_compliance::Entity::find()
        .filter(patient_compliance::Column::ClinicId.eq(clinic_id))
        .all(conn)
        .await?;
    let mut refreshed = 0;
    for patient_id in patients {
        let today = patient_today(conn, patient_id, now).await?;
        let current = stored
            .iter()
            .any(|c| c.patient_id == patient_id && c.computed_on == today);
        if only_stale && current {
            continue;
        }
        super::items::sync_patient(conn, clinic_id, patient_id, today, now).await?;
        refresh(conn, clinic_id, patient_id, now).await?;
        refreshed += 1;
    }
    Ok(refreshed)
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
