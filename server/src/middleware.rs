//! HTTP middleware: request ids, security headers, the cross-origin refusal, portal guards.
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use rand::Rng;
use salus_app::server::request::{client_addr, ClientAddr, RequestId, REQUEST_ID_HEADER};
use salus_app::server::services::sessions::SignedInCache;
use salus_app::server::state::{AppState, Settings};
use std::net::SocketAddr;
use std::sync::Arc;
use tower_sessions::Session;

/// Decides, once per request, the request id and the client's address, from the connection
/// itself unless it comes from a trusted proxy (`SALUS_TRUSTED_PROXIES`); keeps both in the
/// request for services and the audit log; logs the request in a span carrying the id; and
/// echoes the id in the response.
pub async fn request_context(
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
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .filter(|_| from_trusted_proxy)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{:016x}", rand::thread_rng().gen::<u64>()));
    if let Some(peer) = peer {
        let forwarded_for = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        let client = client_addr(peer, forwarded_for, &settings.trusted_proxies);
        req.extensions_mut().insert(ClientAddr(client));
    }
    let value = HeaderValue::from_str(&id).expect("ascii id");
    req.headers_mut().insert(REQUEST_ID_HEADER, value.clone());
    req.extensions_mut().insert(RequestId(id.clone()));
    req.extensions_mut().insert(SignedInCache::default());
    let method = req.method().clone();
    // The path only: query strings may carry tokens.
    let path = req.uri().path().to_owned();
    let span = tracing::info_span!("request", request_id = %id, %method, %path);
    let started = std::time::Instant::now();
    let mut response = {
        use tracing::Instrument;
        next.run(req).instrument(span.clone()).await
    };
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "request"
        )
    });
    response.headers_mut().insert(REQUEST_ID_HEADER, value);
    response
}

/// Headers every response carries, with the caching `assets::cache_control` allows: pages
/// and API answers are never stored, since they may hold health data.
pub async fn security_headers(
    State(settings): State<Arc<Settings>>,
    req: Request,
    next: Next,
) -> Response {
    let cache_control = crate::assets::cache_control(req.uri().path());
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    // Reset links carry a token in the URL: it never leaves the site as a referrer. Within the
    // site the referrer is what a form posted without JavaScript returns to, and it makes
    // browsers send a real `Origin` (not `null`) on such posts.
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data:; connect-src 'self' ws://127.0.0.1:3001; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        ),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if settings.secure_cookies {
        h.insert(
            "strict-transport-security",
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    h.insert(header::CACHE_CONTROL, cache_control);
    response
}

/// Refuses state-changing requests sent from another origin (CSRF). A browser says where a
/// request comes from in `Sec-Fetch-Site`, which pages cannot set: only `same-origin` passes.
/// Browsers too old to send it send `Origin`, which must name this host (`null`, sent for a
/// form post under some referrer policies, does not). Clients that send neither are not
/// browsers and carry no ambient cookies to abuse. A form posted before the page's islands are
/// alive is an ordinary same-origin post and passes.
pub async fn refuse_cross_origin(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let fetch_site = req
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let same_origin = match (fetch_site.as_deref(), &origin, &host) {
        (Some(site), _, _) => site == "same-origin",
        (None, Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, origin_host)| origin_host.eq_ignore_ascii_case(host)),
        (None, Some(_), None) => false,
        (None, None, _) => true,
    };
    if same_origin {
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

const PORTALS: [&str; 4] = ["/patient", "/provider", "/clinic", "/platform"];

fn is_portal_page(path: &str) -> bool {
    PORTALS
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
    let target = salus_app::api::auth::sign_in_path(here);
    Redirect::to(&target).into_response()
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
