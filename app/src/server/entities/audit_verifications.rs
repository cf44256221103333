//! Outcomes of verifying an audit chain, newest last.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_verifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub chain: i64,
    pub checked: i64,
    pub first_broken: Option<i64>,
    pub problem: Option<String>,
    pub verified_at: DateTimeUtc,
    pub verified_by: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
