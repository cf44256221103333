//! Wellness goals: today's progress on each goal, and logging a day's value.
use chrono::NaiveDate;
use chrono_tz::Tz;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder,
};

use crate::error::{AppError, Validator};
use crate::model::patient::{
    streak, GoalHistory, GoalProgress, GoalSeries, LogEntryView, TodaysGoals, LOG_WINDOW_DAYS,
};
use crate::model::{chart_days, DayValue, GoalKind};
use crate::server::audit::AuditEntry;
use crate::server::care;
use crate::server::dates;
use crate::server::entities::{goal_logs, goals, patient_profiles};
use crate::server::tenancy::{PatientId, Scoped};

/// How many days the goal history charts show.
const HISTORY_DAYS: u64 = 30;

/// The patient's time zone; an unreadable stored zone falls back to UTC rather than failing.
pub(super) async fn patient_time_zone<C: ConnectionTrait>(
    conn: &C,
    patient: PatientId,
) -> Result<(Tz, String), AppError> {
    let profile = patient_profiles::Entity::find()
        .filter(patient_profiles::Column::UserId.eq(patient.get()))
        .one(conn)
        .await?;
    let name = profile.map(|p| p.time_zone).unwrap_or_else(|| "UTC".into());
    match dates::parse_time_zone(&name) {
        Some(tz) => Ok((tz, name)),
        None => Ok((Tz::UTC, "UTC".into())),
    }
}

/// The part of the dashboard a logged value changes, for redrawing it.
pub(crate) async fn todays_goals(
    scoped: &Scoped,
    patient: PatientId,
) -> Result<TodaysGoals, AppError> {
    let conn = scoped.conn();
    let (tz, _) = patient_time_zone(conn, patient).await?;
    let (goals, sleep_week) = goals_on(conn, patient, dates::local_today(scoped.now(), tz)).await?;
    Ok(TodaysGoals {
        goals,
        sleep_week: chart_days(&sleep_week),
    })
}

/// Progress on each active goal on `today`, and the sleep of the 7 nights ending `today`.
pub(super) async fn goals_on<C: ConnectionTrait>(
    conn: &C,
    patient: PatientId,
    today: NaiveDate,
) -> Result<(Vec<GoalProgress>, Vec<DayValue>), AppError> {
    let targets = goals::Entity::find()
        .filter(goals::Column::PatientId.eq(patient.get()))
        .filter(goals::Column::Active.eq(true))
        .all(conn)
        .await?;
    let logs = goal_logs::Entity::find()
        .filter(goal_logs::Column::PatientId.eq(patient.get()))
        .filter(goal_logs::Column::LogDate.eq(today))
        .all(conn)
        .await?;
    let goals = GoalKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let goal = targets.iter().find(|g| g.kind == kind)?;
            let value = logs.iter().find(|l| l.kind == kind).map_or(0, |l| l.value);
            Some(GoalProgress {
                kind,
                value,
                target: goal.target,
            })
        })
        .collect();
    let sleep_week = series(conn, patient, GoalKind::Sleep, today, 7).await?;
    Ok((goals, sleep_week))
}

/// One goal's values for the `days` days ending `today`, oldest first; 0 where nothing was logged.
async fn series<C: ConnectionTrait>(
    conn: &C,
    patient: PatientId,
    kind: GoalKind,
    today: NaiveDate,
    days: u64,
) -> Result<Vec<DayValue>, AppError> {
    let from = today - chrono::Days::new(days - 1);
    let logs = goal_logs::Entity::find()
        .filter(goal_logs::Column::PatientId.eq(patient.get()))
        .filter(goal_logs::Column::Kind.eq(kind))
        .filter(goal_logs::Column::LogDate.between(from, today))
        .all(conn)
        .await?;
    Ok(from
        .iter_days()
        .take(days as usize)
        .map(|day| DayValue {
            day,
            value: logs
                .iter()
                .find(|l| l.log_date == day)
                .map_or(0, |l| l.value),
        })
        .collect())
}

