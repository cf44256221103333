//! HTTP middleware of Salus's own: the client's address and whether to keep its request id,
//! caching, the cross-origin refusal, NUL characters, portal guards; and what the tower-http
//! layers that assign request ids, log requests and set security headers are given.
use crate::refused_forms;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use rand::Rng;
use salus_app::components::form::RefusedForm;
use salus_app::server::request::{client_addr, is_plain_form_post, ClientAddr, REQUEST_ID_HEADER};
use salus_app::server::services::sessions::SignedInCache;
use salus_app::server::session_store;
use salus_app::server::state::{AppState, Settings};
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::request_id::{MakeRequestId, RequestId as TowerRequestId};
use tower_sessions::Session;

/// Decides, once per request, who the client is: the connection's address, or what a trusted
/// proxy (`SALUS_TRUSTED_PROXIES`) says it forwarded for, kept in the request for services
/// and the audit log. A request id arriving with the request is kept only from a trusted
/// proxy, and only if it is short and plain; otherwise it is removed, so that
/// `SetRequestIdLayer` (see `request_id_layers`) assigns a fresh one.
pub async fn client_context(
    State(settings): State<Arc<Settings>>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let from_trusted_proxy = peer.is_some_and(|peer| {
        settings
            .trusted_proxies
            .iter()
            .any(|range| range.contains(peer))
    });
    let usable_id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !(from_trusted_proxy && usable_id) {
        req.headers_mut().remove(REQUEST_ID_HEADER);
    }
    if let Some(peer) = peer {
        let forwarded_for = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        let client = client_addr(peer, forwarded_for, &settings.trusted_proxies);
        req.extensions_mut().insert(ClientAddr(client));
    }
    req.extensions_mut().insert(SignedInCache::default());
    next.run(req).await
}

/// A fresh request id: 16 hex digits.
#[derive(Clone, Copy, Default)]
pub struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<TowerRequestId> {
        let id = format!("{:016x}", rand::thread_rng().gen::<u64>());
        HeaderValue::from_str(&id).ok().map(TowerRequestId::new)
    }
}

/// The span each request is logged in, carrying its id, method and path: the path only, as
/// query strings may carry tokens.
pub fn request_span<B>(req: &axum::http::Request<B>) -> tracing::Span {
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
}

/// Headers every response carries (set by tower-http's `SetResponseHeaderLayer`, plus
/// `Strict-Transport-Security` where cookies are secure, and a Content-Security-Policy: a page
/// sets its own, with its nonce, and every other response gets the same policy without one). Reset links carry a token in the
/// URL: it never leaves the site as a referrer. Within the site the referrer is what a form
/// posted without JavaScript returns to, and it makes browsers send a real `Origin` (not
/// `null`) on such posts.
pub const SECURITY_HEADERS: [(header::HeaderName, &str); 4] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "same-origin"),
    (
        header::HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=()",
    ),
];

pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

/// The caching `assets::cache_control` allows for the request's path: pages and API answers
/// are never stored, since they may hold health data. (It depends on the request, which
/// tower-http's `SetResponseHeaderLayer` does not see.)
pub async fn cache_control(req: Request, next: Next) -> Response {
    let cache_control = crate::assets::cache_control(req.uri().path());
    let mut response = next.run(req).await;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, cache_control);
    response
}

/// Refuses state-changing requests sent from another origin (CSRF). A browser says where a
/// request comes from in `Sec-Fetch-Site`, which pages cannot set: only `same-origin` passes.
/// An `Origin` must be exactly the configured public URL's origin, scheme and port included
/// (`null`, which some browsers send for a form post, says nothing and counts only beside
/// `Sec-Fetch-Site: same-origin`). Clients that send neither are not browsers and carry no
/// ambient cookies to abuse. A form posted before the page's islands are alive is an ordinary
/// same-origin post and passes.
pub async fn refuse_cross_origin(
    State(settings): State<Arc<Settings>>,
    req: Request,
    next: Next,
) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (origin, fetch_site) = (header("origin"), header("sec-fetch-site"));
    if is_same_origin(
        &settings.public_url,
        origin.as_deref(),
        fetch_site.as_deref(),
    ) {
        next.run(req).await
    } else {
        tracing::warn!(
            origin = origin.as_deref().unwrap_or(""),
            "cross-origin request refused"
        );
        (
            StatusCode::FORBIDDEN,
            "Cross-origin requests are not allowed.",
        )
            .into_response()
    }
}

