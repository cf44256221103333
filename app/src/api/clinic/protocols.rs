//! The clinic's preventive-care protocols: change, add, deactivate and reactivate, each
//! re-applied to the clinic's patients.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::clinic::ClinicProtocols;

#[cfg(feature = "ssr")]
use {
    crate::api::context::{self, in_scope, in_scope_landing_on},
    crate::routes::{self, landing},
    crate::server::care::resync_job,
    crate::server::services::clinic::protocols::{self, ProtocolForm},
};

#[server(prefix = "/api", endpoint = "clinic/protocols")]
pub(crate) async fn get_clinic_protocols() -> Result<ClinicProtocols, AppError> {
    in_scope(async |scoped| protocols::list(scoped).await).await
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
    let queued = in_scope_landing_on(
        &landing(routes::clinic::PROTOCOLS, "saved"),
        async |scoped| {
            let form = ProtocolForm {
                name,
                description,
                min_age_years,
                max_age_years,
                sex,
                interval_months,
                due_soon_days,
            };
            protocols::update(scoped, id, form).await
        },
    )
    .await?;
    resync_job::start(&context::state(), queued).await;
    Ok(())
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
    let queued = in_scope_landing_on(
        &landing(routes::clinic::PROTOCOLS, "added"),
        async |scoped| {
            let form = ProtocolForm {
                name,
                description,
                min_age_years,
                max_age_years,
                sex,
                interval_months,
                due_soon_days,
            };
            protocols::add(scoped, form).await
        },
    )
    .await?;
    resync_job::start(&context::state(), [queued]).await;
    Ok(())
}

/// `active` is "true" to reactivate, anything else to deactivate.
#[server(prefix = "/api", endpoint = "clinic/protocols/active")]
pub(crate) async fn set_protocol_active(id: i64, active: String) -> Result<(), AppError> {
    let active = active == "true";
    let landing = if active {
        &landing(routes::clinic::PROTOCOLS, "reactivated")
    } else {
        &landing(routes::clinic::PROTOCOLS, "deactivated")
    };
    let queued = in_scope_landing_on(landing, async |scoped| {
        protocols::set_active(scoped, id, active).await
    })
    .await?;
    resync_job::start(&context::state(), queued).await;
    Ok(())
}
