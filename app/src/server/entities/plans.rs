//! Plans: what a clinic may use (provider seats, patients, texts), named by `clinics.plan`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub name: String,
    /// Staff whose role reads patients, with open invitations to such a role.
    pub provider_seats: i32,
    /// Patients enrolled (active memberships).
    pub patient_limit: i32,
    /// Texts begun in a calendar month of the clinic's time zone.
    pub sms_per_month: i32,
    /// Whether the plan includes text reminders at all.
    pub sms_reminders: bool,
    pub created_at: DateTimeUtc,
    /// When the platform stopped offering the plan; the clinics on it keep it.
    pub retired_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
