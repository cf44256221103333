//! Clinics: the tenants.
use sea_orm::entity::prelude::*;

pub use crate::model::platform::ClinicStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clinics")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub code: String,
    pub name: String,
    pub time_zone: String,
    /// The code of the clinic's plan (`plans`), which sets its limits.
    pub plan: String,
    pub status: ClinicStatus,
    pub created_at: DateTimeUtc,
    /// Contact details the clinic shows its patients.
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    /// Why the status last changed (a suspension's reason, shown to its staff and patients).
    pub status_reason: Option<String>,
    pub status_changed_at: Option<DateTimeUtc>,
    /// A closed clinic's data is kept until then.
    pub delete_after: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
