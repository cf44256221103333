//! Schema migrations for Salus. Every migration runs on SQLite and PostgreSQL;
//! a merged migration is never edited, a new one is added instead.
pub use sea_orm_migration::prelude::*;

mod as_platform;

mod m20261123_000001_foundation;
mod m20261123_000002_public_content;
mod m20261123_000003_care_and_profile;
mod m20261123_000004_audit_append_only;
mod m20261124_000005_audit_chain_per_clinic;
mod m20261124_000006_patient_name_in_compliance;
mod m20261124_000007_row_level_security;
mod m20261124_000008_rate_limited_attempts;
mod m20261201_000009_user_sessions;
mod m20261201_000010_mfa;
mod m20261201_000011_email_verification;
mod m20261201_000012_clinic_staff;
mod m20261201_000013_audit_verifications;
mod m20261201_000014_clinic_settings;
mod m20261201_000015_protocol_resyncs;
mod m20261201_000016_patient_enrolment;
mod m20261201_000017_clinic_roles;
mod m20261201_000018_reminders;
mod m20261201_000019_texts_and_goal_nudges;
mod m20261201_000020_reminder_plan_lease;
mod m20261201_000021_plans;
mod m20261202_000022_platform_content;
mod m20261202_000023_super_admin_invitations;
mod m20261207_000024_users_platform_columns;
mod m20261207_000025_invitation_links;
mod m20261207_000026_pending_enrolment;
mod m20261207_000027_compliance_not_for_the_platform;
mod m20261207_000028_provider_writes;
mod m20261207_000029_staff_permissions;
mod m20261207_000030_plan_management;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_foundation::Migration),
            Box::new(m20261123_000002_public_content::Migration),
            Box::new(m20261123_000003_care_and_profile::Migration),
            Box::new(m20261123_000004_audit_append_only::Migration),
            Box::new(m20261124_000005_audit_chain_per_clinic::Migration),
            Box::new(m20261124_000006_patient_name_in_compliance::Migration),
            Box::new(m20261124_000007_row_level_security::Migration),
            Box::new(m20261124_000008_rate_limited_attempts::Migration),
            Box::new(m20261201_000009_user_sessions::Migration),
            Box::new(m20261201_000010_mfa::Migration),
            Box::new(m20261201_000011_email_verification::Migration),
            Box::new(m20261201_000012_clinic_staff::Migration),
            Box::new(m20261201_000013_audit_verifications::Migration),
            Box::new(m20261201_000014_clinic_settings::Migration),
            Box::new(m20261201_000015_protocol_resyncs::Migration),
            Box::new(m20261201_000016_patient_enrolment::Migration),
            Box::new(m20261201_000017_clinic_roles::Migration),
            Box::new(m20261201_000018_reminders::Migration),
            Box::new(m20261201_000019_texts_and_goal_nudges::Migration),
            Box::new(m20261201_000020_reminder_plan_lease::Migration),
            Box::new(m20261201_000021_plans::Migration),
            Box::new(m20261202_000022_platform_content::Migration),
            Box::new(m20261202_000023_super_admin_invitations::Migration),
            Box::new(m20261207_000024_users_platform_columns::Migration),
            Box::new(m20261207_000025_invitation_links::Migration),
            Box::new(m20261207_000026_pending_enrolment::Migration),
            Box::new(m20261207_000027_compliance_not_for_the_platform::Migration),
            Box::new(m20261207_000028_provider_writes::Migration),
            Box::new(m20261207_000029_staff_permissions::Migration),
            Box::new(m20261207_000030_plan_management::Migration),
        ]
    }
}
