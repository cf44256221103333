//! The provider's assigned patients: the compliance list, a patient's detail, and recording a
//! completed care item.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::provider::{CareItemView, CompliancePage, ListQuery, PatientDetail};

#[cfg(feature = "ssr")]
use {crate::api::context::in_scope, crate::server::services::provider::patients};

#[server(prefix = "/api", endpoint = "provider/patients")]
pub(crate) async fn list_assigned_patients(
    #[server(flatten)] query: ListQuery,
) -> Result<CompliancePage, AppError> {
    in_scope(async |scoped| patients::compliance_list(scoped, query).await).await
}

#[server(prefix = "/api", endpoint = "provider/patient")]
pub(crate) async fn get_patient_detail(patient_id: i64) -> Result<PatientDetail, AppError> {
    in_scope(async |scoped| patients::patient_detail(scoped, patient_id).await).await
}

#[server(prefix = "/api", endpoint = "provider/complete_care_item")]
pub async fn complete_care_item(
    patient_id: i64,
    item_id: i64,
    completed_on: String,
) -> Result<CareItemView, AppError> {
    in_scope(async |scoped| {
        patients::complete_care_item(scoped, patient_id, item_id, &completed_on).await
    })
    .await
}
