//! Registration, sign-in, sign-out and password reset.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::account::CurrentUser;

#[cfg(feature = "ssr")]
use {
    crate::api::context,
    crate::routes::{self, safe_return_path, with_next},
    crate::server::errors::{respond, respond_landing_on},
    crate::server::request::RequestMeta,
    crate::server::services::account::{
        auth, email_verification, mfa, password::Password, password_reset, policy_acceptance,
    },
    crate::server::services::sessions,
};

#[server(prefix = "/api", endpoint = "auth/me")]
pub(crate) async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    respond(
        async {
            Ok(context::signed_in()
                .await?
                .map(|signed_in| signed_in.current_user()))
        }
        .await,
    )
}

/// Where each form lands after success, with or without JavaScript (the pages read the
/// query to show the outcome).
pub(crate) const AFTER_REGISTRATION: &str = "/signin?registered=1";
pub(crate) const AFTER_SIGN_OUT: &str = "/";
#[cfg(feature = "ssr")]
pub(crate) const AFTER_RESET_REQUEST: &str = "/forgot-password?sent=1";
#[cfg(feature = "ssr")]
pub(crate) const AFTER_PASSWORD_RESET: &str = "/reset-password?done=1";

#[server(prefix = "/api", endpoint = "auth/register")]
pub async fn register(
    name: String,
    email: String,
    password: String,
    clinic_code: String,
    consent: Option<String>,
    time_zone: Option<String>,
) -> Result<(), AppError> {
    respond_landing_on(
        AFTER_REGISTRATION,
        async {
            let state = context::state();
            let form = auth::Registration {
                name,
                email,
                password: Password::new(password),
                clinic_code,
                consent: consent.is_some_and(|c| matches!(c.as_str(), "on" | "true" | "yes")),
                time_zone,
            };
            auth::register(
                &state.db,
                &state.settings,
                &state.audit_key,
                state.mailer.clone(),
                state.clock.now(),
                &RequestMeta::current(),
                form,
            )
            .await
        }
        .await,
    )
}

/// Checks the password and answers with the path to go to next: the portal (or `next`) when
/// that signs in, or the second step (`/signin/code`, or `/signin/enrol` for staff with no
/// authenticator yet), which a form posted without JavaScript lands on.
#[server(prefix = "/api", endpoint = "auth/sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<String, AppError> {
    let result = async {
        let state = context::state();
        let now = state.clock.now();
        let meta = RequestMeta::current();
        let signed_in = auth::sign_in(
            &state.db,
            &state.settings,
            &state.audit_key,
            now,
            &meta,
            &email,
            Password::new(password),
        )
        .await?;
        let session = context::session().await?;
        let next = next
            .as_deref()
            .and_then(safe_return_path)
            .filter(|p| !p.starts_with(routes::account::SIGN_IN));
        let second_step = match mfa::next_step(&state.db, signed_in.user_id, signed_in.role).await?
        {
            mfa::NextStep::SignedIn => None,
            mfa::NextStep::Code => Some(routes::account::SIGN_IN_CODE),
            mfa::NextStep::Enrol => Some(routes::account::SIGN_IN_ENROL),
        };
        let policy = match second_step {
            None => {
                policy_acceptance::due(
                    &state.db,
                    signed_in.user_id,
                    signed_in.role,
                    signed_in.clinic_id,
                )
                .await?
            }
            Some(_) => None,
        };
        match (second_step, policy) {
            (None, None) => {
                sessions::establish(&session, &signed_in, now, &meta).await?;
                Ok((
                    next.unwrap_or_else(|| signed_in.actor().home().to_owned()),
                    false,
                ))
            }
            (None, Some(version)) => {
                let pending = sessions::establish_pending(&session, &signed_in, now).await?;
                sessions::await_policy(&session, pending, version, now).await?;
                Ok((
                    with_next(routes::account::SIGN_IN_POLICY, next.as_deref()),
                    true,
                ))
            }
            (Some(page), _) => {
                sessions::establish_pending(&session, &signed_in, now).await?;
                Ok((with_next(page, next.as_deref()), true))
            }
        }
    }
    .await;
    match result {
        // Without JavaScript, the second step's page; a full sign-in goes back to the sign-in
        // page, which sends a signed-in visitor on.
        Ok((page, true)) => respond_landing_on(&page.clone(), Ok(page)),
        other => respond(other.map(|(destination, _)| destination)),
    }
}

#[server(prefix = "/api", endpoint = "auth/sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    respond_landing_on(
        AFTER_SIGN_OUT,
        async {
            let session = context::session().await?;
            sessions::end(&session).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "auth/request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    respond_landing_on(
        AFTER_RESET_REQUEST,
        async {
            let state = context::state();
            password_reset::request(
                &state.db,
                &state.settings,
                &state.audit_key,
                state.mailer.clone(),
                state.clock.now(),
                &RequestMeta::current(),
                &email,
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "auth/reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    respond_landing_on(
        AFTER_PASSWORD_RESET,
        async {
            let state = context::state();
            password_reset::complete(
                &state.db,
                &state.settings,
                &state.audit_key,
                state.mailer.clone(),
                state.clock.now(),
                &RequestMeta::current(),
                &token,
                Password::new(password),
            )
            .await
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
pub(crate) const AFTER_EMAIL_VERIFIED: &str = "/verify-email?done=1";

/// Confirms the account's email address with the token its link carried. A form posts it (a
/// link opened by a mail scanner confirms nothing).
#[server(prefix = "/api", endpoint = "auth/verify_email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    respond_landing_on(
        AFTER_EMAIL_VERIFIED,
        async {
            let state = context::state();
            email_verification::confirm(
                &state.db,
                &state.audit_key,
                state.clock.now(),
                &RequestMeta::current(),
                &token,
            )
            .await
        }
        .await,
    )
}
