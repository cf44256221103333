//! Invitations to the clinic's staff: sent, resent and withdrawn by its admin, and opened and
//! accepted by the person invited (who is not signed in).
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::clinic::InvitationDetails;

#[cfg(feature = "ssr")]
use {
    crate::api::context::{self, in_scope_landing_on},
    crate::routes::{self, landing},
    crate::server::errors::{respond, respond_landing_on},
    crate::server::request::RequestMeta,
    crate::server::services::account::password::Password,
    crate::server::services::clinic::invitations,
    crate::server::services::throttle,
};

/// Where an accepted invitation lands: sign-in, which says they joined.
#[cfg(feature = "ssr")]
pub(crate) const AFTER_ACCEPTING: &str = "/signin?joined=1";

#[server(prefix = "/api", endpoint = "clinic/invitations/new")]
pub(crate) async fn invite_staff(email: String, role: String) -> Result<(), AppError> {
    let state = context::state();
    let mail = in_scope_landing_on(&landing(routes::clinic::STAFF, "invited"), async |scoped| {
        invitations::invite(&state, scoped, &email, &role).await
    })
    .await?;
    mail.send(&state);
    Ok(())
}

#[server(prefix = "/api", endpoint = "clinic/invitations/resend")]
pub(crate) async fn resend_invitation(invitation_id: i64) -> Result<(), AppError> {
    resend(invitation_id, &landing(routes::clinic::STAFF, "resent")).await
}

#[server(prefix = "/api", endpoint = "clinic/invitations/withdraw")]
pub(crate) async fn withdraw_invitation(invitation_id: i64) -> Result<(), AppError> {
    withdraw(invitation_id, &landing(routes::clinic::STAFF, "withdrawn")).await
}

/// Sends an open invitation again (a new link, a new week), mailed once committed; the staff
/// page's and the roster's forms each land on their own page (`landing`).
#[cfg(feature = "ssr")]
pub(crate) async fn resend(invitation_id: i64, landing: &str) -> Result<(), AppError> {
    let state = context::state();
    let mail = in_scope_landing_on(landing, async |scoped| {
        invitations::resend(&state, scoped, invitation_id).await
    })
    .await?;
    mail.send(&state);
    Ok(())
}

/// Withdraws an open invitation: its link stops working.
#[cfg(feature = "ssr")]
pub(crate) async fn withdraw(invitation_id: i64, landing: &str) -> Result<(), AppError> {
    in_scope_landing_on(landing, async |scoped| {
        invitations::withdraw(scoped, invitation_id).await
    })
    .await
}

/// What the invitation link's page shows; anyone with the link may ask.
#[server(prefix = "/api", endpoint = "invitation/details")]
pub(crate) async fn get_invitation(token: String) -> Result<InvitationDetails, AppError> {
    respond(
        async {
            let state = context::state();
            throttle::claim_invitation_link(&state.db, state.clock.now(), &RequestMeta::current())
                .await?;
            invitations::details(&state, &token).await
        }
        .await,
    )
}

/// `name` counts only for a new account; an existing one joins with its own password. A
/// patient ticks `consent` (sent only when ticked) to the privacy policy.
#[server(prefix = "/api", endpoint = "invitation/accept")]
pub(crate) async fn accept_invitation(
    token: String,
    #[server(default)] name: String,
    password: String,
    #[server(default)] consent: Option<String>,
) -> Result<(), AppError> {
    respond_landing_on(
        AFTER_ACCEPTING,
        async {
            let state = context::state();
            throttle::claim_invitation_link(&state.db, state.clock.now(), &RequestMeta::current())
                .await?;
            let form = invitations::Acceptance {
                token,
                name,
                password: Password::new(password),
                consent: consent.is_some(),
            };
            invitations::accept(&state, &RequestMeta::current(), form).await
        }
        .await,
    )
}
