//! The clinic admin portal's landing page.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{ComplianceLabel, PortalSummary};

#[cfg(feature = "ssr")]
use {crate::api::context::in_scope, crate::server::services::clinic::home};

#[server(prefix = "/api", endpoint = "clinic/home")]
pub(crate) async fn get_clinic_home() -> Result<PortalSummary, AppError> {
    in_scope(async |scoped| home::summary(scoped).await).await
}

/// The clinic's patients per compliance label, for the overview's chart.
#[server(prefix = "/api", endpoint = "clinic/compliance_breakdown")]
pub(crate) async fn get_compliance_breakdown(
) -> Result<Vec<(Option<ComplianceLabel>, u64)>, AppError> {
    in_scope(async |scoped| home::compliance_breakdown(scoped).await).await
}
