//! Every user's own account: registering and signing in (`auth`), the password and its reset,
//! the email address's verification, the second step, the privacy policy to accept, and the
//! security page.
pub mod auth;
pub mod email_verification;
pub mod mfa;
pub mod password;
pub mod password_reset;
pub mod policy_acceptance;
pub mod security;
