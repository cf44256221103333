//! The platform-administration portal's server functions, one module per feature.
pub mod clinics;
pub mod content;
