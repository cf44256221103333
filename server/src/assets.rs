//! The built front end under `<site root>/pkg`: which bundle the pages load, how the files
//! are served, and how long browsers may keep them.
use std::path::Path;

use axum::http::HeaderValue;
use tower_http::services::ServeDir;

/// The name the release build gave the bundle (`salus-<hash>`: `.js`, `.wasm`, `.css`),
/// read from `pkg/bundle-name`; plain `salus` where the front end was built without it
/// (`cargo leptos watch`).
pub fn bundle_name(site_root: &str) -> String {
    std::fs::read_to_string(Path::new(site_root).join("pkg/bundle-name"))
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| is_content_hashed(&format!("/pkg/{name}.js")))
        .unwrap_or_else(|| "salus".to_owned())
}

/// `/pkg/…`: the files, with their brotli or gzip copy when the build made one and the
/// browser accepts it (other responses are compressed on the fly by the router's layer).
pub fn service(site_root: &str) -> ServeDir {
    ServeDir::new(Path::new(site_root).join("pkg"))
        .precompressed_br()
        .precompressed_gzip()
}

/// How long a browser may keep a response for `path`. A content-hashed asset never changes
/// under its name; other built files may, so they are checked each time; everything else
/// (pages, server functions) may hold health data and is never stored.
pub fn cache_control(path: &str) -> HeaderValue {
    if is_content_hashed(path) {
        HeaderValue::from_static("public, max-age=31536000, immutable")
    } else if path.starts_with("/pkg/") || path == "/favicon.svg" {
        HeaderValue::from_static("no-cache")
    } else {
        HeaderValue::from_static("no-store")
    }
}

/// `/pkg/salus-<16 hex digits>.<ext>`, the names `scripts/site.sh` gives.
fn is_content_hashed(path: &str) -> bool {
    let Some(file) = path.strip_prefix("/pkg/salus-") else {
        return false;
    };
    let Some((hash, ext)) = file.split_once('.') else {
        return false;
    };
    hash.len() == 16
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
        && matches!(ext, "js" | "wasm" | "css")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hashed_assets_are_immutable() {
        let immutable = |p: &str| cache_control(p) == "public, max-age=31536000, immutable";
        assert!(immutable("/pkg/salus-0123456789abcdef.wasm"));
        assert!(immutable("/pkg/salus-0123456789abcdef.css"));
        assert!(!immutable("/pkg/salus.wasm"));
        assert!(!immutable("/pkg/salus-0123456789abcdeg.js"));
        assert!(!immutable("/pkg/salus-0123456789abcdef.js.map"));
        assert!(!immutable("/patient"));
        assert_eq!(cache_control("/pkg/salus.wasm"), "no-cache");
        assert_eq!(cache_control("/patient"), "no-store");
        assert_eq!(cache_control("/api/patient/export"), "no-store");
    }
}
