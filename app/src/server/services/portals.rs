//! The clinic admin and platform portals' landing summaries, each scoped to what the actor may see.
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::error::AppError;
use crate::model::{PortalSummary, Role};
use crate::server::entities::{clinics, memberships, staff_invitations, users};
use crate::server::permissions::Permission;
use crate::server::tenancy::Scoped;

async fn clinic_name(scoped: &Scoped, clinic_id: i64) -> Result<String, AppError> {
    Ok(clinics::Entity::find_by_id(clinic_id)
        .one(scoped.conn())
        .await?
        .ok_or(AppError::NotFound)?
        .name)
}

async fn members(scoped: &Scoped, clinic_id: i64, role: Role) -> Result<i64, AppError> {
    Ok(memberships::Entity::find()
        .filter(memberships::Column::ClinicId.eq(clinic_id))
        .filter(memberships::Column::Role.eq(role.as_str()))
        .filter(memberships::Column::DeactivatedAt.is_null())
        .count(scoped.conn())
        .await? as i64)
}

pub async fn clinic_admin(scoped: &Scoped) -> Result<PortalSummary, AppError> {
    scoped.actor().require(Permission::StaffManage)?;
    let clinic = scoped.actor().active_clinic()?;
    Ok(PortalSummary {
        heading: clinic_name(scoped, clinic).await?,
        facts: vec![
            (
                "Patients".into(),
                members(scoped, clinic, Role::Patient).await?,
            ),
            (
                "Providers".into(),
                members(scoped, clinic, Role::Provider).await?,
            ),
            (
                "Open invitations".into(),
                staff_invitations::Entity::find()
                    .filter(staff_invitations::Column::ClinicId.eq(clinic))
                    .filter(staff_invitations::Column::AcceptedAt.is_null())
                    .filter(staff_invitations::Column::WithdrawnAt.is_null())
                    .filter(staff_invitations::Column::ExpiresAt.gt(scoped.now()))
                    .count(scoped.conn())
                    .await? as i64,
            ),
        ],
    })
}

pub async fn platform(scoped: &Scoped) -> Result<PortalSummary, AppError> {
    scoped.actor().require(Permission::PlatformManage)?;
    let conn = scoped.conn();
    Ok(PortalSummary {
        heading: "All clinics".into(),
        facts: vec![
            (
                "Clinics".into(),
                clinics::Entity::find().count(conn).await? as i64,
            ),
            (
                "Active clinics".into(),
                clinics::Entity::find()
                    .filter(clinics::Column::Status.eq("active"))
                    .count(conn)
                    .await? as i64,
            ),
            (
                "Accounts".into(),
                users::Entity::find().count(conn).await? as i64,
            ),
        ],
    })
}
