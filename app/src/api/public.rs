//! The public site's server functions, no sign-in needed.
pub mod content;
pub mod unsubscribe;
