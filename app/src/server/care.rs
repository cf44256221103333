//! Preventive care: the rules (pure) and, later, the services that apply them.
pub mod rules;
