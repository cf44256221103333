//! The patient portal's server functions.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{GoalProgress, PatientDashboard};

#[cfg(feature = "ssr")]
use {
    super::context, crate::server::errors::respond, crate::server::permissions::Permission,
    crate::server::request::RequestMeta, crate::server::services::goals,
};

#[server(prefix = "/api", endpoint = "patient/dashboard")]
pub async fn get_patient_dashboard() -> Result<PatientDashboard, AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let me = scoped.own_record(Permission::OwnRecordRead)?;
            let dashboard = goals::dashboard(&scoped, me, context::state().clock.now()).await?;
            scoped.commit().await?;
            Ok(dashboard)
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "patient/log_goal")]
pub async fn log_goal(kind: String, date: String, value: String) -> Result<GoalProgress, AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let me = scoped.own_record(Permission::OwnRecordWrite)?;
            let entry = goals::LogEntry {
                kind: &kind,
                date: &date,
                value: &value,
            };
            let progress = goals::log(
                &scoped,
                me,
                context::state().clock.now(),
                &RequestMeta::current(),
                entry,
            )
            .await?;
            scoped.commit().await?;
            Ok(progress)
        }
        .await,
    )
}
