//! Turning internal failures into the user-facing `AppError`, once, with the cause logged.
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

use crate::error::AppError;

/// Logs an internal failure with a short reference the user can quote, and returns the
/// error the user sees. The cause never leaves the server.
pub(crate) fn internal(cause: impl std::fmt::Display) -> AppError {
    use rand::Rng;
    let reference = format!("{:08x}", rand::thread_rng().gen::<u32>());
    tracing::error!(reference = %reference, error = %cause, "internal error");
    AppError::Internal { reference }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        internal(err)
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(err: sea_orm::TransactionError<AppError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(e) => internal(e),
            sea_orm::TransactionError::Transaction(e) => e,
        }
    }
}

/// Whether a database error is a unique-constraint violation (on either database).
pub(crate) fn is_unique_violation(err: &sea_orm::DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// A request whose arguments could not be decoded (a wrong type, a missing field, bytes
    /// that are not UTF-8): the client's mistake, answered 400.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        respond::<()>(Err(AppError::Request(value.to_string()))).unwrap_err()
    }
}

/// Sets the HTTP status of the current response from the error, so a server function that
/// fails answers 401/403/404/422/429 rather than a generic 500. Not for a form posted without
/// JavaScript (before the page's islands are alive): that request asks for HTML, and server_fn
/// sends it back to its page with the error in the URL for the form to show, which takes the
/// redirect's status.
pub(crate) fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(err) = &result {
        if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = axum::http::StatusCode::from_u16(err.status()) {
                if !is_plain_form_post() {
                    options.set_status(status);
                }
            }
        }
        if let AppError::RateLimited { retry_after_secs } = err {
            if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                options.insert_header(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from(*retry_after_secs),
                );
            }
        }
    }
    result
}

/// `respond`, and a form posted without JavaScript that succeeded lands on `path`: where its
/// island goes, or a page showing what its island shows, after the same success. (Otherwise
/// server_fn sends it back to the page it came from, which suits forms whose island reloads
/// that page.)
pub(crate) fn respond_landing_on<T>(
    path: &str,
    result: Result<T, AppError>,
) -> Result<T, AppError> {
    if result.is_ok() && is_plain_form_post() {
        leptos_axum::redirect(path);
    }
    respond(result)
}

fn is_plain_form_post() -> bool {
    leptos::prelude::use_context::<axum::http::request::Parts>()
        .is_some_and(|parts| crate::server::request::is_plain_form_post(&parts.headers))
}
