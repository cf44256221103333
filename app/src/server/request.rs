//! Facts about the current request that services record: request id, client address, browser.
//! Both are decided once, by the server's request middleware; a client's own headers are
//! believed only when they arrive through a trusted proxy.
use std::net::IpAddr;

use axum::http::request::Parts;

/// The request id header the server sets on every request and response.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The client's address as the request middleware decided it, kept in request extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// Whether a request is a browser's own form submission (a form posted before the page's
/// islands were alive): it asks for HTML, where the islands' calls ask for JSON.
pub fn is_plain_form_post(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// The Content-Security-Policy. Scripts run only from this site or, on a page, when they carry
/// that response's nonce (the islands' loader that Leptos writes inline): never `unsafe-inline`.
/// `connect-src` allows the development reload socket only in a debug build run under
/// `cargo leptos watch`, the one place the page has it.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let page_scripts = nonce.map(|n| format!(" 'nonce-{n}'")).unwrap_or_default();
    let reload_socket = if cfg!(debug_assertions) && std::env::var("LEPTOS_WATCH").is_ok() {
        " ws://127.0.0.1:3001"
    } else {
        ""
    };
    format!(
        "default-src 'self'; script-src 'self'{page_scripts} 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'{reload_socket}; \
         object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )
}

#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
    /// The browser's `User-Agent`, at most 512 bytes of it; kept only where a person is shown
    /// which devices are signed in.
    pub user_agent: Option<String>,
}

impl RequestMeta {
    pub fn from_parts(parts: &Parts) -> Self {
        RequestMeta {
            // The server's layers replace any id a client sent that it does not trust.
            request_id: parts
                .headers
                .get(REQUEST_ID_HEADER)
                .and_then(|id| id.to_str().ok())
                .map(str::to_owned),
            client_addr: parts
                .extensions
                .get::<ClientAddr>()
                .map(|addr| addr.0.to_string()),
            user_agent: parts
                .headers
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .filter(|v| v.len() <= 512)
                .map(str::to_owned),
        }
    }

    /// The current request's meta, inside a server function or SSR.
    pub fn current() -> Self {
        leptos::prelude::use_context::<Parts>()
            .map(|parts| Self::from_parts(&parts))
            .unwrap_or_default()
    }
}

/// An address or a CIDR range of addresses (`10.0.0.0/8`, `::1`), as in
/// `SALUS_TRUSTED_PROXIES`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// Parses `address` or `address/prefix`; `None` when it is neither.
    pub fn parse(text: &str) -> Option<IpRange> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = addr.parse().ok()?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max)?,
            None => max,
        };
        Some(IpRange { network, prefix })
    }

    pub fn contains(&self, addr: IpAddr) -> bool {
        // An IPv4 peer may arrive as an IPv4-mapped IPv6 address on a dual-stack socket.
        let addr = match addr {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
            v4 => v4,
        };
        match (self.network, addr) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// The client's address: the peer itself, unless the peer is a trusted proxy, in which case
/// the `X-Forwarded-For` chain is read from the right, past every trusted proxy, to the first
/// address that is not one. Entries a client wrote (further left) are never believed.
pub fn client_addr(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpRange]) -> IpAddr {
    let is_trusted = |addr: IpAddr| trusted.iter().any(|range| range.contains(addr));
    if !is_trusted(peer) {
        return peer;
    }
    let Some(chain) = forwarded_for else {
        return peer;
    };
    let mut client = peer;
    for hop in chain.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(addr) if is_trusted(addr) => client = addr,
            Ok(addr) => return addr,
            // A malformed entry: stop at the last address we could vouch for.
            Err(_) => return client,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ranges_parse_and_match() {
        let net = IpRange::parse("10.1.0.0/16").unwrap();
        assert!(net.contains(ip("10.1.200.3")));
        assert!(!net.contains(ip("10.2.0.1")));
        assert!(IpRange::parse("127.0.0.1")
            .unwrap()
            .contains(ip("::ffff:127.0.0.1")));
        assert!(IpRange::parse("fd00::/8").unwrap().contains(ip("fd12::1")));
        assert!(IpRange::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        for bad in ["", "10.0.0.0/33", "localhost", "10.0.0/8", "::1/129"] {
            assert_eq!(IpRange::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxies = [IpRange::parse("10.0.0.0/8").unwrap()];
        // A direct client cannot claim another address.
        assert_eq!(
            client_addr(ip("203.0.113.9"), Some("198.51.100.1"), &proxies),
            ip("203.0.113.9")
        );
        // Through the proxy, the address the proxy saw.
        assert_eq!(
            client_addr(ip("10.0.0.2"), Some("198.51.100.1"), &proxies),
            ip("198.51.100.1")
        );
        // A client's own forged entry sits left of what the proxy appended.
        assert_eq!(
            client_addr(
                ip("10.0.0.2"),
                Some("1.2.3.4, 198.51.100.1, 10.0.0.7"),
                &proxies
            ),
            ip("198.51.100.1")
        );
        assert_eq!(
            client_addr(ip("10.0.0.2"), Some("garbage"), &proxies),
            ip("10.0.0.2")
        );
        assert_eq!(client_addr(ip("10.0.0.2"), None, &[]), ip("10.0.0.2"));
    }
}
