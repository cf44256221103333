//! Clinics: the tenants.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clinics")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub code: String,
    pub name: String,
    pub time_zone: String,
    pub plan: String,
    pub status: String,
    pub created_at: DateTimeUtc,
    /// How many providers the clinic may have (active, or invited and not yet joined).
    pub provider_seats: i32,
    /// Contact details the clinic shows its patients.
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
