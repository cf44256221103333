//! Preventive care: the rules (pure) and, later, the services that apply them.
pub mod compliance;
pub mod items;
pub mod protocols;
pub mod rules;
