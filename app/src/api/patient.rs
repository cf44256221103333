//! The patient portal's server functions.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{GoalProgress, MyClinic, PatientDashboard, TodaysGoals};

#[cfg(feature = "ssr")]
use {
    super::context,
    crate::server::errors::{respond, respond_landing_on},
    crate::server::permissions::Permission,
    crate::server::request::RequestMeta,
    crate::server::services::{goals, my_clinics, sessions},
};

/// The page listing the patient's clinics.
pub const MY_CLINICS_PAGE: &str = "/patient/clinics";

#[server(prefix = "/api", endpoint = "patient/dashboard")]
pub async fn get_patient_dashboard() -> Result<PatientDashboard, AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let me = scoped.own_record(Permission::OwnRecordRead).await?;
            let dashboard = goals::dashboard(&scoped, me).await?;
            scoped.commit().await?;
            Ok(dashboard)
        }
        .await,
    )
}

/// The patient's clinic: how to reach it and when it is open.
#[server(prefix = "/api", endpoint = "patient/clinic")]
pub async fn get_my_clinic() -> Result<crate::model::clinic::ClinicContact, AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let me = scoped.own_record(Permission::OwnRecordRead).await?;
            let contact = crate::server::services::clinic::settings::contact(&scoped, me).await?;
            scoped.commit().await?;
            Ok(contact)
        }
        .await,
    )
}

/// Every clinic the patient belongs to, the one they act in marked.
#[server(prefix = "/api", endpoint = "patient/clinics")]
pub async fn get_my_clinics() -> Result<Vec<MyClinic>, AppError> {
    respond(
        async {
            let state = context::state();
            let scoped = context::scoped().await?;
            let me = scoped.own_record(Permission::OwnRecordRead).await?;
            scoped.commit().await?;
            my_clinics::list(&state.db, me).await
        }
        .await,
    )
}

/// Acts in another of the patient's clinics from now on: the dashboard, reminders and the
/// record that clinic keeps.
#[server(prefix = "/api", endpoint = "patient/switch_clinic")]
pub async fn switch_clinic(clinic_id: i64) -> Result<(), AppError> {
    respond_landing_on(
        "/patient",
        async {
            let state = context::state();
            let scoped = context::scoped().await?;
            let me = scoped.own_record(Permission::OwnRecordRead).await?;
            scoped.commit().await?;
            my_clinics::may_act_in(&state.db, me, clinic_id).await?;
            sessions::move_to_clinic(&context::session().await?, clinic_id).await
        }
        .await,
    )
}

/// Leaves one of the patient's clinics (not their only one): it no longer reaches their record.
#[server(prefix = "/api", endpoint = "patient/leave_clinic")]
pub async fn leave_clinic(clinic_id: i64) -> Result<(), AppError> {
    respond_landing_on(
        &format!("{MY_CLINICS_PAGE}?done=left"),
        async {
            let state = context::state();
            let scoped = context::scoped().await?;
            let me = scoped.own_record(Permission::OwnRecordWrite).await?;
            scoped.commit().await?;
            let stay = my_clinics::leave(
                &state.db,
                &state.audit_key,
                state.clock.now(),
                &RequestMeta::current(),
                me,
                clinic_id,
            )
            .await?;
            sessions::move_to_clinic(&context::session().await?, stay).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "patient/todays_goals")]
pub async fn get_todays_goals() -> Result<TodaysGoals, AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let me = scoped.own_record(Permission::OwnRecordRead).await?;
            let todays_goals = goals::todays_goals(&scoped, me).await?;
            scoped.commit().await?;
            Ok(todays_goals)
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "patient/log_goal")]
pub async fn log_goal(kind: String, date: String, value: String) -> Result<GoalProgress, AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let me = scoped.own_record(Permission::OwnRecordWrite).await?;
            let entry = goals::LogEntry {
                kind: &kind,
                date: &date,
                value: &value,
            };
            let progress = goals::log(&scoped, me, entry).await?;
            scoped.commit().await?;
            Ok(progress)
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "patient/record_accesses")]
pub async fn get_record_accesses(
    page: Option<String>,
) -> Result<crate::model::RecordAccessPage, AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let me = scoped.own_record(Permission::OwnRecordRead).await?;
            let accesses =
                crate::server::services::my_data::record_accesses(&scoped, me, page.as_deref())
                    .await?;
            scoped.commit().await?;
            Ok(accesses)
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "patient/reminders")]
pub async fn get_my_reminders() -> Result<Vec<crate::model::SentReminder>, AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let me = scoped.own_record(Permission::OwnRecordRead).await?;
            let sent = crate::server::services::my_data::reminders_sent(&scoped, me).await?;
            scoped.commit().await?;
            Ok(sent)
        }
        .await,
    )
}

