//! Everything that runs only on the server: state, data access, services. Behind `ssr`.
pub mod audit;
pub mod care;
pub mod db_context;
pub mod entities;
pub mod errors;
pub mod key_files;
pub mod mail;
pub mod permissions;
pub mod reminders;
pub mod request;
pub mod secret_box;
pub mod services;
pub mod session_store;
pub mod state;
pub mod task_lease;
pub mod tenancy;
pub mod totp;