/// The rule of `refuse_cross_origin`, on the request's `Origin` and `Sec-Fetch-Site`.
fn is_same_origin(public_url: &str, origin: Option<&str>, fetch_site: Option<&str>) -> bool {
    let ours = public_origin(public_url);
    let origin_is_ours = |origin: &str| origin.eq_ignore_ascii_case(ours);
    match (fetch_site, origin) {
        (Some(site), Some("null") | None) => site == "same-origin",
        (Some(site), Some(origin)) => site == "same-origin" && origin_is_ours(origin),
        (None, Some(origin)) => origin_is_ours(origin),
        (None, None) => true,
    }
}

/// `scheme://host[:port]` of a URL: what a browser sends as `Origin` for pages under it.
fn public_origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    &url[..end]
}

/// The largest request body a server function accepts.
const MAX_API_BODY: usize = 1 << 20;

/// Refuses server-function requests carrying a NUL character, raw or encoded, with a clear
/// 400: no field accepts one, and PostgreSQL cannot store one in text (it would otherwise
/// surface as a 500 from deep inside whichever service wrote it). Bodies over 1 MiB are
/// refused too.
pub async fn refuse_nul_characters(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let has_nul = |bytes: &[u8]| {
        bytes.contains(&0)
            || bytes
                .windows(3)
                .any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
            || bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000"))
    };
    let refuse = |message: &str| {
        let error = salus_app::error::AppError::Request(message.to_owned());
        let body = serde_json::to_string(&error).unwrap_or_default();
        (
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST),
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response()
    };
    if req.uri().query().is_some_and(|q| has_nul(q.as_bytes())) {
        return refuse("Text cannot contain NUL characters.");
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_API_BODY).await else {
        return refuse("The request is too large.");
    };
    if has_nul(&bytes) {
        return refuse("Text cannot contain NUL characters.");
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Forms posted without JavaScript (before the page's islands were alive). server_fn sends
/// such a post back to its page, with the error in the URL (`__path`, `__err`) when refused:
/// - what was typed goes into the session, as much of it as `refused_forms` keeps, and the
///   page the refusal lands on takes it out again for its form (`RefusedForm`);
/// - a page address server_fn leaves ending in a bare `?` (having removed a previous error
///   from it) loses the `?`.
pub async fn plain_form_posts(req: Request, next: Next) -> Response {
    let Some(session) = req.extensions().get::<Session>().cloned() else {
        return next.run(req).await;
    };
    let query: Vec<(String, String)> = req
        .uri()
        .query()
        .filter(|q| q.contains("__err="))
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    if req.method() == Method::GET && !query.is_empty() {
        let landing_from = query.iter().find(|(k, _)| k == "__path").map(|(_, v)| v);
        let error = query.iter().find(|(k, _)| k == "__err").map(|(_, v)| v);
        let mut req = req;
        // Only an error this server gave this session is shown: a link that carries one of its
        // own ("Account locked. Call …") is sent on to the page without it. A redirect, not a
        // quiet rewrite: the islands read the error from the address bar too, and would show it.
        let ours = session
            .get::<String>(session_store::REFUSAL)
            .await
            .ok()
            .flatten()
            .zip(error)
            .is_some_and(|(given, shown)| given == refusal_digest(shown));
        if !ours {
            return Redirect::to(&without_refusal(req.uri())).into_response();
        }
        if let Ok(Some(form)) = session
            .remove::<RefusedForm>(session_store::REFUSED_FORM)
            .await
        {
            if landing_from == Some(&form.path) {
                req.extensions_mut().insert(form);
            }
        }
        return next.run(req).await;
    }
    let is_plain_form_post = req.method() == Method::POST
        && req.uri().path().starts_with("/api/")
        && is_plain_form_post(req.headers())
        && req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if !is_plain_form_post {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_API_BODY).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "The request is too large.").into_response();
    };
    let mut response = next
        .run(Request::from_parts(parts, Body::from(bytes.clone())))
        .await;
    let bare_query = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|location| location.strip_suffix('?'))
        .and_then(|location| HeaderValue::from_str(location).ok());
    if let Some(location) = bare_query {
        response.headers_mut().insert(header::LOCATION, location);
    }
    let refused = response.status().is_redirection()
        && response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|location| location.contains("__err="));
    if refused {
        let given = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|location| location.split_once('?'))
            .and_then(|(_, q)| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
            .and_then(|q| q.into_iter().find(|(k, _)| k == "__err").map(|(_, v)| v));
        if let Some(given) = given {
            if let Err(e) = session
                .insert(session_store::REFUSAL, refusal_digest(&given))
                .await
            {
                tracing::warn!(error = %e, "could not note a refusal");
            }
        }
        let signed_in = matches!(
            session
                .get::<i64>(salus_app::server::session_store::USER_ID)
                .await,
            Ok(Some(_))
        );
        if let Some(form) = refused_forms::kept(&path, &bytes, signed_in) {
            if let Err(e) = session.insert(session_store::REFUSED_FORM, form).await {
                tracing::warn!(error = %e, "could not keep a refused form's fields");
            }
        }
    }
    response
}

