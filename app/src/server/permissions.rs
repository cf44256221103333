//! Named permissions and the roles that hold them. Anything not granted is denied.
//!
//! The built-in roles' permissions are fixed here; a clinic's custom roles are named sets of
//! the clinic permissions (`CLINIC`), stored with the role (`clinic_roles`).
use crate::model::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read one's own record: profile, goals, logs, reminders.
    OwnRecordRead,
    /// Change one's own record: log goals, edit profile.
    OwnRecordWrite,
    /// Read the patients assigned to one in the clinic one acts in. Staff who hold it take a
    /// provider seat and can be assigned patients.
    PatientRead,
    /// Record that a patient's care item was completed.
    CareItemComplete,
    /// Manage the staff of the clinic one acts in: invitations, roles, deactivation.
    StaffManage,
    /// Manage the patients of the clinic one acts in: the roster and their assignments to
    /// providers. Never their health records.
    PatientManage,
    /// Read the audit log of the clinic one acts in, export it and verify its chain.
    AuditRead,
    /// Change the settings of the clinic one acts in: details, hours, reminder settings.
    ClinicSettings,
    /// Change the preventive-care protocols of the clinic one acts in.
    ProtocolsManage,
    /// Manage clinics, plans, reference data and public content across the platform.
    PlatformManage,
}

/// The permissions a clinic's roles are made of, in the order the roles page lists them.
pub(crate) const CLINIC: [Permission; 7] = [
    Permission::PatientRead,
    Permission::CareItemComplete,
    Permission::PatientManage,
    Permission::StaffManage,
    Permission::ProtocolsManage,
    Permission::ClinicSettings,
    Permission::AuditRead,
];

/// The clinic permissions that run the clinic rather than care for its patients. Whoever
/// holds one works in the clinic-admin portal, and may grant it only if they hold it.
pub(crate) const MANAGEMENT: [Permission; 5] = [
    Permission::PatientManage,
    Permission::StaffManage,
    Permission::ProtocolsManage,
    Permission::ClinicSettings,
    Permission::AuditRead,
];

impl Permission {
    pub fn name(self) -> &'static str {
        match self {
            Permission::OwnRecordRead => "own_record.read",
            Permission::OwnRecordWrite => "own_record.write",
            Permission::PatientRead => "patient.read",
            Permission::CareItemComplete => "care_item.complete",
            Permission::StaffManage => "staff.manage",
            Permission::PatientManage => "patients.manage",
            Permission::AuditRead => "audit.read",
            Permission::ClinicSettings => "clinic.settings",
            Permission::ProtocolsManage => "protocols.manage",
            Permission::PlatformManage => "platform.manage",
        }
    }

    /// A clinic permission by its name.
    pub(crate) fn clinic_named(name: &str) -> Option<Permission> {
        CLINIC.into_iter().find(|p| p.name() == name)
    }

    /// What the permission lets its holder do, as the roles page says it.
    pub fn description(self) -> &'static str {
        match self {
            Permission::PatientRead => "See the patients assigned to them (takes a provider seat)",
            Permission::CareItemComplete => "Record a patient's completed care",
            Permission::PatientManage => "Enrol, discharge and assign patients",
            Permission::StaffManage => "Invite staff, change roles, deactivate staff",
            Permission::ProtocolsManage => "Change the clinic's preventive-care protocols",
            Permission::ClinicSettings => "Change the clinic's details, hours and reminders",
            Permission::AuditRead => "Read and export the clinic's audit log",
            Permission::OwnRecordRead => "Read their own record",
            Permission::OwnRecordWrite => "Change their own record",
            Permission::PlatformManage => "Run the platform",
        }
    }

    fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// A set of permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct PermissionSet(u16);

impl PermissionSet {
    pub fn of(permissions: &[Permission]) -> Self {
        PermissionSet(permissions.iter().fold(0, |bits, p| bits | p.bit()))
    }

    /// What a built-in role holds; nothing for a custom role, whose set is stored with it.
    pub(crate) fn of_role(role: Role) -> Self {
        use Permission::*;
        PermissionSet::of(match role {
            Role::Patient => &[OwnRecordRead, OwnRecordWrite],
            Role::Provider | Role::Nurse => &[PatientRead, CareItemComplete],
            Role::FrontDesk => &[PatientManage],
            Role::ClinicAdmin => &MANAGEMENT,
            Role::SuperAdmin => &[PlatformManage],
            Role::Custom => &[],
        })
    }

