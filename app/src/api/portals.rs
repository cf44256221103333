//! Landing summaries for the staff portals, each behind its own permission.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::PortalSummary;

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
