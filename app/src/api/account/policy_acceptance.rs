//! The step of signing in that asks a patient to accept a new privacy policy version. Only a
//! half-signed-in session whose password (and code) passed and that waits for the policy
//! reaches these; everyone else gets 401.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::content::Article;

#[cfg(feature = "ssr")]
use {
    crate::api::context,
    crate::routes::{self, destination},
    crate::server::errors::{respond, respond_landing_on},
    crate::server::request::RequestMeta,
    crate::server::services::account::policy_acceptance,
    crate::server::services::public::content,
    crate::server::services::sessions,
};

/// The pending sign-in that waits for the policy, and the version it waits for.
#[cfg(feature = "ssr")]
async fn waiting() -> Result<(sessions::PendingSignIn, String), AppError> {
    let state = context::state();
    let session = context::session().await?;
    let pending = sessions::pending(&session, state.clock.now())
        .await?
        .ok_or(AppError::Unauthorized)?;
    let version = pending
        .policy_to_accept
        .clone()
        .ok_or(AppError::Unauthorized)?;
    Ok((pending, version))
}

/// The version of the privacy policy the sign-in waits for.
#[server(prefix = "/api", endpoint = "auth/policy")]
pub(crate) async fn get_policy_to_accept() -> Result<Article, AppError> {
    respond(
        async {
            let (_, version) = waiting().await?;
            content::policy_version(&context::state().db, &version).await
        }
        .await,
    )
}

/// Records the patient's consent to the version shown and finishes signing in; where to go.
#[server(prefix = "/api", endpoint = "auth/accept_policy")]
pub async fn accept_policy(next: Option<String>) -> Result<String, AppError> {
    let result = async {
        let state = context::state();
        let now = state.clock.now();
        let meta = RequestMeta::current();
        let (pending, version) = waiting()
            .await
            .map_err(|_| AppError::field("form", sessions::PENDING_EXPIRED))?;
        policy_acceptance::accept(&state.db, &state.audit_key, now, &meta, &pending, &version)
            .await?;
        let home = pending.actor().home().to_owned();
        let session = context::session().await?;
        sessions::complete_after_policy(&session, pending, now, &meta).await?;
        Ok(destination(next.as_deref(), &home))
    }
    .await;
    let landing = result
        .as_deref()
        .unwrap_or(routes::account::SIGN_IN_POLICY)
        .to_owned();
    respond_landing_on(&landing, result)
}
