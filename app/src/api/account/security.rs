//! The security page's server functions: the user's signed-in devices, ending them, and
//! changing the password. Open to every signed-in role, for their own account only.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::account::{EmailStatus, SignedInDevice};

#[cfg(feature = "ssr")]
use {
    crate::api::context::{self, in_scope, in_scope_landing_on},
    crate::server::errors::{respond, respond_landing_on},
    crate::server::request::RequestMeta,
    crate::server::services::account::{email_verification, password::Password, security},
    crate::server::services::sessions,
};

/// Where each form lands when posted without JavaScript (the page reads the query).
#[cfg(feature = "ssr")]
pub(crate) const AFTER_DEVICE_ENDED: &str = "/security?ended=one";
#[cfg(feature = "ssr")]
pub(crate) const AFTER_OTHER_DEVICES_ENDED: &str = "/security?ended=others";
#[cfg(feature = "ssr")]
pub(crate) const AFTER_PASSWORD_CHANGE: &str = "/security?password=changed";
#[cfg(feature = "ssr")]
pub(crate) const AFTER_VERIFICATION_SENT: &str = "/security?verification=sent";

#[server(prefix = "/api", endpoint = "security/email")]
pub(crate) async fn get_email_status() -> Result<EmailStatus, AppError> {
    respond(
        async {
            let state = context::state();
            let actor = context::actor().await?;
            email_verification::status(&state.db, &actor).await
        }
        .await,
    )
}

/// A new link to confirm the signed-in user's email address.
#[server(prefix = "/api", endpoint = "security/send_verification")]
pub async fn send_verification() -> Result<(), AppError> {
    respond_landing_on(
        AFTER_VERIFICATION_SENT,
        async {
            let state = context::state();
            let actor = context::actor().await?;
            email_verification::resend(
                &state.db,
                &state.settings,
                state.mailer.clone(),
                state.clock.now(),
                &actor,
            )
            .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "security/devices")]
pub(crate) async fn get_signed_in_devices() -> Result<Vec<SignedInDevice>, AppError> {
    respond(
        async {
            let state = context::state();
            let actor = context::actor().await?;
            let session = context::session().await?;
            sessions::devices(
                &state.db,
                &state.settings,
                state.clock.now(),
                actor.user_id(),
                &session,
            )
            .await
        }
        .await,
    )
}

/// Signs out one device, named by the key the device list gave.
#[server(prefix = "/api", endpoint = "security/end_session")]
pub async fn end_session(key: String) -> Result<(), AppError> {
    let signed_out = in_scope(async |scoped| {
        let session = context::session().await?;
        security::end_device(scoped, &session, key.trim()).await
    })
    .await?;
    // Ending the session the page was loaded with signs out: the security page is gone too.
    let landing = match signed_out {
        true => super::auth::AFTER_SIGN_OUT,
        false => AFTER_DEVICE_ENDED,
    };
    respond_landing_on(landing, Ok(()))
}

#[server(prefix = "/api", endpoint = "security/end_other_sessions")]
pub async fn end_other_sessions() -> Result<(), AppError> {
    in_scope_landing_on(AFTER_OTHER_DEVICES_ENDED, async |scoped| {
        let session = context::session().await?;
        security::end_other_devices(scoped, &session).await?;
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "security/change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    respond_landing_on(
        AFTER_PASSWORD_CHANGE,
        async {
            let state = context::state();
            let actor = context::actor().await?;
            let session = context::session().await?;
            let change = security::PasswordChange {
                current: Password::new(current_password),
                new: Password::new(new_password),
            };
            security::change_password(
                &state.db,
                &state.settings,
                &state.audit_key,
                state.mailer.clone(),
                state.clock.now(),
                &RequestMeta::current(),
                &actor,
                &session,
                change,
            )
            .await
        }
        .await,
    )
}
