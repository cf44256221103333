//! SeaORM entities, one module per table. They never leave the server: DTOs live in `model`.
pub mod audit_events;
pub mod care_items;
pub mod care_protocols;
pub mod clinics;
pub mod consents;
pub mod content;
pub mod goal_logs;
pub mod goals;
pub mod memberships;
pub mod password_resets;
pub mod patient_allergies;
pub mod patient_medications;
pub mod patient_profiles;
pub mod provider_assignments;
pub mod sessions;
pub mod sign_in_failures;
pub mod users;
