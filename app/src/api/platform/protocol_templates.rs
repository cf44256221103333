//! The platform's preventive-care protocol templates: the list, one template, adding (adopted
//! by every clinic that is not closed), changing, retiring.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::clinic::ClinicProtocol;
use crate::model::platform::ProtocolTemplates;

#[cfg(feature = "ssr")]
use {
    crate::api::context::{self, in_scope, in_scope_landing_on},
    crate::routes::{self, landing},
    crate::server::care::resync_job,
    crate::server::services::clinic::protocols::ProtocolForm,
    crate::server::services::platform::protocol_templates,
};

#[server(prefix = "/api", endpoint = "platform/protocols")]
pub(crate) async fn get_protocol_templates() -> Result<ProtocolTemplates, AppError> {
    in_scope(async |scoped| protocol_templates::list(scoped).await).await
}

#[server(prefix = "/api", endpoint = "platform/protocols/one")]
pub(crate) async fn get_protocol_template(id: i64) -> Result<ClinicProtocol, AppError> {
    in_scope(async |scoped| protocol_templates::template(scoped, id).await).await
}

#[server(prefix = "/api", endpoint = "platform/protocols/new")]
#[allow(clippy::too_many_arguments)]
pub async fn add_protocol_template(
    name: String,
    description: String,
    min_age_years: String,
    max_age_years: String,
    sex: String,
    interval_months: String,
    due_soon_days: String,
) -> Result<(), AppError> {
    let form = ProtocolForm {
        name,
        description,
        min_age_years,
        max_age_years,
        sex,
        interval_months,
        due_soon_days,
    };
    let queued = in_scope_landing_on(
        &landing(routes::platform::PROTOCOLS, "added"),
        async |scoped| protocol_templates::create(scoped, form).await,
    )
    .await?;
    resync_job::start(&context::state(), queued).await;
    Ok(())
}

#[server(prefix = "/api", endpoint = "platform/protocols/save")]
#[allow(clippy::too_many_arguments)]
pub async fn save_protocol_template(
    id: i64,
    name: String,
    description: String,
    min_age_years: String,
    max_age_years: String,
    sex: String,
    interval_months: String,
    due_soon_days: String,
) -> Result<(), AppError> {
    let form = ProtocolForm {
        name,
        description,
        min_age_years,
        max_age_years,
        sex,
        interval_months,
        due_soon_days,
    };
    in_scope_landing_on(
        &landing(routes::platform::PROTOCOLS, "saved"),
        async |scoped| protocol_templates::update(scoped, id, form).await,
    )
    .await
}

/// Retires a template (`active` = "false") or brings it back.
#[server(prefix = "/api", endpoint = "platform/protocols/active")]
pub(crate) async fn set_protocol_template_active(id: i64, active: String) -> Result<(), AppError> {
    let active = active == "true";
    let done = if active { "restored" } else { "retired" };
    in_scope_landing_on(
        &landing(routes::platform::PROTOCOLS, done),
        async |scoped| protocol_templates::set_active(scoped, id, active).await,
    )
    .await
}
