//! The platform's clinics: the list, a new clinic, and each clinic's plan and status.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::platform::{ClinicDetail, ClinicList};

#[cfg(feature = "ssr")]
use {
    crate::api::context,
    crate::server::errors::{respond, respond_landing_on},
    crate::server::services::platform::clinics,
};

pub const CLINICS_PAGE: &str = "/platform/clinics";

/// A clinic's own page in the portal.
pub fn clinic_page(id: i64) -> String {
    format!("{CLINICS_PAGE}/{id}")
}

#[server(prefix = "/api", endpoint = "platform/clinics")]
pub async fn get_clinics(
    search: Option<String>,
    status: Option<String>,
    plan: Option<String>,
    page: Option<String>,
) -> Result<ClinicList, AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let query = clinics::ClinicQuery {
                search,
                status,
                plan,
                page,
            };
            let list = clinics::list(&scoped, query).await?;
            scoped.commit().await?;
            Ok(list)
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "platform/clinics/one")]
pub async fn get_clinic(id: i64) -> Result<ClinicDetail, AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let detail = clinics::detail(&scoped, id).await?;
            scoped.commit().await?;
            Ok(detail)
        }
        .await,
    )
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
    let created = async {
        let state = context::state();
        let scoped = context::scoped().await?;
        let form = clinics::NewClinic {
            name,
            code,
            time_zone,
            plan,
            admin_email,
        };
        let (id, invitation) = clinics::create(&state, &scoped, form).await?;
        scoped.commit().await?;
        invitation.send(&state);
        Ok(id)
    }
    .await;
    let landing = match &created {
        Ok(id) => format!("{}?done=created", clinic_page(*id)),
        Err(_) => CLINICS_PAGE.to_owned(),
    };
    respond_landing_on(&landing, created)
}

#[server(prefix = "/api", endpoint = "platform/clinics/plan")]
pub async fn change_clinic_plan(id: i64, plan: String) -> Result<(), AppError> {
    respond_landing_on(
        &format!("{}?done=plan", clinic_page(id)),
        async {
            let scoped = context::scoped().await?;
            clinics::change_plan(&scoped, id, &plan).await?;
            scoped.commit().await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "platform/clinics/suspend")]
pub async fn suspend_clinic(id: i64, reason: String) -> Result<(), AppError> {
    respond_landing_on(
        &format!("{}?done=suspended", clinic_page(id)),
        async {
            let scoped = context::scoped().await?;
            clinics::suspend(&scoped, id, &reason).await?;
            scoped.commit().await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "platform/clinics/reactivate")]
pub async fn reactivate_clinic(id: i64) -> Result<(), AppError> {
    respond_landing_on(
        &format!("{}?done=reactivated", clinic_page(id)),
        async {
            let scoped = context::scoped().await?;
            clinics::reactivate(&scoped, id).await?;
            scoped.commit().await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "platform/clinics/close")]
pub async fn close_clinic(id: i64, confirm_code: String) -> Result<(), AppError> {
    respond_landing_on(
        &format!("{}?done=closed", clinic_page(id)),
        async {
            let scoped = context::scoped().await?;
            clinics::close(&scoped, id, &confirm_code).await?;
            scoped.commit().await
        }
        .await,
    )
}
