//! The public site's services, no sign-in needed.
pub mod content;
