//! The append-only, hash-chained audit log.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub occurred_at: DateTimeUtc,
    pub actor_user_id: Option<i64>,
    pub actor_role: Option<String>,
    pub clinic_id: Option<i64>,
    pub patient_id: Option<i64>,
    pub action: String,
    pub resource: Option<String>,
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
    /// The chain the event belongs to: its clinic's id, or 0 for events with no clinic.
    pub chain: i64,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
