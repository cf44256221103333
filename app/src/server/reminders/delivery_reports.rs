//! The SMS gateway's reports of what became of a text: each text is sent with a status callback
//! address naming its clinic, and the gateway posts the message's id and status there, signed
//! (`sms::signature_holds`, checked by the server before this runs). `delivered` is recorded on
//! the row; `failed` and `undelivered` end it as a dead letter with the gateway's error code,
//! which the clinic's admin can send again. Other statuses (queued, sent) change nothing.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::error::AppError;
use crate::model::reminders::{Channel, DeliveryStatus};
use crate::server::db_context::{self, DbContext};
use crate::server::entities::reminders;

/// Where the gateway reports on the clinic's texts: `<path>/<clinic id>`.
pub const STATUS_PATH: &str = "/api/sms/status";

/// The status callback address given with each of the clinic's texts: what the gateway calls,
/// and so what its signature covers.
pub fn status_callback_url(public_url: &str, clinic: i64) -> String {
    format!("{}{STATUS_PATH}/{clinic}", public_url.trim_end_matches('/'))
}

/// What a report changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Delivered,
    Failed,
    /// A status that changes nothing, or a message this clinic did not send.
    Nothing,
}

/// Records the gateway's report on message `sid` of `clinic`.
pub async fn record(
    db: &DatabaseConnection,
    clinic: i64,
    sid: &str,
    status: &str,
    error_code: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Recorded, AppError> {
    let (changes, recorded) = match status {
        "delivered" => (
            vec![(reminders::Column::DeliveredAt, Expr::value(Some(now)))],
            Recorded::Delivered,
        ),
        "failed" | "undelivered" => {
            // Only the code: the gateway's words may quote the number.
            let code: String = error_code
                .unwrap_or("")
                .chars()
                .filter(char::is_ascii_digit)
                .take(8)
                .collect();
            let reason = if code.is_empty() {
                format!("{status}: the gateway could not deliver it")
            } else {
                format!("{status}: the gateway could not deliver it (error {code})")
            };
            (
                vec![
                    (reminders::Column::Status, Expr::value(DeliveryStatus::Dead)),
                    (reminders::Column::LastError, Expr::value(Some(reason))),
                ],
                Recorded::Failed,
            )
        }
        _ => return Ok(Recorded::Nothing),
    };
    let txn = db_context::begin(db, DbContext::ClinicTask(clinic)).await?;
    let mut update = reminders::Entity::update_many();
    for (column, value) in changes {
        update = update.col_expr(column, value);
    }
    let updated = update
        .filter(reminders::Column::ClinicId.eq(clinic))
        .filter(reminders::Column::Channel.eq(Channel::Sms))
        .filter(reminders::Column::ProviderMessageId.eq(sid))
        .filter(reminders::Column::Status.eq(DeliveryStatus::Sent))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(if updated == 0 {
        Recorded::Nothing
    } else {
        recorded
    })
}
