//! Facts about the current request that services record: request id and client address.
use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::http::request::Parts;

/// The request id header set by the request-id middleware.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
}

impl RequestMeta {
    pub fn from_parts(parts: &Parts) -> Self {
        let request_id = parts
            .headers
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let client_addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string());
        RequestMeta {
            request_id,
            client_addr,
        }
    }

    /// The current request's meta, inside a server function or SSR.
    pub fn current() -> Self {
        leptos::prelude::use_context::<Parts>()
            .map(|parts| Self::from_parts(&parts))
            .unwrap_or_default()
    }
}
