//! Each patient's compliance in a clinic: the label a provider sees and the reason behind it.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "patient_compliance")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub clinic_id: i64,
    pub patient_id: i64,
    /// The patient's display name when the snapshot was written, for the provider's list.
    pub patient_name: String,
    pub label: crate::model::ComplianceLabel,
    /// Worse is higher, for sorting: missed checkup 3, due soon 2, goals missed 1, goal met 0.
    pub rank: i32,
    pub reason: String,
    pub days_met: i32,
    /// The patient's local day it was computed for.
    pub computed_on: Date,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
