//! Throughput of the two pages clinics lean on, against a bare handler doing the same database
//! work, on PostgreSQL as the application role:
//!
//!     cargo install oha --locked      # once
//!     cargo bench -p salus-server --bench throughput
//!
//! For each page, oha runs 32 connections for 15 s at Salus (the signed-in patient's dashboard,
//! server-rendered HTML; the provider's compliance list page) and then at a minimal axum
//! handler in this file that, on the same pool, runs the same SQL as the page: the session
//! lookup and the account check (`sessions::actor`), the tenant transaction, the service
//! (`dashboard::dashboard`, `patients::compliance_list`, with its audit events) and the commit,
//! and answers JSON. What is left between the two is Salus's middleware, the session layer and
//! the page's rendering. It prints requests per second, p50/p95/p99, and Salus / bare; then
//! the sign-in storm: 40 sign-ins a second for 30 s while the dashboard is under the same load.
mod support;

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use salus_app::server::permissions::Permission;
use salus_app::server::request::RequestMeta;
use salus_app::server::services::patient::dashboard;
use salus_app::server::services::provider::patients;
use salus_app::server::services::seed::DEMO_PASSWORD;
use salus_app::server::services::sessions;
use salus_app::server::session_store::SeaOrmSessionStore;
use salus_app::server::state::AppState;
use salus_app::server::tenancy::Scoped;
use support::{oha, session_cookie, Load};
use tower_sessions::session::Id;
use tower_sessions::Session;

const CONNECTIONS: &str = "32";
const DURATION: &str = "15s";

/// The work of one page, without the page: verify the session's actor, open its tenant
/// transaction, run the service, commit, answer JSON.
async fn bare(State(state): State<AppState>, headers: HeaderMap, page: &'static str) -> Response {
    let Some(id) = headers
        .get("cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split_once('='))
        .and_then(|(_, id)| Id::from_str(id).ok())
    else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let store = Arc::new(SeaOrmSessionStore::new(
        state.db.clone(),
        state.clock.clone(),
        state.settings.session_idle,
    ));
    let session = Session::new(Some(id), store, None);
    let now = state.clock.now();
    let Ok(Some(signed_in)) = sessions::actor(&state.db, &state.settings, now, &session).await
    else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let scoped = Scoped::begin(
        &state.db,
        &signed_in.actor,
        now,
        RequestMeta::default(),
        state.audit_key.clone(),
    )
    .await
    .unwrap();
    let body = match page {
        "dashboard" => {
            let me = scoped.own_record(Permission::OwnRecordRead).await.unwrap();
            serde_json::to_value(dashboard::dashboard(&scoped, me).await.unwrap()).unwrap()
        }
        _ => serde_json::to_value(
            patients::compliance_list(&scoped, salus_app::model::provider::ListQuery::default())
                .await
                .unwrap(),
        )
        .unwrap(),
    };
    scoped.commit().await.unwrap();
    Json(body).into_response()
}

async fn serve_bare(state: AppState) -> SocketAddr {
    let app = Router::new()
        .route(
            "/dashboard",
            get(|s: State<AppState>, h: HeaderMap| bare(s, h, "dashboard")),
        )
        .route(
            "/provider",
            get(|s: State<AppState>, h: HeaderMap| bare(s, h, "provider")),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(salus_server::serve(listener, app, std::future::pending()));
    addr
}

/// A page at 32 connections for `duration`, with the session cookie.
fn page_load(url: &str, cookie: &str, duration: &str) -> Vec<String> {
    [
        "-c",
        CONNECTIONS,
        "-z",
        duration,
        "-H",
        &format!("Cookie: {cookie}"),
        url,
    ]
    .map(str::to_owned)
    .to_vec()
}

fn print(label: &str, load: &Load) {
    println!(
        "  {label:<34} {:>7.0} req/s   p50 {:>6.2} ms   p95 {:>6.2} ms   p99 {:>6.2} ms   {} errors",
        load.rps, load.p50, load.p95, load.p99, load.errors
    );
}

#[tokio::main]
async fn main() {
    let bench = support::start("postgres", |s| {
        s.sign_in_max_failures_per_address = 1000;
    })
    .await;
    let salus = bench.serve().await;
    let bare = serve_bare(bench.state.clone()).await;
    let patient = session_cookie(salus, "david@example.com").await;
    let provider = session_cookie(salus, "sarah.chen@example.com").await;
    println!(
        "PostgreSQL as the application role; oha, {CONNECTIONS} connections for {DURATION} each:"
    );
    for (page, salus_path, bare_path, cookie) in [
        ("patient dashboard", "/patient", "/dashboard", &patient),
        (
            "provider's compliance list",
            "/provider",
            "/provider",
            &provider,
        ),
    ] {
        let full = oha(&page_load(
            &format!("http://{salus}{salus_path}"),
            cookie,
            DURATION,
        ));
        let minimal = oha(&page_load(
            &format!("http://{bare}{bare_path}"),
            cookie,
            DURATION,
        ));
        print(&format!("{page}: Salus"), &full);
        print(&format!("{page}: bare handler"), &minimal);
        println!("  {page}: Salus / bare = {:.2}", full.rps / minimal.rps);
    }

    // The 8 a.m. sign-in storm: 40 sign-ins a second (each an argon2id verification) for 30 s,
    // while patients load the dashboard at 32 connections.
    println!(
        "sign-in storm: 40 sign-ins/s for 30 s during the dashboard at {CONNECTIONS} connections:"
    );
    let dashboard = page_load(&format!("http://{salus}/patient"), &patient, "30s");
    let origin = format!("http://{salus}");
    let sign_ins: Vec<String> = [
        "-q",
        "40",
        "-c",
        "8",
        "-z",
        "30s",
        "-m",
        "POST",
        "-T",
        "application/x-www-form-urlencoded",
        "-H",
        &format!("Origin: {origin}"),
        "-d",
        &format!("email=emma%40example.com&password={DEMO_PASSWORD}"),
        &format!("{origin}/api/auth/sign_in"),
    ]
    .map(str::to_owned)
    .to_vec();
    let storm = std::thread::spawn(move || oha(&sign_ins));
    let during = oha(&dashboard);
    let storm = storm.join().unwrap();
    print("dashboard during the storm", &during);
    print("sign-in", &storm);
    bench.finish().await;
}
