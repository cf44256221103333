//! Preventive-care protocols: the platform's templates (no clinic) and each clinic's copies.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_protocols")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub clinic_id: Option<i64>,
    pub template_key: Option<String>,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub min_age_years: Option<i32>,
    pub max_age_years: Option<i32>,
    pub sex: Option<crate::model::Sex>,
    pub interval_months: i32,
    pub due_soon_days: i32,
    pub reminder_offsets_days: String,
    pub completed_by: String,
    pub active: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
