//! The provider portal's server functions.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{CareItemView, CompliancePage, PatientDetail};

#[cfg(feature = "ssr")]
use {
    super::context,
    crate::server::errors::respond,
    crate::server::services::provider::{self, ListQuery},
};

#[server(prefix = "/api", endpoint = "provider/patients")]
pub async fn list_assigned_patients(
    status: Option<String>,
    search: Option<String>,
    sort: Option<String>,
    page: Option<String>,
) -> Result<CompliancePage, AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let query = ListQuery {
                status,
                search,
                sort,
                page,
            };
            let list = provider::compliance_list(&scoped, query).await?;
            scoped.commit().await?;
            Ok(list)
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "provider/patient")]
pub async fn get_patient_detail(patient_id: i64) -> Result<PatientDetail, AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let detail = provider::patient_detail(&scoped, patient_id).await?;
            scoped.commit().await?;
            Ok(detail)
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "provider/complete_care_item")]
pub async fn complete_care_item(
    patient_id: i64,
    item_id: i64,
    completed_on: String,
) -> Result<CareItemView, AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let view =
                provider::complete_care_item(&scoped, patient_id, item_id, &completed_on).await?;
            scoped.commit().await?;
            Ok(view)
        }
        .await,
    )
}
