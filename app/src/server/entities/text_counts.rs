//! Each clinic's texts begun per day (the clinic's own day), for its daily cap.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "text_counts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub clinic_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    pub texts: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
