//! The provider portal.
pub mod patients;
