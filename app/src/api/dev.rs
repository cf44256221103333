//! Development-only endpoints: the local mailbox. Answer 404 unless dev pages are enabled.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::MailboxMessage;

#[cfg(feature = "ssr")]
use {
    super::context,
    crate::server::errors::{internal, respond},
    crate::server::mail::read_mailbox,
    crate::server::request::ClientAddr,
};

#[server(prefix = "/api", endpoint = "dev/mailbox")]
pub(crate) async fn get_mailbox() -> Result<Vec<MailboxMessage>, AppError> {
    respond(
        async {
            let state = context::state();
            let dir = match (state.settings.dev_pages, state.mailer.mailbox_dir()) {
                (true, Some(dir)) => dir.clone(),
                _ => return Err(AppError::NotFound),
            };
            // The mail holds sign-in and reset links: only for a browser on this machine. A
            // reverse proxy on the same host connects from loopback too, so a request that
            // came through one (it says whom for) is refused whatever its address.
            let parts = use_context::<axum::http::request::Parts>();
            let from_this_machine = parts.as_ref().is_some_and(|parts| {
                let forwarded = ["forwarded", "x-forwarded-for", "x-real-ip"]
                    .iter()
                    .any(|name| parts.headers.contains_key(*name));
                let loopback = parts
                    .extensions
                    .get::<ClientAddr>()
                    .is_some_and(|client| client.0.is_loopback());
                loopback && !forwarded
            });
            if !from_this_machine {
                return Err(AppError::NotFound);
            }
            tokio::task::spawn_blocking(move || read_mailbox(&dir))
                .await
                .map_err(internal)?
                .map_err(internal)
        }
        .await,
    )
}
