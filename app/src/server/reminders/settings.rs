//! A clinic's reminder settings as the worker reads them: what its admin saved on the settings
//! page (`services::clinic::settings`), or the defaults until they save some.
use sea_orm::EntityTrait;

use crate::error::AppError;
use crate::model::clinic::ReminderSettings;
use crate::server::entities::{clinic_reminder_settings, clinics};

/// The longest sender name a clinic may set.
pub(crate) const MAX_SENDER: usize = 60;

/// A clinic's reminder settings until its admin saves some.
pub(crate) fn default_reminders(clinic_name: &str) -> ReminderSettings {
    ReminderSettings {
        email_enabled: true,
        sms_enabled: false,
        quiet_hours_start: "21:00".into(),
        quiet_hours_end: "08:00".into(),
        sender_name: clinic_name.chars().take(MAX_SENDER).collect(),
        due_soon_days: 14,
        sms_daily_cap: 200,
    }
}

/// A clinic's reminder settings, saved or default: what the reminder worker reads.
pub(crate) async fn reminders_of<C: sea_orm::ConnectionTrait>(
    conn: &C,
    clinic: &clinics::Model,
) -> Result<ReminderSettings, AppError> {
    Ok(clinic_reminder_settings::Entity::find_by_id(clinic.id)
        .one(conn)
        .await?
        .map_or_else(
            || default_reminders(&clinic.name),
            |r| ReminderSettings {
                email_enabled: r.email_enabled,
                sms_enabled: r.sms_enabled,
                quiet_hours_start: r.quiet_hours_start,
                quiet_hours_end: r.quiet_hours_end,
                sender_name: r.sender_name,
                due_soon_days: u32::try_from(r.due_soon_days).unwrap_or(0),
                sms_daily_cap: u32::try_from(r.sms_daily_cap).unwrap_or(0),
            },
        ))
}
