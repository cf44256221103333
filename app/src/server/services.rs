//! Stateless services: each takes a connection or a `Scoped` transaction and does one job.
pub mod accounts;
pub mod content;
pub mod dates;
pub mod goals;
pub mod my_data;
pub mod paging;
pub mod password;
pub mod password_reset;
pub mod portals;
pub mod profile;
pub mod provider;
pub mod seed;
pub mod sessions;
pub mod throttle;