/// The patient's record as a FHIR R4 Bundle. A GET, so a plain link downloads it.
#[server(prefix = "/api", endpoint = "patient/export", input = server_fn::codec::GetUrl)]
pub async fn export_my_data() -> Result<serde_json::Value, AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let me = scoped.own_record(Permission::OwnRecordRead).await?;
            let bundle = crate::server::services::my_data::export(&scoped, me).await?;
            scoped.commit().await?;
            if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
                options.insert_header(
                    axum::http::header::CONTENT_DISPOSITION,
                    axum::http::HeaderValue::from_static(
                        "attachment; filename=\"salus-my-record.fhir.json\"",
                    ),
                );
            }
            Ok(bundle)
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "patient/profile")]
pub async fn get_profile() -> Result<crate::model::Profile, AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let me = scoped.own_record(Permission::OwnRecordRead).await?;
            let profile = crate::server::services::profile::get(&scoped, me).await?;
            scoped.commit().await?;
            Ok(profile)
        }
        .await,
    )
}

#[allow(clippy::too_many_arguments)]
/// Where the details form lands after a save without JavaScript; the page says it is saved.
pub const AFTER_PROFILE_SAVE: &str = "/patient/profile?saved=1";

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
    respond_landing_on(
        AFTER_PROFILE_SAVE,
        async {
            let scoped = context::scoped().await?;
            let me = scoped.own_record(Permission::OwnRecordWrite).await?;
            let form = crate::server::services::profile::ProfileForm {
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
            crate::server::services::profile::update(&scoped, me, form).await?;
            scoped.commit().await?;
            // Channels or quiet hours may have changed: the worker plans again now.
            context::state().reminder_wakeup.notify_one();
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "patient/add_allergy")]
pub async fn add_allergy(
    substance: String,
    reaction: String,
    severity: String,
) -> Result<(), AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let me = scoped.own_record(Permission::OwnRecordWrite).await?;
            crate::server::services::profile::add_allergy(
                &scoped, me, &substance, &reaction, &severity,
            )
            .await?;
            scoped.commit().await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "patient/remove_allergy")]
pub async fn remove_allergy(id: i64) -> Result<(), AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let me = scoped.own_record(Permission::OwnRecordWrite).await?;
            crate::server::services::profile::remove_allergy(&scoped, me, id).await?;
            scoped.commit().await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "patient/add_medication")]
pub async fn add_medication(
    medication: String,
    dose: String,
    frequency: String,
) -> Result<(), AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let me = scoped.own_record(Permission::OwnRecordWrite).await?;
            crate::server::services::profile::add_medication(
                &scoped,
                me,
                &medication,
                &dose,
                &frequency,
            )
            .await?;
            scoped.commit().await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "patient/remove_medication")]
pub async fn remove_medication(id: i64) -> Result<(), AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let me = scoped.own_record(Permission::OwnRecordWrite).await?;
            crate::server::services::profile::remove_medication(&scoped, me, id).await?;
            scoped.commit().await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "patient/goal_history")]
pub async fn get_goal_history() -> Result<crate::model::GoalHistory, AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let me = scoped.own_record(Permission::OwnRecordRead).await?;
            let history = goals::history(&scoped, me).await?;
            scoped.commit().await?;
            Ok(history)
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "patient/set_goal_target")]
pub async fn set_goal_target(kind: String, target: String) -> Result<(), AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let me = scoped.own_record(Permission::OwnRecordWrite).await?;
            goals::set_target(&scoped, me, &kind, &target).await?;
            scoped.commit().await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "patient/update_goal_log")]
pub async fn update_goal_log(id: i64, value: String) -> Result<(), AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let me = scoped.own_record(Permission::OwnRecordWrite).await?;
            goals::update_entry(&scoped, me, id, &value).await?;
            scoped.commit().await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "patient/delete_goal_log")]
pub async fn delete_goal_log(id: i64) -> Result<(), AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let me = scoped.own_record(Permission::OwnRecordWrite).await?;
            goals::delete_entry(&scoped, me, id).await?;
            scoped.commit().await
        }
        .await,
    )
}
