//! The platform's audit log: a page of it across clinics, and verifying the whole log. (The CSV
//! download is a streamed route of its own: `salus_server::exports`.)
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::clinic::ChainStatus;
use crate::model::platform::{PlatformAuditPage, PlatformAuditQuery};

#[cfg(feature = "ssr")]
use {
    crate::api::context::{self, in_scope, in_scope_landing_on},
    crate::routes,
    crate::server::services::platform::audit_log,
};

/// Where the streamed CSV is downloaded from, with the page's filters as its query.
pub(crate) const PLATFORM_AUDIT_CSV: &str = "/api/platform/audit_log.csv";

#[server(prefix = "/api", endpoint = "platform/audit_log")]
pub(crate) async fn get_platform_audit_log(
    #[server(flatten)] query: PlatformAuditQuery,
) -> Result<PlatformAuditPage, AppError> {
    in_scope(async |scoped| audit_log::list(scoped, query).await).await
}

/// Recomputes every chain now, as `salus audit verify` does; the page shows the outcome.
#[server(prefix = "/api", endpoint = "platform/audit_log/verify")]
pub(crate) async fn verify_platform_audit_log() -> Result<ChainStatus, AppError> {
    let key = context::state().audit_key;
    in_scope_landing_on(routes::platform::AUDIT_LOG, async |scoped| {
        audit_log::verify(scoped, &key).await
    })
    .await
}
