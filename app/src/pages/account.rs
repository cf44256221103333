//! Every signed-in user's own account: signing in and registering, the second step, the privacy
//! policy to accept, and the security page.
pub mod auth;
pub mod mfa;
pub mod policy_acceptance;
pub mod security;
