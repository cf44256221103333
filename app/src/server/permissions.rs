//! Named permissions and the roles that hold them. Anything not listed here is denied.
use crate::model::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read one's own record: profile, goals, logs, reminders.
    OwnRecordRead,
    /// Change one's own record: log goals, edit profile.
    OwnRecordWrite,
    /// Read patients of the clinic one acts in.
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
}

/// Whether `role` holds `permission`. Deny by default: a pair missing here is refused.
pub fn grants(role: Role, permission: Permission) -> bool {
    use Permission::*;
    matches!(
        (role, permission),
        (Role::Patient, OwnRecordRead | OwnRecordWrite)
            | (Role::Provider, PatientRead | CareItemComplete)
            | (
                Role::ClinicAdmin,
                StaffManage | PatientManage | AuditRead | ClinicSettings | ProtocolsManage
            )
            | (Role::SuperAdmin, PlatformManage)
    )
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
    fn super_admins_have_no_routine_access_to_patient_data() {
        assert!(!grants(Role::SuperAdmin, Permission::PatientRead));
        assert!(!grants(Role::SuperAdmin, Permission::OwnRecordRead));
        assert!(grants(Role::SuperAdmin, Permission::PlatformManage));
    }
}
