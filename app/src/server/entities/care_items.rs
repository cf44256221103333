//! A protocol applied to one patient: when it is next due, and its status.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub clinic_id: i64,
    pub patient_id: i64,
    pub protocol_id: i64,
    pub due_on: Date,
    pub due_soon_from: Date,
    pub last_completed_on: Option<Date>,
    pub status: crate::model::CareStatus,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
