//! Stateless services: each takes a connection or a `Scoped` transaction and does one job.
pub mod account;
pub mod clinic;
pub mod paging;
pub mod patient;
pub mod platform;
pub mod provider;
pub mod public;
pub mod seed;
pub mod sessions;
pub mod text_search;
pub mod throttle;
pub mod tokens;
