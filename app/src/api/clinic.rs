//! The clinic-admin portal's server functions, one module per feature.
pub mod audit_log;
pub mod enrolment;
pub mod home;
pub mod invitations;
pub mod protocols;
pub mod reminders;
pub mod roles;
pub mod roster;
pub mod settings;
pub mod staff;
