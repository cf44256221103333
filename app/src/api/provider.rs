//! The provider portal's server functions.
pub mod patients;
