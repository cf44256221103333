//! Integration tests: the real router over HTTP, on SQLite and on PostgreSQL.
mod helpers;

mod access;
mod audit;
mod auth;
mod care;
mod clinic_audit_log;
mod clinic_invitations;
mod clinic_protocols;
mod clinic_roster;
mod clinic_settings;
mod clinic_staff;
mod goals;
mod guards;
mod history;
mod malformed_input;
mod mfa;
mod my_data;
mod profile;
mod provider;
mod public;
mod request_context;
mod row_level_security;
mod security;
mod sessions;
mod style;
mod tenancy;