/// The goal history page: 30 days of each goal with its streak, and the entries of the last
/// week the patient may still change.
pub async fn history(scoped: &Scoped, patient: PatientId) -> Result<GoalHistory, AppError> {
    let now = scoped.now();
    let conn = scoped.conn();
    let (tz, _) = patient_time_zone(conn, patient).await?;
    let today = dates::local_today(now, tz);
    let targets = goals::Entity::find()
        .filter(goals::Column::PatientId.eq(patient.get()))
        .filter(goals::Column::Active.eq(true))
        .all(conn)
        .await?;
    let mut all_series = Vec::new();
    for kind in GoalKind::ALL {
        let Some(goal) = targets.iter().find(|g| g.kind == kind) else {
            continue;
        };
        let days = series(conn, patient, kind, today, HISTORY_DAYS).await?;
        let met: Vec<bool> = days.iter().map(|d| d.value >= goal.target).collect();
        all_series.push(GoalSeries {
            kind,
            target: goal.target,
            streak: streak(&met),
            days,
        });
    }
    let earliest = today - chrono::Days::new(LOG_WINDOW_DAYS);
    let recent = goal_logs::Entity::find()
        .filter(goal_logs::Column::PatientId.eq(patient.get()))
        .filter(goal_logs::Column::LogDate.between(earliest, today))
        .order_by_desc(goal_logs::Column::LogDate)
        .order_by_asc(goal_logs::Column::Kind)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|l| {
            Some(LogEntryView {
                id: l.id,
                kind: l.kind,
                day: l.log_date,
                value: l.value,
            })
        })
        .collect();
    Ok(GoalHistory {
        today,
        series: all_series,
        recent,
    })
}

/// Sets a goal's daily target.
pub(crate) async fn set_target(
    scoped: &Scoped,
    patient: PatientId,
    kind: &str,
    target: &str,
) -> Result<(), AppError> {
    let now = scoped.now();
    let kind =
        GoalKind::parse(kind.trim()).ok_or_else(|| AppError::field("kind", "Choose a goal."))?;
    let target = match target.trim().parse::<i64>() {
        Ok(t) if (1..=kind.max_per_day()).contains(&t) => t,
        _ => {
            return Err(AppError::field(
                "target",
                format!(
                    "Enter a whole number from 1 to {} {}.",
                    kind.max_per_day(),
                    kind.unit()
                ),
            ))
        }
    };
    let conn = scoped.conn();
    let goal = goals::Entity::find()
        .filter(goals::Column::PatientId.eq(patient.get()))
        .filter(goals::Column::Kind.eq(kind))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut goal = goal.into_active_model();
    goal.target = Set(target);
    goal.updated_at = Set(now);
    goal.update(conn).await?;
    care::compliance::refresh_everywhere(conn, patient.get(), now).await?;
    let entry = AuditEntry::by(scoped.actor(), "goal.update")
        .patient(patient.get())
        .resource(format!("goal:{}", kind.as_str()));
    scoped.audit(entry).await
}

/// One of the patient's own entries that is still within the editable week.
async fn editable_entry(
    scoped: &Scoped,
    patient: PatientId,
    id: i64,
) -> Result<goal_logs::Model, AppError> {
    let now = scoped.now();
    let conn = scoped.conn();
    let entry = goal_logs::Entity::find_by_id(id)
        .filter(goal_logs::Column::PatientId.eq(patient.get()))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let (tz, _) = patient_time_zone(conn, patient).await?;
    let today = dates::local_today(now, tz);
    if entry.log_date < today - chrono::Days::new(LOG_WINDOW_DAYS) {
        return Err(AppError::Conflict(format!(
            "Entries older than {LOG_WINDOW_DAYS} days can no longer be changed."
        )));
    }
    Ok(entry)
}

/// Replaces the value of one of the last week's entries.
pub(crate) async fn update_entry(
    scoped: &Scoped,
    patient: PatientId,
    id: i64,
    value: &str,
) -> Result<(), AppError> {
    let now = scoped.now();
    let entry = editable_entry(scoped, patient, id).await?;
    let kind = entry.kind;
    let value = match value.trim().parse::<i64>() {
        Ok(v) if (0..=kind.max_per_day()).contains(&v) => v,
        _ => {
            return Err(AppError::field(
                "value",
                format!(
                    "Enter a whole number from 0 to {} {}.",
                    kind.max_per_day(),
                    kind.unit()
                ),
            ))
        }
    };
    let conn = scoped.conn();
    let resource = format!("goal_log:{}:{}", entry.kind.as_str(), entry.log_date);
    let mut entry = entry.into_active_model();
    entry.value = Set(value);
    entry.updated_at = Set(now);
    entry.update(conn).await?;
    care::compliance::refresh_everywhere(conn, patient.get(), now).await?;
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "goal_log.update")
                .patient(patient.get())
                .resource(resource),
        )
        .await
}

