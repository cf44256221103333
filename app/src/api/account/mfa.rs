//! Two-step sign-in's server functions: the code at sign-in, setting up an authenticator,
//! recovery codes, turning it off, and an admin's reset. A half-signed-in session (password
//! right, code not yet) may call only the first three; everything else needs a full sign-in.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::account::{Enrolment, TwoStepStatus};

#[cfg(feature = "ssr")]
use {
    crate::api::context,
    crate::routes::{self, destination, with_next},
    crate::server::errors::{respond, respond_landing_on},
    crate::server::request::RequestMeta,
    crate::server::services::account::{mfa, policy_acceptance},
    crate::server::services::sessions,
};

#[cfg(feature = "ssr")]
pub(crate) const AFTER_TURNING_OFF: &str = "/security?two_step=off";
#[cfg(feature = "ssr")]
pub(crate) const AFTER_CLINIC_RESET: &str = "/clinic/staff?two_step=reset";
#[cfg(feature = "ssr")]
pub(crate) const AFTER_PLATFORM_RESET: &str = "/platform?two_step=reset";

/// The second step of signing in: a code from the authenticator, or a recovery code.
#[server(prefix = "/api", endpoint = "auth/verify_code")]
pub(crate) async fn verify_sign_in_code(
    code: String,
    next: Option<String>,
) -> Result<String, AppError> {
    let result = async {
        let state = context::state();
        let session = context::session().await?;
        let now = state.clock.now();
        let meta = RequestMeta::current();
        let pending = sessions::pending(&session, now)
            .await?
            .ok_or_else(|| AppError::field("code", sessions::PENDING_EXPIRED))?;
        mfa::verify(&state, &meta, &pending.actor(), &code).await?;
        let policy =
            policy_acceptance::due(&state.db, pending.user_id, pending.role, pending.clinic_id)
                .await?;
        match policy {
            None => {
                sessions::complete_pending(&session, now, &meta).await?;
                Ok(destination(next.as_deref(), pending.actor().home()))
            }
            Some(version) => {
                sessions::await_policy(&session, pending, version, now).await?;
                Ok(with_next(routes::account::SIGN_IN_POLICY, next.as_deref()))
            }
        }
    }
    .await;
    let landing = result
        .as_deref()
        .unwrap_or(routes::account::SIGN_IN_CODE)
        .to_owned();
    respond_landing_on(&landing, result)
}

/// The secret to set up, for a signed-in user or a staff member half signed in.
#[server(prefix = "/api", endpoint = "mfa/enrolment")]
pub(crate) async fn get_enrolment() -> Result<Enrolment, AppError> {
    respond(
        async {
            let state = context::state();
            let (actor, _) = context::actor_or_pending().await?;
            mfa::enrolment(&state, actor.user_id()).await
        }
        .await,
    )
}

/// Confirms the authenticator with its first code. Half signed in, this finishes signing in.
/// Lands on the page that shows the new recovery codes once.
#[server(prefix = "/api", endpoint = "mfa/confirm")]
pub(crate) async fn confirm_two_step(code: String, next: Option<String>) -> Result<(), AppError> {
    let landing = with_next(routes::account::RECOVERY_CODES, next.as_deref());
    respond_landing_on(
        &landing,
        async {
            let state = context::state();
            let session = context::session().await?;
            let meta = RequestMeta::current();
            let (actor, pending) = context::actor_or_pending().await?;
            let codes = mfa::confirm(&state, &meta, &actor, &code).await?;
            if pending {
                sessions::complete_pending(&session, state.clock.now(), &meta).await?;
            }
            sessions::keep_to_show_once(&session, &state.secret_keys, &codes).await
        }
        .await,
    )
}

/// The recovery codes just made, once: a second call has none.
#[server(prefix = "/api", endpoint = "mfa/recovery_codes")]
pub(crate) async fn take_recovery_codes() -> Result<Vec<String>, AppError> {
    respond(
        async {
            let state = context::state();
            context::actor().await?;
            let session = context::session().await?;
            sessions::take_shown_once(&session, &state.secret_keys).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "mfa/status")]
pub(crate) async fn get_two_step_status() -> Result<TwoStepStatus, AppError> {
    respond(
        async {
            let state = context::state();
            let actor = context::actor().await?;
            mfa::status(&state.db, actor.user_id(), actor.role()).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "mfa/new_recovery_codes")]
pub async fn new_recovery_codes(code: String) -> Result<(), AppError> {
    respond_landing_on(
        routes::account::RECOVERY_CODES,
        async {
            let state = context::state();
            let actor = context::actor().await?;
            let session = context::session().await?;
            let codes =
                mfa::new_recovery_codes(&state, &RequestMeta::current(), &actor, &code).await?;
            sessions::keep_to_show_once(&session, &state.secret_keys, &codes).await
        }
        .await,
    )
}

/// A patient turns two-step sign-in off, with a code.
#[server(prefix = "/api", endpoint = "mfa/turn_off")]
pub(crate) async fn turn_off_two_step(code: String) -> Result<(), AppError> {
    respond_landing_on(
        AFTER_TURNING_OFF,
        async {
            let state = context::state();
            let actor = context::actor().await?;
            mfa::turn_off(&state, &RequestMeta::current(), &actor, &code).await
        }
        .await,
    )
}

/// An admin resets a user's two-step sign-in: a clinic admin for the staff of their clinic, a
/// super admin for anyone.
#[server(prefix = "/api", endpoint = "mfa/reset")]
pub async fn reset_two_step(user_id: i64) -> Result<(), AppError> {
    respond_landing_on(
        AFTER_CLINIC_RESET,
        async {
            let state = context::state();
            let actor = context::actor().await?;
            mfa::reset(&state, &RequestMeta::current(), &actor, user_id).await
        }
        .await,
    )
}

/// A super admin resets the two-step sign-in of the account with this email.
#[server(prefix = "/api", endpoint = "platform/reset_two_step")]
pub(crate) async fn reset_two_step_by_email(email: String) -> Result<(), AppError> {
    respond_landing_on(
        AFTER_PLATFORM_RESET,
        async {
            let state = context::state();
            let actor = context::actor().await?;
            mfa::reset_by_email(&state, &RequestMeta::current(), &actor, &email).await
        }
        .await,
    )
}
