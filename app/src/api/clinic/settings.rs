//! The clinic's settings: details, working hours, reminder settings.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::clinic::ClinicSettings;

#[cfg(feature = "ssr")]
use {
    crate::api::context::{self, in_scope, in_scope_landing_on},
    crate::routes::{self, landing},
    crate::server::services::clinic::settings,
};

#[server(prefix = "/api", endpoint = "clinic/settings")]
pub(crate) async fn get_clinic_settings() -> Result<ClinicSettings, AppError> {
    in_scope(async |scoped| settings::get(scoped).await).await
}

#[server(prefix = "/api", endpoint = "clinic/settings/details")]
pub(crate) async fn save_clinic_details(
    name: String,
    contact_email: String,
    contact_phone: String,
    address: String,
    time_zone: String,
) -> Result<(), AppError> {
    in_scope_landing_on(
        &landing(routes::clinic::SETTINGS, "details"),
        async |scoped| {
            let form = settings::Details {
                name,
                contact_email,
                contact_phone,
                address,
                time_zone,
            };
            settings::update_details(scoped, form).await
        },
    )
    .await
}

/// A new registration code for the clinic; the old one stops working.
#[server(prefix = "/api", endpoint = "clinic/settings/new_code")]
pub(crate) async fn regenerate_registration_code() -> Result<String, AppError> {
    in_scope_landing_on(&landing(routes::clinic::SETTINGS, "code"), async |scoped| {
        settings::regenerate_code(scoped).await
    })
    .await
}

/// Opening and closing times, Monday to Sunday; both empty for a closed day.
#[server(prefix = "/api", endpoint = "clinic/settings/hours")]
#[allow(clippy::too_many_arguments)]
pub(crate) async fn save_working_hours(
    monday_opens: String,
    monday_closes: String,
    tuesday_opens: String,
    tuesday_closes: String,
    wednesday_opens: String,
    wednesday_closes: String,
    thursday_opens: String,
    thursday_closes: String,
    friday_opens: String,
    friday_closes: String,
    saturday_opens: String,
    saturday_closes: String,
    sunday_opens: String,
    sunday_closes: String,
) -> Result<(), AppError> {
    in_scope_landing_on(
        &landing(routes::clinic::SETTINGS, "hours"),
        async |scoped| {
            let days = [
                (monday_opens, monday_closes),
                (tuesday_opens, tuesday_closes),
                (wednesday_opens, wednesday_closes),
                (thursday_opens, thursday_closes),
                (friday_opens, friday_closes),
                (saturday_opens, saturday_closes),
                (sunday_opens, sunday_closes),
            ];
            settings::update_hours(scoped, days).await
        },
    )
    .await
}

/// A checkbox is sent only when ticked.
#[server(prefix = "/api", endpoint = "clinic/settings/reminders")]
pub(crate) async fn save_reminder_settings(
    email_enabled: Option<String>,
    sms_enabled: Option<String>,
    quiet_hours_start: String,
    quiet_hours_end: String,
    sender_name: String,
    due_soon_days: String,
    sms_daily_cap: String,
) -> Result<(), AppError> {
    let form = settings::ReminderForm {
        email_enabled: email_enabled.is_some(),
        sms_enabled: sms_enabled.is_some(),
        quiet_hours_start,
        quiet_hours_end,
        sender_name,
        due_soon_days,
        sms_daily_cap,
    };
    in_scope_landing_on(
        &landing(routes::clinic::SETTINGS, "reminders"),
        async |scoped| settings::update_reminders(scoped, form).await,
    )
    .await?;
    // The clinic's channels may have changed: the worker plans again now.
    context::state().reminder_wakeup.notify_one();
    Ok(())
}