fn refusal_digest(error: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(error.as_bytes()))
}

/// The request's path and query with `__err` and `__path` taken out.
fn without_refusal(uri: &axum::http::Uri) -> String {
    let kept: Vec<(String, String)> = uri
        .query()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k != "__err" && k != "__path")
        .collect();
    let query = serde_urlencoded::to_string(&kept).unwrap_or_default();
    // One leading slash: `//host/…` would send the browser to another site.
    let path = format!("/{}", uri.path().trim_start_matches('/'));
    if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    }
}

/// The pages only a signed-in user has: the four portals, and the security page of every role.
const SIGNED_IN_AREAS: [&str; 5] = [
    "/patient",
    salus_app::routes::provider::HOME,
    salus_app::routes::clinic::HOME,
    salus_app::routes::platform::HOME,
    "/security",
];

fn is_portal_page(path: &str) -> bool {
    SIGNED_IN_AREAS
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}/")))
}

/// Sends a visitor who is not signed in from a portal page to sign-in, and back afterwards.
/// (Which portal a signed-in user may see is decided by each page's server functions.)
pub async fn guard_portals(
    State(state): State<AppState>,
    req: Request<Body>,
    next: Next,
) -> Response {
    if req.method() != Method::GET || !is_portal_page(req.uri().path()) {
        return next.run(req).await;
    }
    let cache = req.extensions().get::<SignedInCache>().cloned();
    let signed_in = match (req.extensions().get::<Session>(), cache) {
        (Some(session), Some(cache)) => matches!(
            cache
                .get(&state.db, &state.settings, state.clock.now(), session)
                .await,
            Ok(Some(_))
        ),
        _ => false,
    };
    if signed_in {
        return next.run(req).await;
    }
    let here = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or("/");
    let target = salus_app::routes::sign_in_path(here);
    Redirect::to(&target).into_response()
}

/// The reminder worker's counters and queue depth in Prometheus's text format, for a scraper
/// holding `SALUS_METRICS_TOKEN` as a bearer token; 404 when no token is configured, 401 for a
/// wrong one. Counts only: nothing about any patient.
pub async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    use salus_app::server::services::tokens;
    let Some(token) = state.settings.metrics_token.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let offered = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Compared as digests, so the time taken says nothing about how much of it matched.
    if tokens::hash(offered) != tokens::hash(token) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    use salus_app::server::reminders::{deliver, plan};
    let depth = match plan::active_clinics(&state.db).await {
        Ok(clinics) => deliver::queue_depth(&state.db, &clinics).await,
        Err(e) => Err(e),
    };
    match depth {
        Ok(depth) => (
            [(
                axum::http::header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            state.reminder_counters.render(&depth),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "metrics: the queue depth could not be read");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// Ready when the database answers.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{is_same_origin, public_origin};

    #[test]
    fn the_origin_must_be_the_public_urls_scheme_host_and_port() {
        assert_eq!(
            public_origin("https://portal.example.org/"),
            "https://portal.example.org"
        );
        assert_eq!(
            public_origin("http://127.0.0.1:3000"),
            "http://127.0.0.1:3000"
        );
        let ours = "https://portal.example.org";
        for (origin, fetch_site, allowed) in [
            (Some("https://portal.example.org"), None, true),
            (Some("https://PORTAL.example.org"), None, true),
            (Some("http://portal.example.org"), None, false),
            (Some("https://portal.example.org:8443"), None, false),
            (Some("https://portal.example.org.evil.example"), None, false),
            (Some("https://evil.example"), None, false),
            (Some("null"), None, false),
            (Some("null"), Some("same-origin"), true),
            (None, Some("same-origin"), true),
            (Some("https://portal.example.org"), Some("same-site"), false),
            (
                Some("http://portal.example.org"),
                Some("same-origin"),
                false,
            ),
            (None, Some("cross-site"), false),
            (None, None, true),
        ] {
            assert_eq!(
                is_same_origin(ours, origin, fetch_site),
                allowed,
                "{origin:?} {fetch_site:?}"
            );
        }
    }
}
