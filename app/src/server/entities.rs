//! SeaORM entities, one module per table. They never leave the server: DTOs live in `model`.
pub mod users;
pub mod clinics;
pub mod memberships;
pub mod patient_profiles;
pub mod consents;
pub mod goals;
pub mod goal_logs;
pub mod content;
pub mod sessions;
pub mod password_resets;
pub mod sign_in_failures;
pub mod audit_events;
pub mod provider_assignments;
pub mod patient_allergies;
pub mod patient_medications;
pub mod care_protocols;
pub mod care_items;
