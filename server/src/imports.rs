//! Uploads posted as plain multipart forms, which work before (and without) the WASM: a CSV
//! file of patients. The outcome is kept by the service, and the form lands on the page that
//! shows it.
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use salus_app::error::AppError;
use salus_app::server::request::RequestMeta;
use salus_app::server::services::clinic::enrolment::{self, MAX_FILE_BYTES};
use salus_app::server::services::clinic::invitations::Sent;
use salus_app::server::services::sessions;
use salus_app::server::state::AppState;
use salus_app::server::tenancy::Scoped;
use tower_sessions::Session;

use crate::exports::refused;

pub const PATIENT_IMPORT: &str = "/clinic/patients/enrol/import";

/// Room for the file and the form around it; a larger file is told so by the service.
pub fn patient_import_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(MAX_FILE_BYTES + 64 * 1024)
}

/// The bytes of the form's `file` field.
async fn file_of(mut form: Multipart) -> Result<Vec<u8>, AppError> {
    let unreadable =
        || AppError::Request("The upload could not be read: choose the file again.".into());
    while let Some(field) = form.next_field().await.map_err(|_| unreadable())? {
        if field.name() == Some("file") {
            return Ok(field.bytes().await.map_err(|_| unreadable())?.to_vec());
        }
    }
    Err(AppError::field("file", "Choose a CSV file to import."))
}

/// `POST /clinic/patients/enrol/import` (multipart, field `file`): imports the file and lands
/// on the enrolment page with its outcome.
pub async fn patient_import(
    State(state): State<AppState>,
    session: Session,
    request: Request,
) -> Response {
    let now = state.clock.now();
    let (parts, body) = request.into_parts();
    let meta = RequestMeta::from_parts(&parts);
    let request = Request::from_parts(parts, body);
    let actor = match sessions::actor(&state.db, &state.settings, now, &session).await {
        Ok(Some(signed_in)) => signed_in.actor,
        Ok(None) => return refused(AppError::Unauthorized),
        Err(error) => return refused(error),
    };
    let result = async {
        let form = Multipart::from_request(request, &state)
            .await
            .map_err(|_| AppError::Request("Send the file as a form upload.".into()))?;
        let bytes = file_of(form).await?;
        let scoped = Scoped::begin(&state.db, &actor, now, meta, state.audit_key.clone()).await?;
        let (outcome, links) = enrolment::import(&state, &scoped, &bytes).await?;
        scoped.commit().await?;
        Sent::send_all(links, &state);
        Ok::<_, AppError>(outcome)
    }
    .await;
    match result {
        Ok(outcome) => {
            Redirect::to(&format!("/clinic/patients/enrol?import={outcome}#import")).into_response()
        }
        Err(error) => refused(error),
    }
}
