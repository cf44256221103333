//! The platform-administration portal: every action needs `platform.manage` and runs in a
//! `Scoped` transaction of the super admin, whose reach on PostgreSQL (`super_admin`) is the
//! platform's: every clinic's own rows, never patients' health records. Every change is
//! audited in that transaction.
pub mod audit_log;
pub mod clinics;
pub mod content;
pub mod home;
pub mod plans;
pub mod protocol_templates;
pub mod super_admins;

/// UTC, as the platform's pages show times ("23 Nov 2026, 14:05 UTC").
pub(crate) fn utc(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%-d %b %Y, %H:%M UTC").to_string()
}
