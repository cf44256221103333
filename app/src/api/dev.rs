//! Development-only endpoints: the local mailbox. Answer 404 unless dev pages are enabled.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::MailboxMessage;

#[cfg(feature = "ssr")]
use {
    super::context,
    crate::server::errors::{internal, respond},
    crate::server::mail::read_mailbox,
};

#[server(prefix = "/api", endpoint = "dev/mailbox")]
pub async fn get_mailbox() -> Result<Vec<MailboxMessage>, AppError> {
    respond(
        async {
            let state = context::state();
            let dir = match (state.settings.dev_pages, state.mailer.mailbox_dir()) {
                (true, Some(dir)) => dir.clone(),
                _ => return Err(AppError::NotFound),
            };
            tokio::task::spawn_blocking(move || read_mailbox(&dir))
                .await
                .map_err(internal)?
                .map_err(internal)
        }
        .await,
    )
}
