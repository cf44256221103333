//! A patient's own profile (one per user).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "patient_profiles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub date_of_birth: Option<Date>,
    pub sex: Option<crate::model::Sex>,
    pub phone: Option<String>,
    pub time_zone: String,
    pub preferred_language: String,
    pub email_reminders: bool,
    pub sms_reminders: bool,
    pub quiet_hours_start: String,
    pub quiet_hours_end: String,
    /// A nudge on a day with nothing logged by `goal_nudge_at` ("HH:MM", their time zone).
    pub goal_nudges: bool,
    pub goal_nudge_at: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
