//! The patient's dashboard: today's goals and the goal tracker, due care, the tip of the day and
//! how to reach their clinic.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::clinic::ClinicContact;
use crate::model::patient::{GoalProgress, PatientDashboard, TodaysGoals};

#[cfg(feature = "ssr")]
use {
    crate::api::context::in_scope,
    crate::server::permissions::Permission,
    crate::server::services::clinic::settings,
    crate::server::services::patient::{dashboard, goals},
};

#[server(prefix = "/api", endpoint = "patient/dashboard")]
pub(crate) async fn get_patient_dashboard() -> Result<PatientDashboard, AppError> {
    in_scope(async |scoped| {
        let me = scoped.own_record(Permission::OwnRecordRead).await?;
        dashboard::dashboard(scoped, me).await
    })
    .await
}

/// The patient's clinic: how to reach it and when it is open.
#[server(prefix = "/api", endpoint = "patient/clinic")]
pub(crate) async fn get_my_clinic() -> Result<ClinicContact, AppError> {
    in_scope(async |scoped| {
        let me = scoped.own_record(Permission::OwnRecordRead).await?;
        settings::contact(scoped, me).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "patient/todays_goals")]
pub(crate) async fn get_todays_goals() -> Result<TodaysGoals, AppError> {
    in_scope(async |scoped| {
        let me = scoped.own_record(Permission::OwnRecordRead).await?;
        goals::todays_goals(scoped, me).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "patient/log_goal")]
pub async fn log_goal(kind: String, date: String, value: String) -> Result<GoalProgress, AppError> {
    in_scope(async |scoped| {
        let me = scoped.own_record(Permission::OwnRecordWrite).await?;
        let entry = goals::LogEntry {
            kind: &kind,
            date: &date,
            value: &value,
        };
        goals::log(scoped, me, entry).await
    })
    .await
}
