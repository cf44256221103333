//! The patient's profile: details, reminder preferences, allergies and medications.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::patient::Profile;

#[cfg(feature = "ssr")]
use {
    crate::api::context::{self, in_scope, in_scope_landing_on},
    crate::server::permissions::Permission,
    crate::server::services::patient::profile::{self, ProfileForm},
};

/// Where the details form lands after a save without JavaScript; the page says it is saved.
#[cfg(feature = "ssr")]
pub(crate) const AFTER_PROFILE_SAVE: &str = "/patient/profile?saved=1";

#[server(prefix = "/api", endpoint = "patient/profile")]
pub(crate) async fn get_profile() -> Result<Profile, AppError> {
    in_scope(async |scoped| {
        let me = scoped.own_record(Permission::OwnRecordRead).await?;
        profile::get(scoped, me).await
    })
    .await
}

#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "patient/update_profile")]
pub async fn update_profile(
    name: String,
    date_of_birth: String,
    sex: String,
    phone: String,
    time_zone: String,
    preferred_language: String,
    email_reminders: Option<String>,
    sms_reminders: Option<String>,
    quiet_hours_start: String,
    quiet_hours_end: String,
    goal_nudges: Option<String>,
    goal_nudge_at: Option<String>,
) -> Result<(), AppError> {
    let form = ProfileForm {
        name,
        date_of_birth,
        sex,
        phone,
        time_zone,
        preferred_language,
        email_reminders: email_reminders.is_some(),
        sms_reminders: sms_reminders.is_some(),
        quiet_hours_start,
        quiet_hours_end,
        goal_nudges: goal_nudges.is_some(),
        goal_nudge_at: goal_nudge_at.unwrap_or_default(),
    };
    in_scope_landing_on(AFTER_PROFILE_SAVE, async |scoped| {
        let me = scoped.own_record(Permission::OwnRecordWrite).await?;
        profile::update(scoped, me, form).await
    })
    .await?;
    // Channels or quiet hours may have changed: the worker plans again now.
    context::state().reminder_wakeup.notify_one();
    Ok(())
}

#[server(prefix = "/api", endpoint = "patient/add_allergy")]
pub async fn add_allergy(
    substance: String,
    reaction: String,
    severity: String,
) -> Result<(), AppError> {
    in_scope(async |scoped| {
        let me = scoped.own_record(Permission::OwnRecordWrite).await?;
        profile::add_allergy(scoped, me, &substance, &reaction, &severity).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "patient/remove_allergy")]
pub async fn remove_allergy(id: i64) -> Result<(), AppError> {
    in_scope(async |scoped| {
        let me = scoped.own_record(Permission::OwnRecordWrite).await?;
        profile::remove_allergy(scoped, me, id).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "patient/add_medication")]
pub async fn add_medication(
    medication: String,
    dose: String,
    frequency: String,
) -> Result<(), AppError> {
    in_scope(async |scoped| {
        let me = scoped.own_record(Permission::OwnRecordWrite).await?;
        profile::add_medication(scoped, me, &medication, &dose, &frequency).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "patient/remove_medication")]
pub async fn remove_medication(id: i64) -> Result<(), AppError> {
    in_scope(async |scoped| {
        let me = scoped.own_record(Permission::OwnRecordWrite).await?;
        profile::remove_medication(scoped, me, id).await
    })
    .await
}
