//! The platform's plans: the list, a new plan, a plan's limits and features, retiring a plan
//! and offering it again.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::platform::PlanList;

#[cfg(feature = "ssr")]
use {
    crate::api::context::{in_scope, in_scope_landing_on},
    crate::routes::{self, landing},
    crate::server::services::platform::plans,
};

#[server(prefix = "/api", endpoint = "platform/plans")]
pub(crate) async fn get_plans() -> Result<PlanList, AppError> {
    in_scope(async |scoped| plans::list(scoped).await).await
}

/// The plan form as sent: a box is sent only when ticked, and the texts a month only with it.
#[cfg(feature = "ssr")]
fn form(
    code: String,
    name: String,
    provider_seats: String,
    patient_limit: String,
    sms_per_month: Option<String>,
    sms_reminders: Option<String>,
) -> plans::PlanForm {
    plans::PlanForm {
        code,
        name,
        provider_seats,
        patient_limit,
        sms_per_month: sms_per_month.unwrap_or_default(),
        sms_reminders: sms_reminders.is_some(),
    }
}

#[server(prefix = "/api", endpoint = "platform/plans/add")]
pub(crate) async fn add_plan(
    code: String,
    name: String,
    provider_seats: String,
    patient_limit: String,
    sms_per_month: Option<String>,
    sms_reminders: Option<String>,
) -> Result<(), AppError> {
    in_scope_landing_on(&landing(routes::platform::PLANS, "added"), async |scoped| {
        let form = form(
            code,
            name,
            provider_seats,
            patient_limit,
            sms_per_month,
            sms_reminders,
        );
        plans::create(scoped, form).await?;
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "platform/plans/change")]
pub(crate) async fn change_plan(
    code: String,
    name: String,
    provider_seats: String,
    patient_limit: String,
    sms_per_month: Option<String>,
    sms_reminders: Option<String>,
) -> Result<(), AppError> {
    in_scope_landing_on(
        &format!("{}?done=changed", routes::platform::plan(&code)),
        async |scoped| {
            let form = form(
                code.clone(),
                name,
                provider_seats,
                patient_limit,
                sms_per_month,
                sms_reminders,
            );
            plans::edit(scoped, &code, form).await
        },
    )
    .await
}

#[server(prefix = "/api", endpoint = "platform/plans/retire")]
pub(crate) async fn retire_plan(code: String) -> Result<(), AppError> {
    in_scope_landing_on(
        &format!("{}?done=retired", routes::platform::plan(&code)),
        async |scoped| plans::retire(scoped, &code).await,
    )
    .await
}

#[server(prefix = "/api", endpoint = "platform/plans/offer")]
pub(crate) async fn offer_plan(code: String) -> Result<(), AppError> {
    in_scope_landing_on(
        &format!("{}?done=offered", routes::platform::plan(&code)),
        async |scoped| plans::offer_again(scoped, &code).await,
    )
    .await
}
