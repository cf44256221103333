//! Pages, one module per portal.
pub mod auth;
pub mod clinic;
pub mod dev;
pub mod goals;
pub mod mfa;
pub mod my_clinics;
pub mod patient;
pub mod platform;
pub mod policy_acceptance;
pub mod profile;
pub mod provider;
pub mod public;
pub mod security;
pub mod unsubscribe;
