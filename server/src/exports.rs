//! Downloads too large to build in memory. They stream: each batch is read in a short
//! transaction of its own, as the signed-in actor, so a year of events never sits in memory or
//! holds one transaction open.
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::future::BoxFuture;
use futures_util::stream;
use salus_app::error::AppError;
use salus_app::model::clinic::AuditQuery;
use salus_app::model::platform::PlatformAuditQuery;
use salus_app::server::actor::Actor;
use salus_app::server::request::RequestMeta;
use salus_app::server::services::clinic::audit_log;
use salus_app::server::services::platform::audit_log as platform_audit_log;
use salus_app::server::services::sessions;
use salus_app::server::state::AppState;
use salus_app::server::tenancy::Scoped;
use serde::de::DeserializeOwned;
use std::future::Future;
use tower_sessions::Session;

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

/// The signed-in actor of the download's session, or the refusal to answer with.
async fn signed_in_actor(state: &AppState, session: &Session) -> Result<Actor, Response> {
    match sessions::actor(&state.db, &state.settings, state.clock.now(), session).await {
        Ok(Some(signed_in)) => Ok(signed_in.actor),
        Ok(None) => Err(refused(AppError::Unauthorized)),
        Err(error) => Err(refused(error)),
    }
}

/// A transaction of `actor`'s for each batch, opened when called.
fn transactions(
    state: AppState,
    actor: Actor,
    meta: RequestMeta,
) -> impl Fn() -> BoxFuture<'static, Result<Scoped, AppError>> + Clone + Send + Sync + 'static {
    move || {
        let (state, actor, meta) = (state.clone(), actor.clone(), meta.clone());
        Box::pin(async move {
            let now = state.clock.now();
            Scoped::begin(&state.db, &actor, now, meta, state.audit_key.clone()).await
        })
    }
}

/// Streams `header`, then what `batch(scoped, before)` answers, each batch in a transaction of
/// its own, until a batch says there is nothing older.
fn csv_download<B>(
    begin: impl Fn() -> BoxFuture<'static, Result<Scoped, AppError>> + Clone + Send + Sync + 'static,
    header: &'static str,
    filename: &'static str,
    batch: B,
) -> Response
where
    B: Fn(
            Scoped,
            Option<i64>,
        ) -> BoxFuture<'static, Result<(String, Option<i64>, Scoped), AppError>>
        + Clone
        + Send
        + Sync
        + 'static,
{
    // (continue before this id, header still to send); `None` once the log is exhausted.
    let batches = stream::try_unfold(Some((None, true)), move |position| {
        let (begin, batch) = (begin.clone(), batch.clone());
        async move {
            let Some((before, first)) = position else {
                return Ok::<_, AppError>(None);
            };
            let (lines, next, scoped) = batch(begin().await?, before).await?;
            scoped.commit().await?;
            let chunk = if first {
                format!("{header}{lines}")
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
    let disposition = format!("attachment; filename=\"{filename}\"");
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).expect("a plain file name"),
    );
    response
}

/// An audit log that downloads as CSV: its query as its page's filter form sends it, and the
/// service that checks the query once and reads the log a batch at a time.
pub trait AuditExport: DeserializeOwned + Send + 'static {
    type Filters: Clone + Send + Sync + 'static;
    const HEADER: &'static str;
    const FILENAME: &'static str;
    fn start(
        scoped: &Scoped,
        query: &Self,
    ) -> impl Future<Output = Result<Self::Filters, AppError>> + Send;
    fn batch(
        scoped: &Scoped,
        filters: &Self::Filters,
        before: Option<i64>,
    ) -> impl Future<Output = Result<(String, Option<i64>), AppError>> + Send;
}

/// `GET /api/clinic/audit_log.csv?patient=…&staff=…&action=…&from=…&to=…`: the clinic's
/// audit log, filtered as its page is, newest first.
impl AuditExport for AuditQuery {
    type Filters = audit_log::Filters;
    const HEADER: &'static str = audit_log::CSV_HEADER;
    const FILENAME: &'static str = "salus-audit-log.csv";
    fn start(
        scoped: &Scoped,
        query: &Self,
    ) -> impl Future<Output = Result<Self::Filters, AppError>> + Send {
        audit_log::start_export(scoped, query)
    }
    fn batch(
        scoped: &Scoped,
        filters: &Self::Filters,
        before: Option<i64>,
    ) -> impl Future<Output = Result<(String, Option<i64>), AppError>> + Send {
        audit_log::export_batch(scoped, filters, before)
    }
}

/// `GET /api/platform/audit_log.csv?clinic=…&actor=…&action=…&from=…&to=…`: the platform's
/// audit log, filtered as its page is, newest first; patients by id only.
impl AuditExport for PlatformAuditQuery {
    type Filters = platform_audit_log::Filters;
    const HEADER: &'static str = platform_audit_log::CSV_HEADER;
    const FILENAME: &'static str = "salus-platform-audit-log.csv";
    fn start(
        scoped: &Scoped,
        query: &Self,
    ) -> impl Future<Output = Result<Self::Filters, AppError>> + Send {
        platform_audit_log::start_export(scoped, query)
    }
    fn batch(
        scoped: &Scoped,
        filters: &Self::Filters,
        before: Option<i64>,
    ) -> impl Future<Output = Result<(String, Option<i64>), AppError>> + Send {
        platform_audit_log::export_batch(scoped, filters, before)
    }
}

/// An audit log's CSV download (`AuditExport`), for the signed-in actor of the session.
pub async fn audit_log_csv<Q: AuditExport>(
    State(state): State<AppState>,
    session: Session,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let Ok(Query(query)) = Query::<Q>::try_from_uri(&parts.uri) else {
        return refused(AppError::field("form", "The filters could not be read."));
    };
    let actor = match signed_in_actor(&state, &session).await {
        Ok(actor) => actor,
        Err(refusal) => return refusal,
    };
    let begin = transactions(state, actor, RequestMeta::from_parts(&parts));
    let filters = async {
        let scoped = begin().await?;
        let filters = Q::start(&scoped, &query).await?;
        scoped.commit().await?;
        Ok::<_, AppError>(filters)
    }
    .await;
    let filters = match filters {
        Ok(filters) => filters,
        Err(error) => return refused(error),
    };
    csv_download(begin, Q::HEADER, Q::FILENAME, move |scoped, before| {
        let filters = filters.clone();
        Box::pin(async move {
            let (lines, next) = Q::batch(&scoped, &filters, before).await?;
            Ok((lines, next, scoped))
        })
    })
}
