//! The platform-administration portal's server functions, one module per feature.
pub mod audit_log;
pub mod clinics;
pub mod content;
pub mod home;
pub mod plans;
pub mod protocol_templates;
pub mod super_admins;
