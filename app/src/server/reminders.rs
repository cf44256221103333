//! Reminders: the worker that tells patients, by email and text message, that preventive care
//! is waiting for them in the portal. Planning (`plan`) writes one outbox row per (care item,
//! status window, channel), idempotently; delivery (`deliver`) claims due rows for a lease,
//! checks each is still wanted (and, for texts, within the daily caps: `caps`), sends it and
//! records the outcome step by step; `worker` runs both in a loop. A patient who asked for
//! them also gets a goal nudge on a day with nothing logged by their chosen time. Messages name
//! the clinic and the portal, never a test, a condition or a value; each email carries a signed
//! one-click unsubscribe link (`unsubscribe`).
pub mod backoff;
pub mod caps;
pub mod deliver;
pub mod delivery_reports;
pub mod message;
pub mod plan;
pub mod quiet_hours;
pub mod settings;
pub mod unsubscribe;
pub mod worker;

use crate::model::reminders::{Channel, DeliveryStatus, ReminderKind};
use crate::model::CareStatus;

/// What a care reminder is about: the care item's status it was planned for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CareReminder {
    DueSoon,
    Due,
    Overdue,
}

impl CareReminder {
    pub const ALL: [CareReminder; 3] = [
        CareReminder::DueSoon,
        CareReminder::Due,
        CareReminder::Overdue,
    ];

    pub(crate) fn of_status(status: CareStatus) -> Option<Self> {
        match status {
            CareStatus::DueSoon => Some(CareReminder::DueSoon),
            CareStatus::Due => Some(CareReminder::Due),
            CareStatus::Overdue => Some(CareReminder::Overdue),
            _ => None,
        }
    }

    /// The care item's status it stands for.
    pub fn status(self) -> CareStatus {
        match self {
            CareReminder::DueSoon => CareStatus::DueSoon,
            CareReminder::Due => CareStatus::Due,
            CareReminder::Overdue => CareStatus::Overdue,
        }
    }

    /// The row's `kind`.
    pub fn kind(self) -> ReminderKind {
        match self {
            CareReminder::DueSoon => ReminderKind::CareDueSoon,
            CareReminder::Due => ReminderKind::CareDue,
            CareReminder::Overdue => ReminderKind::CareOverdue,
        }
    }
}

/// The outbox key of a care reminder: one per item, status window (the status and the due date
/// it holds for) and channel.
pub(crate) fn care_key(
    item: i64,
    reminder: CareReminder,
    due_on: chrono::NaiveDate,
    channel: Channel,
) -> String {
    format!(
        "care:{item}:{}:{due_on}:{}",
        reminder.status().as_str(),
        channel.as_str()
    )
}

/// The outbox key of a goal nudge: one per patient, local day and channel, whichever of their
/// clinics plans it first.
pub(crate) fn goal_key(patient: i64, day: chrono::NaiveDate, channel: Channel) -> String {
    format!("goal:{patient}:{day}:{}", channel.as_str())
}

/// The local day a goal key was planned for.
pub(crate) fn day_of_goal_key(key: &str) -> Option<chrono::NaiveDate> {
    key.strip_prefix("goal:")?.split(':').nth(1)?.parse().ok()
}

/// What a reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum About {
    Care(CareReminder),
    /// Nothing logged today by the patient's chosen time.
    GoalNudge,
}

impl From<ReminderKind> for About {
    fn from(kind: ReminderKind) -> Self {
        match kind {
            ReminderKind::CareDueSoon => About::Care(CareReminder::DueSoon),
            ReminderKind::CareDue => About::Care(CareReminder::Due),
            ReminderKind::CareOverdue => About::Care(CareReminder::Overdue),
            ReminderKind::GoalNudge => About::GoalNudge,
        }
    }
}

/// The due date a care key was planned for.
pub(crate) fn due_on_of_key(key: &str) -> Option<chrono::NaiveDate> {
    key.split(':').nth(3)?.parse().ok()
}

/// Why a reminder ended when its clinic stopped being active: cancelled when it was suspended
/// or closed, or found so by a worker about to send it. Reactivating the clinic puts reminders
/// that ended for these reasons back in the queue (`restore_clinic`).
pub(crate) const CLINIC_SUSPENDED: &str = "the clinic was suspended";
pub(crate) const CLINIC_CLOSED: &str = "the clinic closed";
pub(crate) const CLINIC_NOT_ACTIVE: &str = "the clinic is not active";

/// Cancels every reminder of `clinic` that is waiting, with `why` (a suspended or closed clinic
/// sends nothing); `conn` acts as the clinic's own task. Returns how many.
pub(crate) async fn cancel_clinic<C: sea_orm::ConnectionTrait>(
    conn: &C,
    clinic: i64,
    why: &str,
) -> Result<u64, crate::error::AppError> {
    use crate::server::entities::reminders;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    Ok(reminders::Entity::update_many()
        .col_expr(
            reminders::Column::Status,
            Expr::value(DeliveryStatus::Cancelled),
        )
        .col_expr(reminders::Column::LastError, Expr::value(Some(why)))
        .filter(reminders::Column::ClinicId.eq(clinic))
        .filter(reminders::Column::Status.eq(DeliveryStatus::Pending))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Puts back in the queue every reminder of `clinic` that ended only because the clinic was not
/// active, when it is active again; `conn` acts as the clinic's own task. A worker checks each
/// again before sending it, as it does every reminder: one whose care item has moved on, or a
/// goal nudge whose day has passed, is cancelled then, not sent late. Returns how many.
pub(crate) async fn restore_clinic<C: sea_orm::ConnectionTrait>(
    conn: &C,
    clinic: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<u64, crate::error::AppError> {
    use crate::server::entities::reminders;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    Ok(reminders::Entity::update_many()
        .col_expr(
            reminders::Column::Status,
            Expr::value(DeliveryStatus::Pending),
        )
        .col_expr(
            reminders::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .col_expr(reminders::Column::NextAttemptAt, Expr::value(now))
        .filter(reminders::Column::ClinicId.eq(clinic))
        .filter(reminders::Column::Status.eq(DeliveryStatus::Cancelled))
        .filter(reminders::Column::LastError.is_in([
            CLINIC_SUSPENDED,
            CLINIC_CLOSED,
            CLINIC_NOT_ACTIVE,
        ]))
        .exec(conn)
        .await?
        .rows_affected)
}
