//! The patient's dashboard: today's goals, the care due soonest, and the tip of the day.
use sea_orm::EntityTrait;

use crate::error::AppError;
use crate::model::patient::PatientDashboard;
use crate::server::care;
use crate::server::dates;
use crate::server::entities::users;
use crate::server::services::patient::goals::{goals_on, patient_time_zone};
use crate::server::services::public::content;
use crate::server::tenancy::{PatientId, Scoped};

/// How far ahead the dashboard looks for upcoming care.
const REMINDER_HORIZON_DAYS: u64 = 90;

pub async fn dashboard(scoped: &Scoped, patient: PatientId) -> Result<PatientDashboard, AppError> {
    let now = scoped.now();
    let conn = scoped.conn();
    let user = users::Entity::find_by_id(patient.get())
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let (tz, time_zone) = patient_time_zone(conn, patient).await?;
    let today = dates::local_today(now, tz);
    let (goals, sleep_week) = goals_on(conn, patient, today).await?;
    let horizon = today + chrono::Days::new(REMINDER_HORIZON_DAYS);
    let reminders = care::items::reminders(conn, patient.clinic(), patient.get(), today)
        .await?
        .into_iter()
        .filter(|r| r.status.is_open() || r.due_on <= horizon)
        .take(3)
        .collect();
    let tip = content::tip_of_the_day(conn, today).await?;
    Ok(PatientDashboard {
        name: user.display_name,
        today,
        time_zone,
        goals,
        reminders,
        tip,
        sleep_week,
    })
}
