//! The clinic's reminders: what was sent, what failed and why, and a retry for a dead letter.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::clinic::ReminderDeliveries;

#[cfg(feature = "ssr")]
use {
    crate::api::context,
    crate::server::errors::{respond, respond_landing_on},
    crate::server::services::clinic::reminders,
};

pub const REMINDERS_PAGE: &str = "/clinic/reminders";

#[server(prefix = "/api", endpoint = "clinic/reminders")]
pub async fn get_clinic_reminders(
    status: Option<String>,
    channel: Option<String>,
    page: Option<String>,
) -> Result<ReminderDeliveries, AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let query = reminders::DeliveryQuery {
                status,
                channel,
                page,
            };
            let list = reminders::list(&scoped, query).await?;
            scoped.commit().await?;
            Ok(list)
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "clinic/reminders/retry")]
pub async fn retry_reminder(reminder_id: i64) -> Result<(), AppError> {
    respond_landing_on(
        "/clinic/reminders?done=retried",
        async {
            let scoped = context::scoped().await?;
            let channel = reminders::retry(&scoped, reminder_id).await?;
            scoped.commit().await?;
            context::state().reminder_counters.count(
                crate::server::reminders::metrics::Event::Retried,
                &channel,
                1,
            );
            Ok(())
        }
        .await,
    )
}
