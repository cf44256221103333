//! The clinic's reminders: what was sent, what failed and why, and a retry for a dead letter.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::clinic::{DeliveryQuery, ReminderDeliveries};

#[cfg(feature = "ssr")]
use {
    crate::api::context::{self, in_scope, in_scope_landing_on},
    crate::routes::{self, landing},
    crate::server::metrics::Event,
    crate::server::services::clinic::reminders,
};

#[server(prefix = "/api", endpoint = "clinic/reminders")]
pub(crate) async fn get_clinic_reminders(
    #[server(flatten)] query: DeliveryQuery,
) -> Result<ReminderDeliveries, AppError> {
    in_scope(async |scoped| reminders::list(scoped, query).await).await
}

#[server(prefix = "/api", endpoint = "clinic/reminders/retry")]
pub(crate) async fn retry_reminder(reminder_id: i64) -> Result<(), AppError> {
    let channel = in_scope_landing_on(
        &landing(routes::clinic::REMINDERS, "retried"),
        async |scoped| reminders::retry(scoped, reminder_id).await,
    )
    .await?;
    let counters = &context::state().reminder_counters;
    counters.count(Event::Retried, channel, 1);
    Ok(())
}
