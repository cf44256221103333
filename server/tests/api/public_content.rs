//! The public site, rendered on the server from the content table.
use reqwest::StatusCode;

use crate::helpers::*;

async fn home_shows_the_latest_health_information(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().await.unwrap();
    for text in [
        "Latest Health Information",
        "COVID-19 Updates",
        "Seasonal Flu Prevention",
        "Mental Health Awareness",
        "href=\"/topics/covid-19-updates\"",
        "Health Topics",
        "Services",
        "Contact",
    ] {
        assert!(body.contains(text), "home page lacks {text}");
    }
}

async fn read_more_pages_come_from_the_content_table(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get("/topics/seasonal-flu-prevention").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().await.unwrap();
    assert!(body.contains("Seasonal Flu Prevention"));
    assert!(body.contains("Flu viruses change every year"));

    let response = app.get("/topics/no-such-topic").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/no/such/page").await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn privacy_policy_shows_its_version(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = app.get("/privacy").await.text().await.unwrap();
    assert!(body.contains("Privacy Policy"));
    assert!(body.contains("Version 2026-11-01"));
}

async fn every_form_field_has_a_label(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let input = regex_lite::Regex::new(r#"<(?:input|select)\b[^>]*>"#).unwrap();
    let id = regex_lite::Regex::new(r#"\bid="([^"]+)""#).unwrap();
    for page in [
        "/signin",
        "/register",
        "/forgot-password",
        "/reset-password?token=x",
    ] {
        let body = app.get(page).await.text().await.unwrap();
        let mut fields = 0;
        for tag in input.find_iter(&body).map(|m| m.as_str()) {
            if tag.contains(r#"type="hidden""#) {
                continue;
            }
            fields += 1;
            let id = id
                .captures(tag)
                .unwrap_or_else(|| panic!("{page}: field without id: {tag}"))[1]
                .to_owned();
            assert!(
                body.contains(&format!(r#"for="{id}""#)),
                "{page}: no label for {id}"
            );
        }
        assert!(fields > 0, "{page} has fields");
    }
}

async fn health_and_readiness(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
}

/// Pages and server functions' answers are compressed for browsers that say they accept it:
/// brotli first, gzip otherwise, and plain for clients that accept neither.
async fn responses_are_compressed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fetch = |encoding: Option<&'static str>| {
        let request = app.client.get(app.url("/"));
        let request = match encoding {
            Some(e) => request.header("accept-encoding", e),
            None => request,
        };
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let encoding = response
                .headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap().to_owned());
            let vary = response.headers().get_all("vary").iter().any(|v| {
                v.to_str()
                    .unwrap()
                    .to_lowercase()
                    .contains("accept-encoding")
            });
            (encoding, vary, response.bytes().await.unwrap())
        }
    };
    let (encoding, vary, plain) = fetch(None).await;
    assert_eq!(encoding, None);
    assert!(plain.starts_with(b"<!DOCTYPE html>"));
    assert!(vary, "caches must keep one copy per encoding");

    // What matters is that each encoding carries the whole page and is clearly smaller; the
    // exact ratio depends on the page's content. Responses differ in their CSP nonce and in
    // how the streamed parts were split, so a decoded page is checked for its last streamed
    // content rather than compared byte for byte (a truncated stream fails to decode).
    let same_page = |decoded: &[u8]| {
        let text = String::from_utf8_lossy(decoded);
        decoded.starts_with(b"<!DOCTYPE html>")
            && text.contains("Latest Health Information")
            && text.contains("Mental Health Awareness")
    };
    assert!(same_page(&plain), "the check recognises the page itself");
    let (encoding, _, brotli) = fetch(Some("gzip, deflate, br")).await;
    assert_eq!(encoding.as_deref(), Some("br"));
    let mut unbrotli = Vec::new();
    brotli_decompressor::BrotliDecompress(&mut &brotli[..], &mut unbrotli).unwrap();
    assert!(same_page(&unbrotli), "brotli decodes to the page");
    assert!(
        brotli.len() * 2 < plain.len(),
        "{} bytes of brotli for {} of HTML",
        brotli.len(),
        plain.len()
    );

    let (encoding, _, gzip) = fetch(Some("gzip")).await;
    assert_eq!(encoding.as_deref(), Some("gzip"));
    let mut ungzip = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gzip[..]), &mut ungzip).unwrap();
    assert!(same_page(&ungzip), "gzip decodes to the page");
}

/// Pages name the content-hashed bundle; browsers may keep it for a year, get the build's
/// brotli copy when they accept brotli, and never store a page.
async fn built_assets_are_cached_and_served_precompressed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let page = app.get("/").await;
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    for asset in ["js", "wasm", "css"] {
        let href = format!("/pkg/{BUNDLE_NAME}.{asset}");
        assert!(html.contains(&href), "the page loads {href}");
    }

    let wasm = app.url(&format!("/pkg/{BUNDLE_NAME}.wasm"));
    let response = app
        .client
        .get(&wasm)
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(
        headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(headers["content-encoding"], "br");
    assert_eq!(headers["content-type"], "application/wasm");
    assert_eq!(&response.bytes().await.unwrap()[..], b"brotli copy");

    // A client that accepts neither encoding gets the file itself.
    let response = app.client.get(&wasm).send().await.unwrap();
    assert_eq!(response.headers().get("content-encoding"), None);
    assert_eq!(&response.bytes().await.unwrap()[..], b"\0asm plain");
}

crate::on_both_databases!(
    built_assets_are_cached_and_served_precompressed,
    responses_are_compressed,
    home_shows_the_latest_health_information,
    read_more_pages_come_from_the_content_table,
    privacy_policy_shows_its_version,
    every_form_field_has_a_label,
    health_and_readiness,
);

/// A page renders while another server is being built in the same process. Building a router
/// lists the app's pages by rendering the app with resource loading switched off for the whole
/// process; a page whose data began loading meanwhile once waited for ever. The tests build a
/// router per test while other tests' servers render, so this held up a test now and then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_while_another_server_is_built() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let state = salus_server::build_state(&app.config, app.clock.clone())
        .await
        .unwrap();
    let building = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let runtime = tokio::runtime::Handle::current();
    let builder = std::thread::spawn({
        let building = building.clone();
        move || {
            let _runtime = runtime.enter();
            let mut built = 0;
            while building.load(std::sync::atomic::Ordering::Relaxed) {
                drop(salus_server::router(state.clone()));
                built += 1;
            }
            built
        }
    });
    for _ in 0..5 {
        let page = tokio::time::timeout(std::time::Duration::from_secs(20), app.get("/privacy"))
            .await
            .expect("the page answers while a router is built");
        assert!(page.text().await.unwrap().contains("Version 2026-11-01"));
    }
    building.store(false, std::sync::atomic::Ordering::Relaxed);
    assert!(builder.join().unwrap() > 0, "a router was built meanwhile");
}
