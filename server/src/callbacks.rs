//! Requests from other systems rather than from people's browsers: the SMS gateway's signed
//! reports on each text, and a mail client's one-click unsubscribe (RFC 8058). Neither carries
//! a session; each proves itself (the gateway's signature, the sealed token).
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use salus_app::server::reminders::delivery_reports::{self, status_callback_url};
use salus_app::server::reminders::unsubscribe;
use salus_app::server::request::RequestMeta;
use salus_app::server::sms::signature_holds;
use salus_app::server::state::AppState;

use crate::exports::refused;

/// The largest report the gateway sends (Twilio's are well under 2 KiB).
const MAX_REPORT: usize = 16 * 1024;

/// `POST /api/sms/status/<clinic>`: the gateway's report on one of the clinic's texts, a form
/// signed with `X-Twilio-Signature`. A wrong or missing signature is refused (403) and changes
/// nothing; without a configured gateway there is nothing to report on (404).
pub async fn sms_status(
    State(state): State<AppState>,
    Path(clinic): Path<i64>,
    request: Request,
) -> Response {
    let Some(gateway) = state.sms.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_REPORT).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "The report is too large.").into_response();
    };
    let Ok(params) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
        return (StatusCode::BAD_REQUEST, "The report could not be read.").into_response();
    };
    let signature = parts
        .headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let url = status_callback_url(&state.settings.public_url, clinic);
    if !signature_holds(gateway.signing_key(), &url, &params, signature) {
        tracing::warn!(
            clinic,
            "an SMS status report with a wrong signature was refused"
        );
        return (StatusCode::FORBIDDEN, "The signature does not match.").into_response();
    }
    let field = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let (Some(sid), Some(status)) = (field("MessageSid"), field("MessageStatus")) else {
        return (
            StatusCode::BAD_REQUEST,
            "MessageSid and MessageStatus are required.",
        )
            .into_response();
    };
    match delivery_reports::record(
        &state.db,
        clinic,
        sid,
        status,
        field("ErrorCode"),
        state.clock.now(),
    )
    .await
    {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => refused(error),
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// `POST /api/reminders/unsubscribe?token=…`: a mail client's one-click unsubscribe. It stops
/// the channel at once (the token is the proof; no sign-in, no page).
pub async fn one_click_unsubscribe(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let meta = RequestMeta::from_parts(&parts);
    match unsubscribe::unsubscribe(
        &state.db,
        &state.secret_keys,
        &state.audit_key,
        state.clock.now(),
        &meta,
        &query.token,
    )
    .await
    {
        Ok(channel) => (
            StatusCode::OK,
            format!("Unsubscribed: no more reminders by {}.", channel.as_str()),
        )
            .into_response(),
        Err(error) => refused(error),
    }
}

/// `GET` of the one-click address (someone opened it as a link): the page with its button.
pub async fn one_click_page(Query(query): Query<TokenQuery>) -> Redirect {
    let token: String = url_encoded(&query.token);
    Redirect::to(&format!("{}?token={token}", unsubscribe::PAGE))
}

fn url_encoded(value: &str) -> String {
    serde_urlencoded::to_string([("t", value)])
        .map(|s| s.trim_start_matches("t=").to_owned())
        .unwrap_or_default()
}
