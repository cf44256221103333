//! The clinic's audit log: a page of it, and verifying its chain. (The CSV download is a
//! streamed route of its own: `salus_server::exports`.)
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::clinic::{AuditLogPage, AuditQuery, ChainStatus};

#[cfg(feature = "ssr")]
use {
    crate::api::context::{self, in_scope, in_scope_landing_on},
    crate::routes,
    crate::server::services::clinic::audit_log,
};

/// Where the streamed CSV is downloaded from, with the page's filters as its query.
pub(crate) const AUDIT_LOG_CSV: &str = "/api/clinic/audit_log.csv";

#[server(prefix = "/api", endpoint = "clinic/audit_log")]
pub(crate) async fn get_audit_log(
    #[server(flatten)] query: AuditQuery,
) -> Result<AuditLogPage, AppError> {
    in_scope(async |scoped| audit_log::list(scoped, query).await).await
}

/// Recomputes the clinic's audit chain now; the page shows the outcome.
#[server(prefix = "/api", endpoint = "clinic/audit_log/verify")]
pub(crate) async fn verify_audit_chain() -> Result<ChainStatus, AppError> {
    let key = context::state().audit_key;
    in_scope_landing_on(routes::clinic::AUDIT_LOG, async |scoped| {
        audit_log::verify(scoped, &key).await
    })
    .await
}
