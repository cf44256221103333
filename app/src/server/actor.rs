//! Who is acting: a signed-in user, in their role, in the clinic they act in, holding what the
//! role grants. The session layer builds it; the tenancy scope, the database context and the
//! audit log all take it from here.
use super::permissions::{Permission, PermissionSet};
use crate::error::AppError;
use crate::model::Role;

/// Who is acting. Built only by the session layer from a verified session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    user_id: i64,
    role: Role,
    /// The clinic a staff member or patient acts in; none for a super admin.
    clinic_id: Option<i64>,
    /// What the role grants: a built-in role's fixed set, or a custom role's stored one.
    permissions: PermissionSet,
}

impl Actor {
    /// An actor in a built-in role (a custom role's actor holds nothing this way).
    pub(crate) fn new(user_id: i64, role: Role, clinic_id: Option<i64>) -> Self {
        Self::holding(user_id, role, clinic_id, PermissionSet::of_role(role))
    }

    /// An actor holding `permissions`: a custom role's, read with the membership.
    pub(crate) fn holding(
        user_id: i64,
        role: Role,
        clinic_id: Option<i64>,
        permissions: PermissionSet,
    ) -> Self {
        Actor {
            user_id,
            role,
            clinic_id,
            permissions,
        }
    }

    pub fn permissions(&self) -> PermissionSet {
        self.permissions
    }

    /// The portal the actor works in.
    pub fn home(&self) -> &'static str {
        match self.role {
            Role::Patient => crate::routes::patient::HOME,
            Role::SuperAdmin => crate::routes::platform::HOME,
            _ => self.permissions.staff_portal(),
        }
    }

    /// What the database is told the actor may reach (`app.role`; the policies of migration
    /// `m20261124_000007_row_level_security` and later). Patients and super admins are
    /// themselves; staff reach their clinic as `clinic_admin` when they run any part of it,
    /// as `provider` otherwise. Within the clinic the database is also told the role's
    /// permissions (`app.permissions`), and each policy asks for the one `require` asks for.
    pub fn reach(&self) -> &'static str {
        match self.role {
            Role::Patient => "patient",
            Role::SuperAdmin => "super_admin",
            _ if self.permissions.manages() => "clinic_admin",
            _ => "provider",
        }
    }
    pub fn user_id(&self) -> i64 {
        self.user_id
    }
    pub fn role(&self) -> Role {
        self.role
    }
    pub fn clinic_id(&self) -> Option<i64> {
        self.clinic_id
    }

    /// Refuses with 403 unless the actor's role holds the permission.
    pub(crate) fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.permissions.contains(permission) {
            Ok(())
        } else {
            tracing::warn!(
                user_id = self.user_id,
                permission = permission.name(),
                "permission denied"
            );
            Err(AppError::Forbidden)
        }
    }

    /// The clinic a staff member acts in, or 403 for an actor with none.
    pub(crate) fn active_clinic(&self) -> Result<i64, AppError> {
        self.clinic_id.ok_or(AppError::Forbidden)
    }
}

/// A verified sign-in: the user, and the role and clinic they will act in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user_id: i64,
    pub role: Role,
    pub clinic_id: Option<i64>,
    pub permissions: PermissionSet,
}

impl SignedIn {
    pub fn actor(&self) -> Actor {
        Actor::holding(self.user_id, self.role, self.clinic_id, self.permissions)
    }
}
