//! The patient portal's services, one module per page.
pub mod clinics;
pub mod dashboard;
pub mod goals;
pub mod my_data;
pub mod profile;
