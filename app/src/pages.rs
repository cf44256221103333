//! Pages, one folder per portal.
pub mod account;
pub mod clinic;
pub mod dev;
pub mod patient;
pub mod platform;
pub mod provider;
pub mod public;
