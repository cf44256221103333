//! Super admins: the list, inviting another, accepting an invitation, revoking one.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::platform::SuperAdmins;

#[cfg(feature = "ssr")]
use {
    crate::api::context::{self, in_scope, in_scope_landing_on},
    crate::routes::{self, landing},
    crate::server::errors::{respond, respond_landing_on},
    crate::server::request::RequestMeta,
    crate::server::services::account::password::Password,
    crate::server::services::platform::super_admins,
    crate::server::services::throttle,
};

#[cfg(feature = "ssr")]
pub(crate) const AFTER_JOINING: &str = "/signin?joined=platform";

#[server(prefix = "/api", endpoint = "platform/super_admins")]
pub(crate) async fn get_super_admins() -> Result<SuperAdmins, AppError> {
    in_scope(async |scoped| super_admins::list(scoped).await).await
}

#[server(prefix = "/api", endpoint = "platform/super_admins/invite")]
pub async fn invite_super_admin(email: String) -> Result<(), AppError> {
    let state = context::state();
    let landing = landing(routes::platform::ADMINS, "invited");
    let mail = in_scope_landing_on(&landing, async |scoped| {
        super_admins::invite(&state, scoped, &email).await
    })
    .await?;
    mail.send(&state);
    Ok(())
}

#[server(prefix = "/api", endpoint = "platform/super_admins/revoke")]
pub(crate) async fn revoke_super_admin(user_id: i64) -> Result<(), AppError> {
    in_scope_landing_on(
        &landing(routes::platform::ADMINS, "revoked"),
        async |scoped| super_admins::revoke(scoped, user_id).await,
    )
    .await
}

/// The address an invitation is for: no sign-in needed, the token is the key.
#[server(prefix = "/api", endpoint = "platform/super_admin_invitation")]
pub(crate) async fn get_super_admin_invitation(token: String) -> Result<String, AppError> {
    respond(
        async {
            let state = context::state();
            throttle::claim_invitation_link(&state.db, state.clock.now(), &RequestMeta::current())
                .await?;
            super_admins::invitation_email(&state.db, state.clock.now(), &token).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "platform/super_admin_invitation/accept")]
pub(crate) async fn accept_super_admin_invitation(
    token: String,
    name: String,
    password: String,
) -> Result<(), AppError> {
    respond_landing_on(
        AFTER_JOINING,
        async {
            let state = context::state();
            throttle::claim_invitation_link(&state.db, state.clock.now(), &RequestMeta::current())
                .await?;
            super_admins::accept(
                &state.db,
                &state.audit_key,
                state.clock.now(),
                &RequestMeta::current(),
                &token,
                &name,
                Password::new(password),
            )
            .await
        }
        .await,
    )
}
