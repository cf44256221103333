//! The clinic's staff: the list, role changes, deactivation.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::clinic::StaffDirectory;

#[cfg(feature = "ssr")]
use {
    crate::api::context,
    crate::server::errors::{respond, respond_landing_on},
    crate::server::services::clinic::staff,
};

/// The staff page, where its forms land; `done` says what happened.
pub const STAFF_PAGE: &str = "/clinic/staff";

#[server(prefix = "/api", endpoint = "clinic/staff")]
pub async fn get_clinic_staff() -> Result<StaffDirectory, AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let directory = staff::directory(&scoped).await?;
            scoped.commit().await?;
            Ok(directory)
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "clinic/staff/role")]
pub async fn change_staff_role(membership_id: i64, role: String) -> Result<(), AppError> {
    respond_landing_on(
        "/clinic/staff?done=role",
        async {
            let scoped = context::scoped().await?;
            staff::change_role(&scoped, membership_id, &role).await?;
            scoped.commit().await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "clinic/staff/deactivate")]
pub async fn deactivate_staff(membership_id: i64) -> Result<(), AppError> {
    respond_landing_on(
        "/clinic/staff?done=deactivated",
        async {
            let scoped = context::scoped().await?;
            staff::deactivate(&scoped, membership_id).await?;
            scoped.commit().await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "clinic/staff/reactivate")]
pub async fn reactivate_staff(membership_id: i64) -> Result<(), AppError> {
    respond_landing_on(
        "/clinic/staff?done=reactivated",
        async {
            let scoped = context::scoped().await?;
            staff::reactivate(&scoped, membership_id).await?;
            scoped.commit().await
        }
        .await,
    )
}
