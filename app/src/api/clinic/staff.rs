//! The clinic's staff: the list, role changes, deactivation.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::clinic::StaffDirectory;

#[cfg(feature = "ssr")]
use {
    crate::api::context::{in_scope, in_scope_landing_on},
    crate::routes::{self, landing},
    crate::server::services::clinic::staff,
};

#[server(prefix = "/api", endpoint = "clinic/staff")]
pub(crate) async fn get_clinic_staff() -> Result<StaffDirectory, AppError> {
    in_scope(async |scoped| staff::directory(scoped).await).await
}

#[server(prefix = "/api", endpoint = "clinic/staff/role")]
pub(crate) async fn change_staff_role(membership_id: i64, role: String) -> Result<(), AppError> {
    in_scope_landing_on(&landing(routes::clinic::STAFF, "role"), async |scoped| {
        staff::change_role(scoped, membership_id, &role).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "clinic/staff/deactivate")]
pub(crate) async fn deactivate_staff(membership_id: i64) -> Result<(), AppError> {
    in_scope_landing_on(
        &landing(routes::clinic::STAFF, "deactivated"),
        async |scoped| staff::deactivate(scoped, membership_id).await,
    )
    .await
}

#[server(prefix = "/api", endpoint = "clinic/staff/reactivate")]
pub(crate) async fn reactivate_staff(membership_id: i64) -> Result<(), AppError> {
    in_scope_landing_on(
        &landing(routes::clinic::STAFF, "reactivated"),
        async |scoped| staff::reactivate(scoped, membership_id).await,
    )
    .await
}
