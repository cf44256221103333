//! The public site, no sign-in needed.
pub mod content;
pub mod site;
pub mod unsubscribe;
