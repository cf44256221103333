//! The patient's rights over their data: who viewed their record, the reminders sent to them,
//! and their record as FHIR R4.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::patient::{RecordAccessPage, SentReminder};

#[cfg(feature = "ssr")]
use {
    crate::api::context::in_scope, crate::server::permissions::Permission,
    crate::server::services::patient::my_data,
};

#[server(prefix = "/api", endpoint = "patient/record_accesses")]
pub(crate) async fn get_record_accesses(
    page: Option<String>,
) -> Result<RecordAccessPage, AppError> {
    in_scope(async |scoped| {
        let me = scoped.own_record(Permission::OwnRecordRead).await?;
        my_data::record_accesses(scoped, me, page.as_deref()).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "patient/reminders")]
pub(crate) async fn get_my_reminders() -> Result<Vec<SentReminder>, AppError> {
    in_scope(async |scoped| {
        let me = scoped.own_record(Permission::OwnRecordRead).await?;
        my_data::reminders_sent(scoped, me).await
    })
    .await
}

/// The patient's record as a FHIR R4 Bundle. A GET, so a plain link downloads it.
#[server(prefix = "/api", endpoint = "patient/export", input = server_fn::codec::GetUrl)]
pub(crate) async fn export_my_data() -> Result<serde_json::Value, AppError> {
    let bundle = in_scope(async |scoped| {
        let me = scoped.own_record(Permission::OwnRecordRead).await?;
        my_data::export(scoped, me).await
    })
    .await?;
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
