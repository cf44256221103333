//! Downloads too large to build in memory. They stream: each batch is read in a short
//! transaction of its own, as the signed-in actor, so a year of events never sits in memory or
//! holds one transaction open.
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use salus_app::error::AppError;
use salus_app::server::request::RequestMeta;
use salus_app::server::services::clinic::audit_log::{self, AuditQuery, CSV_HEADER};
use salus_app::server::services::sessions;
use salus_app::server::state::AppState;
use salus_app::server::tenancy::Scoped;
use tower_sessions::Session;

#[derive(Debug, Default, serde::Deserialize)]
pub struct AuditCsvQuery {
    patient: Option<String>,
    staff: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// An error as a plain-text answer with its status: the download link has no page to show it.
pub(crate) fn refused(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = match &error {
        AppError::Validation(fields) => fields
            .values()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    };
    (status, message).into_response()
}

/// `GET /api/clinic/audit_log.csv?patient=…&staff=…&action=…&from=…&to=…`: the clinic's
/// audit log, filtered as its page is, newest first.
pub async fn clinic_audit_log_csv(
    State(state): State<AppState>,
    session: Session,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let Ok(Query(query)) = Query::<AuditCsvQuery>::try_from_uri(&parts.uri) else {
        return refused(AppError::field("form", "The filters could not be read."));
    };
    let meta = RequestMeta::from_parts(&parts);
    let now = state.clock.now();
    let actor = match sessions::actor(&state.db, &state.settings, now, &session).await {
        Ok(Some(signed_in)) => signed_in.actor,
        Ok(None) => return refused(AppError::Unauthorized),
        Err(error) => return refused(error),
    };
    let query = AuditQuery {
        patient: query.patient,
        staff: query.staff,
        action: query.action,
        from: query.from,
        to: query.to,
        page: None,
    };
    let begin = {
        let (state, actor, meta) = (state.clone(), actor.clone(), meta.clone());
        move || {
            let (state, actor, meta) = (state.clone(), actor.clone(), meta.clone());
            async move { Scoped::begin(&state.db, &actor, now, meta, state.audit_key.clone()).await }
        }
    };
    let filters = async {
        let scoped = begin().await?;
        let filters = audit_log::start_export(&scoped, &query).await?;
        scoped.commit().await?;
        Ok::<_, AppError>(filters)
    }
    .await;
    let filters = match filters {
        Ok(filters) => filters,
        Err(error) => return refused(error),
    };
    // (continue before this id, header still to send); `None` once the log is exhausted.
    let batches = stream::try_unfold(Some((None, true)), move |position| {
        let (begin, filters) = (begin.clone(), filters.clone());
        async move {
            let Some((before, first)) = position else {
                return Ok::<_, AppError>(None);
            };
            let scoped = begin().await?;
            let (lines, next) = audit_log::export_batch(&scoped, &filters, before).await?;
            scoped.commit().await?;
            let chunk = if first {
                format!("{CSV_HEADER}{lines}")
            } else {
                lines
            };
            Ok(Some((chunk, next.map(|id| (Some(id), false)))))
        }
    });
    let mut response = Body::from_stream(batches).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"salus-audit-log.csv\""),
    );
    response
}
