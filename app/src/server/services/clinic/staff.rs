//! The clinic's staff: who they are, their roles, and deactivating and reactivating them. A
//! change to someone's membership ends their sessions, and the per-request check of the
//! session (`sessions::actor`) refuses a deactivated membership anyway, so it takes effect on
//! their next request.
use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use super::roles::{self, StaffRole};
use super::{clinic_time, lock_staff, provider_seats, require_free_seat};
use crate::error::AppError;
use crate::model::clinic::{OpenInvitation, StaffDirectory, StaffMember};
use crate::model::Role;
use crate::server::audit::AuditEntry;
use crate::server::entities::{
    audit_events, clinics, invitations, memberships, provider_assignments, user_mfa, users,
};
use crate::server::permissions::Permission;
use crate::server::services::sessions;
use crate::server::tenancy::Scoped;

/// The clinic's staff, its open invitations and its provider seats.
pub async fn directory(scoped: &Scoped) -> Result<StaffDirectory, AppError> {
    scoped.actor().require(Permission::StaffManage)?;
    let clinic_id = scoped.actor().active_clinic()?;
    let conn = scoped.conn();
    let clinic = clinics::Entity::find_by_id(clinic_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let staff = memberships::Entity::find()
        .filter(memberships::Column::ClinicId.eq(clinic_id))
        .filter(memberships::Column::Role.ne(Role::Patient))
        .all(conn)
        .await?;
    let ids: Vec<i64> = staff.iter().map(|m| m.user_id).collect();
    let people: HashMap<i64, users::Model> = users::Entity::find()
        .filter(users::Column::Id.is_in(ids.clone()))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let two_step: HashSet<i64> = user_mfa::Entity::find()
        .select_only()
        .column(user_mfa::Column::UserId)
        .filter(user_mfa::Column::UserId.is_in(ids.clone()))
        .filter(user_mfa::Column::ConfirmedAt.is_not_null())
        .into_tuple::<i64>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    // Staff finish signing in with their second step, audited in the clinic they sign in to.
    let last_sign_in: HashMap<i64, chrono::DateTime<chrono::Utc>> = audit_events::Entity::find()
        .select_only()
        .column(audit_events::Column::ActorUserId)
        .column_as(audit_events::Column::OccurredAt.max(), "last")
        .filter(audit_events::Column::ClinicId.eq(clinic_id))
        .filter(audit_events::Column::Action.eq("auth.two_step_passed"))
        .filter(audit_events::Column::ActorUserId.is_in(ids))
        .group_by(audit_events::Column::ActorUserId)
        .into_tuple::<(i64, chrono::DateTime<chrono::Utc>)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let custom = roles::custom_roles(conn, clinic_id).await?;
    let mut members: Vec<StaffMember> = staff
        .into_iter()
        .filter_map(|m| {
            let user = people.get(&m.user_id)?;
            let role = roles::held(m.role, m.clinic_role_id, &custom)?;
            Some(StaffMember {
                membership_id: m.id,
                user_id: m.user_id,
                name: user.display_name.clone(),
                email: user.email.clone(),
                role: role.role,
                role_key: role.key(),
                role_name: role.name(),
                two_step: two_step.contains(&m.user_id),
                last_sign_in: last_sign_in
                    .get(&m.user_id)
                    .map(|at| clinic_time(*at, &clinic.time_zone)),
                active: m.deactivated_at.is_none(),
            })
        })
        .collect();
    members.sort_by(|a, b| (!a.active, &a.name).cmp(&(!b.active, &b.name)));
    let now = scoped.now();
    let invitations = invitations::Entity::find()
        .filter(invitations::Column::ClinicId.eq(clinic_id))
        .filter(invitations::Column::Role.ne(Role::Patient))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::WithdrawnAt.is_null())
        .order_by_asc(invitations::Column::Email)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|i| {
            let role = roles::held(i.role, i.clinic_role_id, &custom)?;
            Some(OpenInvitation {
                id: i.id,
                role: role.role,
                role_name: role.name(),
                expires: clinic_time(i.expires_at, &clinic.time_zone),
                expired: i.expires_at <= now,
                email: i.email,
            })
        })
        .collect();
    Ok(StaffDirectory {
        members,
        invitations,
        seats: provider_seats(conn, clinic_id, now).await?,
        roles: roles::choices(conn, clinic_id).await?,
    })
}

/// A staff membership of the admin's clinic and its role, after taking the clinic's staff lock;
/// 404 for any other (another clinic's, a patient's). Refused when their role runs more of the
/// clinic than the admin's (`roles::may_manage`).
async fn staff_membership(
    scoped: &Scoped,
    membership_id: i64,
) -> Result<(memberships::Model, StaffRole), AppError> {
    scoped.actor().require(Permission::StaffManage)?;
    let clinic = scoped.actor().active_clinic()?;
    lock_staff(scoped.conn(), clinic).await?;
    let member = memberships::Entity::find_by_id(membership_id)
        .filter(memberships::Column::ClinicId.eq(clinic))
        .filter(memberships::Column::Role.ne(Role::Patient))
        .one(scoped.conn())
        .await?
        .ok_or(AppError::NotFound)?;
    let custom = roles::custom_roles(scoped.conn(), clinic).await?;
    let role =
        roles::held(member.role, member.clinic_role_id, &custom).ok_or(AppError::NotFound)?;
    roles::may_manage(scoped.actor(), &role)?;
    Ok((member, role))
}

