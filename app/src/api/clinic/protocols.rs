//! The clinic's preventive-care protocols: change, add, deactivate and reactivate, each
//! re-applied to the clinic's patients.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::clinic::ClinicProtocols;

#[cfg(feature = "ssr")]
use {
    crate::api::context,
    crate::server::care::resync_job,
    crate::server::errors::{respond, respond_landing_on},
    crate::server::services::clinic::protocols::{self, ProtocolForm, QueuedResync},
};

pub const PROTOCOLS_PAGE: &str = "/clinic/protocols";

#[server(prefix = "/api", endpoint = "clinic/protocols")]
pub async fn get_clinic_protocols() -> Result<ClinicProtocols, AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let found = protocols::list(&scoped).await?;
            scoped.commit().await?;
            Ok(found)
        }
        .await,
    )
}

/// Starts the re-application a committed change queued.
#[cfg(feature = "ssr")]
async fn start(queued: Option<QueuedResync>) {
    let Some(q) = queued else { return };
    let state = context::state();
    resync_job::start(
        &state.db,
        &state.clock,
        state.settings.resync_wait_patients,
        q.job,
        q.patients,
        q.clinic,
    )
    .await;
}

#[server(prefix = "/api", endpoint = "clinic/protocols/save")]
#[allow(clippy::too_many_arguments)]
pub async fn save_protocol(
    id: i64,
    name: String,
    description: String,
    min_age_years: String,
    max_age_years: String,
    sex: String,
    interval_months: String,
    due_soon_days: String,
) -> Result<(), AppError> {
    respond_landing_on(
        "/clinic/protocols?done=saved",
        async {
            let scoped = context::scoped().await?;
            let form = ProtocolForm {
                name,
                description,
                min_age_years,
                max_age_years,
                sex,
                interval_months,
                due_soon_days,
            };
            let queued = protocols::update(&scoped, id, form).await?;
            scoped.commit().await?;
            start(queued).await;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "clinic/protocols/add")]
pub async fn add_protocol(
    name: String,
    description: String,
    min_age_years: String,
    max_age_years: String,
    sex: String,
    interval_months: String,
    due_soon_days: String,
) -> Result<(), AppError> {
    respond_landing_on(
        "/clinic/protocols?done=added",
        async {
            let scoped = context::scoped().await?;
            let form = ProtocolForm {
                name,
                description,
                min_age_years,
                max_age_years,
                sex,
                interval_months,
                due_soon_days,
            };
            let queued = protocols::add(&scoped, form).await?;
            scoped.commit().await?;
            start(Some(queued)).await;
            Ok(())
        }
        .await,
    )
}

/// `active` is "true" to reactivate, anything else to deactivate.
#[server(prefix = "/api", endpoint = "clinic/protocols/active")]
pub async fn set_protocol_active(id: i64, active: String) -> Result<(), AppError> {
    let active = active == "true";
    respond_landing_on(
        if active {
            "/clinic/protocols?done=reactivated"
        } else {
            "/clinic/protocols?done=deactivated"
        },
        async {
            let scoped = context::scoped().await?;
            let queued = protocols::set_active(&scoped, id, active).await?;
            scoped.commit().await?;
            start(queued).await;
            Ok(())
        }
        .await,
    )
}
