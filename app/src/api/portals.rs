//! Landing summaries for the staff portals, each behind its own permission.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{ComplianceLabel, PortalSummary};

#[cfg(feature = "ssr")]
use {super::context, crate::server::errors::respond, crate::server::services::portals};

#[server(prefix = "/api", endpoint = "clinic/home")]
pub async fn get_clinic_home() -> Result<PortalSummary, AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let summary = portals::clinic_admin(&scoped).await?;
            scoped.commit().await?;
            Ok(summary)
        }
        .await,
    )
}

/// The clinic's patients per compliance label, for the overview's chart.
#[server(prefix = "/api", endpoint = "clinic/compliance_breakdown")]
pub async fn get_compliance_breakdown() -> Result<Vec<(Option<ComplianceLabel>, u64)>, AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let breakdown = portals::compliance_breakdown(&scoped).await?;
            scoped.commit().await?;
            Ok(breakdown)
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "platform/home")]
pub async fn get_platform_home() -> Result<PortalSummary, AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let summary = portals::platform(&scoped).await?;
            scoped.commit().await?;
            Ok(summary)
        }
        .await,
    )
}

/// Each active clinic's share of patients with an overdue checkup, for the platform's chart.
#[server(prefix = "/api", endpoint = "platform/compliance_by_clinic")]
pub async fn get_compliance_by_clinic() -> Result<Vec<(String, Option<u64>)>, AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let shares = portals::compliance_by_clinic(&scoped).await?;
            scoped.commit().await?;
            Ok(shares)
        }
        .await,
    )
}