/// Refuses a change that would leave the clinic with no active clinic admin.
async fn keep_an_admin(scoped: &Scoped, member: &memberships::Model) -> Result<(), AppError> {
    if member.role != Role::ClinicAdmin || member.deactivated_at.is_some() {
        return Ok(());
    }
    let admins = memberships::Entity::find()
        .filter(memberships::Column::ClinicId.eq(member.clinic_id))
        .filter(memberships::Column::Role.eq(Role::ClinicAdmin))
        .filter(memberships::Column::DeactivatedAt.is_null())
        .count(scoped.conn())
        .await?;
    if admins <= 1 {
        return Err(AppError::Conflict(
            "This is the clinic's last active clinic admin. Make someone else a clinic admin \
             first."
                .into(),
        ));
    }
    Ok(())
}

/// Gives a staff member another role: one of the clinic's, granting nothing that runs the
/// clinic beyond what the admin holds.
pub(crate) async fn change_role(
    scoped: &Scoped,
    membership_id: i64,
    role: &str,
) -> Result<(), AppError> {
    let (member, current) = staff_membership(scoped, membership_id).await?;
    let role = roles::chosen(scoped.conn(), member.clinic_id, role).await?;
    if current.key() == role.key() {
        return Err(AppError::field("role", "They have that role already."));
    }
    roles::may_grant(scoped.actor(), role.permissions, "role")?;
    let holds_it = memberships::Entity::find()
        .filter(memberships::Column::ClinicId.eq(member.clinic_id))
        .filter(memberships::Column::UserId.eq(member.user_id))
        .filter(memberships::Column::Role.eq(role.role))
        .filter(memberships::Column::Id.ne(member.id))
        .count(scoped.conn())
        .await?;
    if holds_it > 0 {
        return Err(AppError::field(
            "role",
            "They hold that role in this clinic already, in another membership.",
        ));
    }
    keep_an_admin(scoped, &member).await?;
    if role.reads_patients() && !current.reads_patients() && member.deactivated_at.is_none() {
        require_free_seat(scoped.conn(), member.clinic_id, scoped.now(), "role").await?;
    }
    if !role.reads_patients() {
        // Patients are assigned only to staff who read them.
        provider_assignments::Entity::delete_many()
            .filter(provider_assignments::Column::ClinicId.eq(member.clinic_id))
            .filter(provider_assignments::Column::ProviderId.eq(member.user_id))
            .exec(scoped.conn())
            .await?;
    }
    memberships::Entity::update_many()
        .col_expr(memberships::Column::Role, Expr::value(role.role))
        .col_expr(
            memberships::Column::ClinicRoleId,
            Expr::value(role.clinic_role_id()),
        )
        .filter(memberships::Column::Id.eq(member.id))
        .exec(scoped.conn())
        .await?;
    sessions::end_all(scoped.conn(), member.user_id, None).await?;
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "staff.role_changed").resource(format!(
                "user:{} {}->{}",
                member.user_id,
                current.key(),
                role.key()
            )),
        )
        .await
}

/// Deactivates a staff membership: it grants nothing until reactivated, and the person's
/// sessions end now.
pub async fn deactivate(scoped: &Scoped, membership_id: i64) -> Result<(), AppError> {
    let (member, _) = staff_membership(scoped, membership_id).await?;
    if member.deactivated_at.is_some() {
        return Err(AppError::Conflict("They are deactivated already.".into()));
    }
    keep_an_admin(scoped, &member).await?;
    memberships::Entity::update_many()
        .col_expr(
            memberships::Column::DeactivatedAt,
            Expr::value(Some(scoped.now())),
        )
        .filter(memberships::Column::Id.eq(member.id))
        .exec(scoped.conn())
        .await?;
    sessions::end_all(scoped.conn(), member.user_id, None).await?;
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "staff.deactivated")
                .resource(format!("user:{}", member.user_id)),
        )
        .await
}

/// Reactivates a deactivated staff membership; a role that reads patients needs a free seat.
pub async fn reactivate(scoped: &Scoped, membership_id: i64) -> Result<(), AppError> {
    let (member, role) = staff_membership(scoped, membership_id).await?;
    if member.deactivated_at.is_none() {
        return Err(AppError::Conflict("They are active already.".into()));
    }
    if role.reads_patients() {
        require_free_seat(scoped.conn(), member.clinic_id, scoped.now(), "form").await?;
    }
    memberships::Entity::update_many()
        .col_expr(
            memberships::Column::DeactivatedAt,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .filter(memberships::Column::Id.eq(member.id))
        .exec(scoped.conn())
        .await?;
    scoped
        .audit(
            AuditEntry::by(scoped.actor(), "staff.reactivated")
                .resource(format!("user:{}", member.user_id)),
        )
        .await
}
