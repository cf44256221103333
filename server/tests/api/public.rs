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

crate::on_both_databases!(
    home_shows_the_latest_health_information,
    read_more_pages_come_from_the_content_table,
    privacy_policy_shows_its_version,
    every_form_field_has_a_label,
    health_and_readiness,
);
