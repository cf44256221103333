//! The reminder outbox: one row per (care item, status window, channel), planned once, then
//! claimed, sent, retried or ended by a worker.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reminders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub clinic_id: i64,
    pub patient_id: i64,
    pub channel: crate::model::reminders::Channel,
    /// What it reminds of.
    pub kind: crate::model::reminders::ReminderKind,
    /// Unique: `care:<item>:<status>:<due on>:<channel>`, so planning twice plans once.
    pub idempotency_key: String,
    pub status: crate::model::reminders::DeliveryStatus,
    pub attempts: i32,
    /// Not before then: quiet hours, or the backoff after a temporary failure.
    pub next_attempt_at: DateTimeUtc,
    pub lease_until: Option<DateTimeUtc>,
    /// Why the last attempt failed, or why the row ended (never an address or a body).
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    pub care_item_id: Option<i64>,
    /// The worker holding the claim while `status` is `sending`.
    pub claimed_by: Option<String>,
    pub provider_message_id: Option<String>,
    /// When a worker last began sending it (texts count against the daily caps from then).
    pub attempted_at: Option<DateTimeUtc>,
    /// When the SMS gateway reported it delivered.
    pub delivered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
