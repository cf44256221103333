//! The platform-administration portal: every action needs `platform.manage` and runs in a
//! `Scoped` transaction of the super admin, whose reach on PostgreSQL (`super_admin`) is the
//! platform's: every clinic's own rows, never patients' health records. Every change is
//! audited in that transaction.
pub mod clinics;
