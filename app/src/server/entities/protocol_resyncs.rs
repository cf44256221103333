//! Requests to re-apply a changed protocol to a clinic's patients, with their progress.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "protocol_resyncs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub clinic_id: i64,
    pub protocol_id: i64,
    /// `running`, `done`, `failed`, or `superseded` by a later change of the same protocol.
    pub state: crate::model::clinic::ResyncState,
    pub patients_total: i64,
    pub patients_done: i64,
    /// The last patient id re-applied: where a resumed run goes on from.
    pub after_patient: i64,
    pub problem: Option<String>,
    pub requested_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
