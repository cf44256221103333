//! The platform portal's landing page.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::PortalSummary;

#[cfg(feature = "ssr")]
use {crate::api::context::in_scope, crate::server::services::platform::home};

#[server(prefix = "/api", endpoint = "platform/home")]
pub(crate) async fn get_platform_home() -> Result<PortalSummary, AppError> {
    in_scope(async |scoped| home::summary(scoped).await).await
}

/// Each active clinic's share of patients with an overdue checkup, for the platform's chart.
#[server(prefix = "/api", endpoint = "platform/compliance_by_clinic")]
pub(crate) async fn get_compliance_by_clinic() -> Result<Vec<(String, Option<u64>)>, AppError> {
    in_scope(async |scoped| home::compliance_by_clinic(scoped).await).await
}
