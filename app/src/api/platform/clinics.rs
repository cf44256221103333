//! The platform's clinics: the list, a new clinic, and each clinic's plan and status.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::platform::{ClinicDetail, ClinicList, ClinicQuery};

#[cfg(feature = "ssr")]
use {
    crate::api::context::{self, in_scope, in_scope_landing_on},
    crate::routes,
    crate::server::errors::respond_landing_on,
    crate::server::services::platform::clinics,
};

#[server(prefix = "/api", endpoint = "platform/clinics")]
pub(crate) async fn get_clinics(
    #[server(flatten)] query: ClinicQuery,
) -> Result<ClinicList, AppError> {
    in_scope(async |scoped| clinics::list(scoped, query).await).await
}

#[server(prefix = "/api", endpoint = "platform/clinics/one")]
pub(crate) async fn get_clinic(id: i64) -> Result<ClinicDetail, AppError> {
    in_scope(async |scoped| clinics::detail(scoped, id).await).await
}

/// Creates a clinic and invites its first admin; the new clinic's id.
#[server(prefix = "/api", endpoint = "platform/clinics/new")]
pub async fn create_clinic(
    name: String,
    code: String,
    time_zone: String,
    plan: String,
    admin_email: String,
) -> Result<i64, AppError> {
    let state = context::state();
    let form = clinics::NewClinic {
        name,
        code,
        time_zone,
        plan,
        admin_email,
    };
    let (id, invitation) =
        in_scope(async |scoped| clinics::create(&state, scoped, form).await).await?;
    invitation.send(&state);
    respond_landing_on(
        &format!("{}?done=created", routes::platform::clinic(id)),
        Ok(id),
    )
}

#[server(prefix = "/api", endpoint = "platform/clinics/plan")]
pub(crate) async fn change_clinic_plan(id: i64, plan: String) -> Result<(), AppError> {
    in_scope_landing_on(
        &format!("{}?done=plan", routes::platform::clinic(id)),
        async |scoped| clinics::change_plan(scoped, id, &plan).await,
    )
    .await
}

#[server(prefix = "/api", endpoint = "platform/clinics/suspend")]
pub async fn suspend_clinic(id: i64, reason: String) -> Result<(), AppError> {
    in_scope_landing_on(
        &format!("{}?done=suspended", routes::platform::clinic(id)),
        async |scoped| clinics::suspend(scoped, id, &reason).await,
    )
    .await
}

#[server(prefix = "/api", endpoint = "platform/clinics/reactivate")]
pub(crate) async fn reactivate_clinic(id: i64) -> Result<(), AppError> {
    in_scope_landing_on(
        &format!("{}?done=reactivated", routes::platform::clinic(id)),
        async |scoped| clinics::reactivate(scoped, id).await,
    )
    .await
}

#[server(prefix = "/api", endpoint = "platform/clinics/close")]
pub(crate) async fn close_clinic(id: i64, confirm_code: String) -> Result<(), AppError> {
    in_scope_landing_on(
        &format!("{}?done=closed", routes::platform::clinic(id)),
        async |scoped| clinics::close(scoped, id, &confirm_code).await,
    )
    .await
}