/// Deletes one of the last week's entries.
pub(crate) async fn delete_entry(
    scoped: &Scoped,
    patient: PatientId,
    id: i64,
) -> Result<(), AppError> {
    let now = scoped.now();
    use sea_orm::ModelTrait;
    let entry = editable_entry(scoped, patient, id).await?;
    let resource = format!("goal_log:{}:{}", entry.kind.as_str(), entry.log_date);
    let conn = scoped.conn();
    entry.delete(conn).await?;
    care::compliance::refresh_everywhere(conn, patient.get(), now).await?;
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "goal_log.delete")
                .patient(patient.get())
                .resource(resource),
        )
        .await
}

/// A goal value as typed in the tracker form.
pub struct LogEntry<'a> {
    pub kind: &'a str,
    pub date: &'a str,
    pub value: &'a str,
}

/// Records a value for one of the patient's local days: today or up to `LOG_WINDOW_DAYS` back.
/// Steps, minutes and glasses add to what the day already holds; sleep replaces it.
pub async fn log(
    scoped: &Scoped,
    patient: PatientId,
    entry: LogEntry<'_>,
) -> Result<GoalProgress, AppError> {
    let now = scoped.now();
    let conn = scoped.conn();
    let (tz, _) = patient_time_zone(conn, patient).await?;
    let today = dates::local_today(now, tz);
    let earliest = today - chrono::Days::new(LOG_WINDOW_DAYS);

    let mut v = Validator::new();
    let kind = GoalKind::parse(entry.kind.trim());
    v.check(kind.is_some(), "kind", "Choose a goal.");
    let date = match NaiveDate::parse_from_str(entry.date.trim(), "%Y-%m-%d") {
        Ok(date) if date > today => {
            v.add("date", "You cannot log a day that has not happened yet.");
            None
        }
        Ok(date) if date < earliest => {
            v.add(
                "date",
                format!("You can log values for the last {LOG_WINDOW_DAYS} days only."),
            );
            None
        }
        Ok(date) => Some(date),
        Err(_) => {
            v.add("date", "Enter a date, like 2026-11-23.");
            None
        }
    };
    let value = match entry.value.trim().parse::<i64>() {
        Ok(n) if n < 0 => {
            v.add("value", "Enter a number of zero or more.");
            None
        }
        Ok(n) => Some(n),
        Err(_) if entry.value.trim().is_empty() => {
            v.add("value", "Enter a value.");
            None
        }
        Err(_) => {
            v.add("value", "Enter a whole number, like 3500.");
            None
        }
    };
    if let (Some(kind), Some(value)) = (kind, value) {
        if value > kind.max_per_day() {
            v.add(
                "value",
                format!(
                    "That is more than {} {} in a day.",
                    kind.max_per_day(),
                    kind.unit()
                ),
            );
        }
    }
    v.finish()?;
    let (kind, date, value) = (
        kind.expect("validated"),
        date.expect("validated"),
        value.expect("validated"),
    );

    let goal = goals::Entity::find()
        .filter(goals::Column::PatientId.eq(patient.get()))
        .filter(goals::Column::Kind.eq(kind))
        .filter(goals::Column::Active.eq(true))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::field("kind", "You have no active goal of that kind."))?;

    let existing = goal_logs::Entity::find()
        .filter(goal_logs::Column::PatientId.eq(patient.get()))
        .filter(goal_logs::Column::Kind.eq(kind))
        .filter(goal_logs::Column::LogDate.eq(date))
        .one(conn)
        .await?;
    let total = match &existing {
        Some(row) if kind.entries_add_up() => row.value + value,
        _ => value,
    };
    if total > kind.max_per_day() {
        return Err(AppError::field(
            "value",
            format!(
                "That would make {total} {} on {}, more than the {} a day can hold.",
                kind.unit(),
                date.format("%-d %b"),
                kind.max_per_day()
            ),
        ));
    }
    match existing {
        Some(row) => {
            let mut row = row.into_active_model();
            row.value = Set(total);
            row.source = Set("manual".into());
            row.updated_at = Set(now);
            row.update(conn).await?;
        }
        None => {
            goal_logs::Entity::insert(goal_logs::ActiveModel {
                patient_id: Set(patient.get()),
                kind: Set(kind),
                log_date: Set(date),
                value: Set(total),
                source: Set("manual".into()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .exec(conn)
            .await?;
        }
    }
    care::compliance::refresh_everywhere(conn, patient.get(), now).await?;
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "goal_log.create")
                .patient(patient.get())
                .resource(format!("goal_log:{}:{}", kind.as_str(), date)),
        )
        .await?;
    Ok(GoalProgress {
        kind,
        value: total,
        target: goal.target,
    })
}
