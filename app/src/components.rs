//! UI pieces shared by the pages.
pub mod audit_log;
pub mod chart;
pub mod form;
pub mod layout;
pub mod live;
pub mod pager;
pub mod portal;
pub mod status;