    /// A custom role's stored set: the clinic permissions named, space-separated. Other
    /// names are dropped, so a stored set can never hold more than a clinic permission.
    pub(crate) fn parse_stored(text: &str) -> Self {
        let named: Vec<Permission> = text
            .split_whitespace()
            .filter_map(Permission::clinic_named)
            .collect();
        PermissionSet::of(&named)
    }

    /// The set as stored, in `CLINIC` order.
    pub fn stored(self) -> String {
        self.clinic()
            .iter()
            .map(|p| p.name())
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn contains(self, permission: Permission) -> bool {
        self.0 & permission.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The clinic permissions in the set, in `CLINIC` order.
    pub fn clinic(self) -> Vec<Permission> {
        CLINIC.into_iter().filter(|p| self.contains(*p)).collect()
    }

    /// Whether it holds a permission that runs the clinic (`MANAGEMENT`).
    pub fn manages(self) -> bool {
        MANAGEMENT.iter().any(|p| self.contains(*p))
    }

    /// The management permissions in `self` that `holder` does not hold: what granting `self`
    /// would hand on that the one granting it lacks.
    pub(crate) fn management_beyond(self, holder: PermissionSet) -> Vec<Permission> {
        MANAGEMENT
            .into_iter()
            .filter(|p| self.contains(*p) && !holder.contains(*p))
            .collect()
    }

    /// Where someone holding the set works: the clinic-admin portal when they run any part of
    /// the clinic, the provider portal otherwise.
    pub(crate) fn staff_portal(self) -> &'static str {
        if self.manages() {
            crate::routes::clinic::HOME
        } else {
            crate::routes::provider::HOME
        }
    }
}

/// Whether a built-in `role` holds `permission`. Deny by default.
pub fn grants(role: Role, permission: Permission) -> bool {
    PermissionSet::of_role(role).contains(permission)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patients_hold_only_their_own_record() {
        assert!(grants(Role::Patient, Permission::OwnRecordWrite));
        assert!(!grants(Role::Patient, Permission::PatientRead));
        assert!(!grants(Role::Patient, Permission::StaffManage));
    }

    #[test]
    fn clinic_admins_manage_staff_but_do_not_read_patients() {
        assert!(grants(Role::ClinicAdmin, Permission::StaffManage));
        assert!(!grants(Role::ClinicAdmin, Permission::PatientRead));
    }

    #[test]
    fn front_desk_manages_patients_and_nothing_else() {
        let set = PermissionSet::of_role(Role::FrontDesk);
        assert_eq!(set.clinic(), vec![Permission::PatientManage]);
        assert_eq!(set.staff_portal(), "/clinic");
        assert_eq!(
            PermissionSet::of_role(Role::Nurse).staff_portal(),
            "/provider"
        );
    }

    #[test]
    fn super_admins_have_no_routine_access_to_patient_data() {
        assert!(!grants(Role::SuperAdmin, Permission::PatientRead));
        assert!(!grants(Role::SuperAdmin, Permission::OwnRecordRead));
        assert!(grants(Role::SuperAdmin, Permission::PlatformManage));
    }

    #[test]
    fn a_custom_role_has_nothing_until_given_and_stores_only_clinic_permissions() {
        assert!(PermissionSet::of_role(Role::Custom).is_empty());
        let set = PermissionSet::parse_stored("audit.read platform.manage patient.read bogus");
        assert_eq!(
            set.clinic(),
            vec![Permission::PatientRead, Permission::AuditRead]
        );
        assert!(!set.contains(Permission::PlatformManage));
        assert_eq!(set.stored(), "patient.read audit.read");
    }

    #[test]
    fn granting_is_limited_to_the_management_one_holds() {
        let hr = PermissionSet::of(&[Permission::StaffManage]);
        let wanted = PermissionSet::of(&[
            Permission::StaffManage,
            Permission::AuditRead,
            Permission::PatientRead,
        ]);
        assert_eq!(wanted.management_beyond(hr), vec![Permission::AuditRead]);
        assert!(wanted
            .management_beyond(PermissionSet::of_role(Role::ClinicAdmin))
            .is_empty());
    }
}
