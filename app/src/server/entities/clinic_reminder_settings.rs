//! How a clinic's reminders go out; a clinic without a row has the defaults
//! (`ReminderSettings::default`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clinic_reminder_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub clinic_id: i64,
    pub email_enabled: bool,
    pub sms_enabled: bool,
    /// "HH:MM", in each patient's own time zone.
    pub quiet_hours_start: String,
    pub quiet_hours_end: String,
    pub sender_name: String,
    pub due_soon_days: i32,
    pub sms_daily_cap: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
