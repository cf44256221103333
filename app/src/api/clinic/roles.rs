//! The clinic's roles: the built-in ones, and the clinic's own with their permissions.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::clinic::ClinicRoles;

#[cfg(feature = "ssr")]
use {
    crate::api::context::{in_scope, in_scope_landing_on},
    crate::routes::{self, landing},
    crate::server::permissions::{Permission, PermissionSet},
    crate::server::services::clinic::roles,
};

#[server(prefix = "/api", endpoint = "clinic/roles")]
pub(crate) async fn get_clinic_roles() -> Result<ClinicRoles, AppError> {
    in_scope(async |scoped| roles::page(scoped).await).await
}

/// The ticked permissions: a checkbox is sent only when ticked, named by its permission
/// (`roles::field_of`).
#[cfg(feature = "ssr")]
#[allow(clippy::too_many_arguments)]
fn ticked(
    patient_read: Option<String>,
    care_item_complete: Option<String>,
    patients_manage: Option<String>,
    staff_manage: Option<String>,
    protocols_manage: Option<String>,
    clinic_settings: Option<String>,
    audit_read: Option<String>,
) -> PermissionSet {
    let pairs = [
        (patient_read, Permission::PatientRead),
        (care_item_complete, Permission::CareItemComplete),
        (patients_manage, Permission::PatientManage),
        (staff_manage, Permission::StaffManage),
        (protocols_manage, Permission::ProtocolsManage),
        (clinic_settings, Permission::ClinicSettings),
        (audit_read, Permission::AuditRead),
    ];
    let held: Vec<Permission> = pairs
        .into_iter()
        .filter_map(|(box_, p)| box_.map(|_| p))
        .collect();
    PermissionSet::of(&held)
}

#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "clinic/roles/add")]
pub async fn add_clinic_role(
    name: String,
    patient_read: Option<String>,
    care_item_complete: Option<String>,
    patients_manage: Option<String>,
    staff_manage: Option<String>,
    protocols_manage: Option<String>,
    clinic_settings: Option<String>,
    audit_read: Option<String>,
) -> Result<(), AppError> {
    in_scope_landing_on(&landing(routes::clinic::ROLES, "added"), async |scoped| {
        let permissions = ticked(
            patient_read,
            care_item_complete,
            patients_manage,
            staff_manage,
            protocols_manage,
            clinic_settings,
            audit_read,
        );
        roles::add(scoped, roles::RoleForm { name, permissions }).await?;
        Ok(())
    })
    .await
}

#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "clinic/roles/save")]
pub async fn save_clinic_role(
    role_id: i64,
    name: String,
    patient_read: Option<String>,
    care_item_complete: Option<String>,
    patients_manage: Option<String>,
    staff_manage: Option<String>,
    protocols_manage: Option<String>,
    clinic_settings: Option<String>,
    audit_read: Option<String>,
) -> Result<(), AppError> {
    in_scope_landing_on(&landing(routes::clinic::ROLES, "saved"), async |scoped| {
        let permissions = ticked(
            patient_read,
            care_item_complete,
            patients_manage,
            staff_manage,
            protocols_manage,
            clinic_settings,
            audit_read,
        );
        roles::update(scoped, role_id, roles::RoleForm { name, permissions }).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "clinic/roles/delete")]
pub(crate) async fn delete_clinic_role(role_id: i64) -> Result<(), AppError> {
    in_scope_landing_on(&landing(routes::clinic::ROLES, "deleted"), async |scoped| {
        roles::delete(scoped, role_id).await
    })
    .await
}
