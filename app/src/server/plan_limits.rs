//! A clinic's plan and the limits it sets, checked where they bite: provider seats when staff
//! are invited or given a role that reads patients (`services::clinic::require_free_seat`),
//! patients when they are enrolled by the clinic, register themselves or accept an invitation
//! (`patient_room`), and texts when the worker sends them (`reminders::caps`). Each refusal
//! names the limit and the plan.
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::error::AppError;
use crate::model::platform::thousands;
use crate::model::Role;
use crate::server::db_context::{self, Turn};
use crate::server::entities::{clinics, invitations, memberships, plans, text_counts};

/// The plan `clinic` is on.
pub(crate) async fn plan_of<C: ConnectionTrait>(
    conn: &C,
    clinic: &clinics::Model,
) -> Result<plans::Model, AppError> {
    plans::Entity::find_by_id(clinic.plan.clone())
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Patients enrolled in the clinic now (active patient memberships).
pub(crate) async fn enrolled_patients<C: ConnectionTrait>(
    conn: &C,
    clinic: i64,
) -> Result<u64, AppError> {
    Ok(memberships::Entity::find()
        .filter(memberships::Column::ClinicId.eq(clinic))
        .filter(memberships::Column::Role.eq(Role::Patient))
        .filter(memberships::Column::DeactivatedAt.is_null())
        .count(conn)
        .await?)
}

/// A clinic's plan has no room for more patients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PatientsFull {
    pub clinic: String,
    pub plan: String,
    pub limit: u64,
    pub enrolled: u64,
    /// Open invitations to join as a patient: each holds a place, as a staff invitation holds
    /// a seat.
    pub invited: u64,
    pub adding: u64,
}

impl PatientsFull {
    /// For the clinic's staff enrolling patients.
    pub(crate) fn for_staff(&self) -> String {
        let invited = match self.invited {
            0 => String::new(),
            1 => " and 1 is invited".to_owned(),
            n => format!(" and {} are invited", thousands(n)),
        };
        format!(
            "{}'s plan ({}) allows {} patients and {} are enrolled{invited}, so {} more cannot be. \
             Discharge patients, withdraw invitations, or ask the platform team to change the plan.",
            self.clinic,
            self.plan,
            thousands(self.limit),
            thousands(self.enrolled),
            thousands(self.adding),
        )
    }

    /// For someone joining as a patient, who can do nothing about the plan.
    pub(crate) fn for_patient(&self) -> String {
        format!(
            "{} cannot take new patients in the portal at the moment. Please contact the clinic.",
            self.clinic
        )
    }
}

/// Whether `clinic`'s plan has room for `adding` more patients, beside those enrolled and those
/// with an open invitation at `now`. Enrolments take turns per
/// clinic from here to the end of the transaction, so that two at once cannot both take the
/// last place; the caller must be in a context that counts the clinic's patients (its staff,
/// or its own task).
pub(crate) async fn patient_room<C: ConnectionTrait>(
    conn: &C,
    clinic: &clinics::Model,
    adding: u64,
    now: DateTime<Utc>,
) -> Result<Result<(), PatientsFull>, AppError> {
    if adding == 0 {
        return Ok(Ok(()));
    }
    db_context::take_turn(conn, Turn::Enrolment, clinic.id).await?;
    let plan = plan_of(conn, clinic).await?;
    let limit = u64::try_from(plan.patient_limit).unwrap_or(0);
    let enrolled = enrolled_patients(conn, clinic.id).await?;
    let invited = invitations::Entity::find()
        .filter(invitations::Column::ClinicId.eq(clinic.id))
        .filter(invitations::Column::Role.eq(Role::Patient))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::WithdrawnAt.is_null())
        .filter(invitations::Column::ExpiresAt.gt(now))
        .count(conn)
        .await?;
    if enrolled + invited + adding <= limit {
        return Ok(Ok(()));
    }
    Ok(Err(PatientsFull {
        clinic: clinic.name.clone(),
        plan: plan.name,
        limit,
        enrolled,
        invited,
        adding,
    }))
}

/// The first day of the month `day` is in, and of the next month.
pub(crate) fn month_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = day.with_day(1).unwrap_or(day);
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    (first, next.unwrap_or(first))
}

/// Texts the clinic has begun in the calendar month (its own time zone) that `now` falls in.
pub(crate) async fn texts_this_month<C: ConnectionTrait>(
    conn: &C,
    clinic: i64,
    now: DateTime<Utc>,
    clinic_zone: chrono_tz::Tz,
) -> Result<u64, AppError> {
    let (first, next) = month_of(now.with_timezone(&clinic_zone).date_naive());
    let days = text_counts::Entity::find()
        .filter(text_counts::Column::ClinicId.eq(clinic))
        .filter(text_counts::Column::Day.gte(first))
        .filter(text_counts::Column::Day.lt(next))
        .all(conn)
        .await?;
    Ok(days
        .iter()
        .map(|d| u64::try_from(d.texts).unwrap_or(0))
        .sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_runs_to_the_first_of_the_next() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            month_of(day(2026, 12, 15)),
            (day(2026, 12, 1), day(2027, 1, 1))
        );
        assert_eq!(
            month_of(day(2026, 2, 28)),
            (day(2026, 2, 1), day(2026, 3, 1))
        );
        assert_eq!(
            month_of(day(2026, 11, 1)),
            (day(2026, 11, 1), day(2026, 12, 1))
        );
    }
}
