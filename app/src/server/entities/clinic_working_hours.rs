//! A clinic's opening hours for one weekday (1 = Monday … 7 = Sunday); no times = closed.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clinic_working_hours")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub clinic_id: i64,
    pub weekday: i16,
    /// "HH:MM" in the clinic's time zone.
    pub opens_at: Option<String>,
    pub closes_at: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
