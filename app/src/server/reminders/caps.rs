//! The caps on text messages: a clinic begins at most its `sms_daily_cap` texts in its own day
//! and its plan's `sms_per_month` in its own calendar month (each attempt counts, kept per day
//! in `text_counts`), and a patient gets at most `TEXTS_PER_PATIENT_PER_DAY` in theirs (texts
//! begun to them, found by `attempted_at`). A text
//! counts from the moment a worker begins sending it, so two workers sending at once count
//! each other's; they take turns per clinic to count and reserve (`Turn::Texts`). A text over a
//! cap waits for the next day in which it fits, when it is checked again like any other.
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::ActiveValue::Set;
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::error::AppError;
use crate::model::reminders::{Channel, DeliveryStatus};
use crate::server::db_context::{self, Turn};
use crate::server::entities::{reminders, text_counts};
use crate::server::plan_limits::{month_of, texts_this_month};

/// The most texts one patient gets from one clinic in one of their days.
pub const TEXTS_PER_PATIENT_PER_DAY: u64 = 3;

/// The start of the local day `now` falls in, and of the next one, in `zone` (a day that
/// begins in a daylight-saving gap begins at its first instant that exists).
pub(crate) fn local_day(now: DateTime<Utc>, zone: chrono_tz::Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let today = now.with_timezone(&zone).date_naive();
    (
        start_of_day(today, zone),
        start_of_day(today + Duration::days(1), zone),
    )
}

/// The first instant of `date` in `zone` that exists.
fn start_of_day(date: NaiveDate, zone: chrono_tz::Tz) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    (0..=3)
        .find_map(|hour| {
            zone.from_local_datetime(&(midnight + Duration::hours(hour)))
                .earliest()
        })
        .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
}

/// What a clinic may send: its daily cap (its settings) and monthly allowance (its plan), both
/// counted in its own time zone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextLimits {
    pub clinic_zone: chrono_tz::Tz,
    pub per_day: u32,
    pub per_month: u32,
}

/// What the caps say about sending a text now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Allowance {
    /// Reserved: it counts against both caps from now.
    Reserved,
    /// A cap is reached: not before then.
    WaitUntil(DateTime<Utc>),
}

/// Counts the texts begun today and this month in the clinic and today to each patient, and
/// reserves, in order, each of `rows` (held by `worker`) that fits under every cap, in the
/// caller's transaction. Returns each row's allowance by id.
pub(crate) async fn reserve_texts<C: ConnectionTrait>(
    conn: &C,
    rows: &[&reminders::Model],
    worker: &str,
    now: DateTime<Utc>,
    limits: TextLimits,
    patient_zone: impl Fn(i64) -> chrono_tz::Tz,
) -> Result<Vec<(i64, Allowance)>, AppError> {
    let clinic_zone = limits.clinic_zone;
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let clinic = first.clinic_id;
    db_context::take_turn(conn, Turn::Texts, clinic).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let (_, clinic_tomorrow) = local_day(now, clinic_zone);
    let today = now.with_timezone(&clinic_zone).date_naive();
    text_counts::Entity::insert(text_counts::ActiveModel {
        clinic_id: Set(clinic),
        day: Set(today),
        texts: Set(0),
    })
    .on_conflict(
        OnConflict::columns([text_counts::Column::ClinicId, text_counts::Column::Day])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    let mut clinic_count = text_counts::Entity::find_by_id((clinic, today))
        .one(conn)
        .await?
        .map_or(0, |c| u64::try_from(c.texts).unwrap_or(0));
    let mut month_count = texts_this_month(conn, clinic, now, clinic_zone).await?;
    let next_month = start_of_day(month_of(today).1, clinic_zone);
    // Each patient's count from the start of the earliest of their days (a day begins at most
    // 26 hours before now), narrowed to their own day below.
    let mut patients: Vec<i64> = rows.iter().map(|r| r.patient_id).collect();
    patients.sort_unstable();
    patients.dedup();
    let earliest = now - Duration::hours(26);
    let begun: Vec<(i64, DateTime<Utc>)> = reminders::Entity::find()
        .filter(reminders::Column::PatientId.is_in(patients))
        .filter(reminders::Column::Channel.eq(Channel::Sms))
        .filter(reminders::Column::AttemptedAt.gte(earliest))
        .filter(reminders::Column::ClinicId.eq(clinic))
        .filter(reminders::Column::Status.is_in([DeliveryStatus::Sending, DeliveryStatus::Sent]))
        .filter(reminders::Column::Id.is_not_in(ids))
        .select_only()
        .column(reminders::Column::PatientId)
        .column(reminders::Column::AttemptedAt)
        .into_tuple::<(i64, Option<DateTime<Utc>>)>()
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|(patient, at)| Some((patient, at?)))
        .collect();
    let mut per_patient: HashMap<i64, u64> = HashMap::new();
    let mut allowances = Vec::with_capacity(rows.len());
    let mut reserved = Vec::new();
    for row in rows {
        let (patient_day, patient_tomorrow) = local_day(now, patient_zone(row.patient_id));
        let to_patient = per_patient.entry(row.patient_id).or_insert_with(|| {
            begun
                .iter()
                .filter(|(p, at)| *p == row.patient_id && *at >= patient_day)
                .count() as u64
        });
        let allowance = if month_count >= u64::from(limits.per_month) {
            Allowance::WaitUntil(next_month)
        } else if clinic_count >= u64::from(limits.per_day) {
            Allowance::WaitUntil(clinic_tomorrow)
        } else if *to_patient >= TEXTS_PER_PATIENT_PER_DAY {
            Allowance::WaitUntil(patient_tomorrow)
        } else {
            month_count += 1;
            clinic_count += 1;
            *to_patient += 1;
            reserved.push(row.id);
            Allowance::Reserved
        };
        allowances.push((row.id, allowance));
    }
    if !reserved.is_empty() {
        text_counts::Entity::update_many()
            .col_expr(
                text_counts::Column::Texts,
                Expr::col(text_counts::Column::Texts).add(reserved.len() as i32),
            )
            .filter(text_counts::Column::ClinicId.eq(clinic))
            .filter(text_counts::Column::Day.eq(today))
            .exec(conn)
            .await?;
        reminders::Entity::update_many()
            .col_expr(reminders::Column::AttemptedAt, Expr::value(Some(now)))
            .filter(reminders::Column::Id.is_in(reserved))
            .filter(reminders::Column::ClaimedBy.eq(worker))
            .exec(conn)
            .await?;
    }
    Ok(allowances)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_day_is_the_zones_own_across_daylight_saving() {
        let ny = chrono_tz::America::New_York;
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            local_day(at("2026-12-01T14:00:00Z"), ny),
            (at("2026-12-01T05:00:00Z"), at("2026-12-02T05:00:00Z"))
        );
        // 1 November 2026 is 25 hours long in New York, 8 March 23.
        assert_eq!(
            local_day(at("2026-11-01T12:00:00Z"), ny),
            (at("2026-11-01T04:00:00Z"), at("2026-11-02T05:00:00Z"))
        );
        assert_eq!(
            local_day(at("2026-03-08T12:00:00Z"), ny),
            (at("2026-03-08T05:00:00Z"), at("2026-03-09T04:00:00Z"))
        );
        // Late evening in New York is already the next day in UTC.
        assert_eq!(
            local_day(at("2026-12-02T03:00:00Z"), ny).0,
            at("2026-12-01T05:00:00Z")
        );
    }
}
