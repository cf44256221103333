//! The provider portal's services.
pub mod patients;
