//! The clinic-admin portal's server functions, one module per feature.
pub mod audit_log;
pub mod invitations;
pub mod roster;
pub mod settings;
pub mod staff;
