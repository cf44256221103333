//! Reminders as their recipient stops them, from the link in a message, without signing in.
use leptos::prelude::*;

use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    crate::api::context, crate::server::errors::respond_landing_on,
    crate::server::reminders::unsubscribe, crate::server::request::RequestMeta,
};

/// Stops the channel the link's token names; returns it (`email` or `sms`). A form posts it,
/// so a mail scanner opening the link stops nothing (the one-click POST of RFC 8058 is
/// `unsubscribe::ONE_CLICK`, served by the server itself).
#[server(prefix = "/api", endpoint = "reminders/stop")]
pub(crate) async fn stop_reminders(token: String) -> Result<String, AppError> {
    let state = context::state();
    let result = unsubscribe::unsubscribe(
        &state.db,
        &state.secret_keys,
        &state.audit_key,
        state.clock.now(),
        &RequestMeta::current(),
        &token,
    )
    .await;
    let landing = format!(
        "{}?done={}",
        unsubscribe::PAGE,
        result.as_ref().map_or("", |c| c.as_str())
    );
    respond_landing_on(&landing, result.map(|c| c.as_str().to_owned()))
}
