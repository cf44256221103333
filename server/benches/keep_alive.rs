//! One client, one kept-alive connection, the public home page requested 300 times in a row:
//! served as `salus serve` serves it (`TCP_NODELAY` on every accepted connection), and by the
//! same router through a plain `axum::serve` (Nagle's algorithm left on), in the same run.
//!
//!     cargo bench -p salus-server --bench keep_alive
//!
//! A response written in several chunks waits for the client's delayed acknowledgement (about
//! 40 ms on Linux) when Nagle's algorithm holds back its last small segment.
mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

const REQUESTS: usize = 300;

async fn measure(label: &str, addr: SocketAddr) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .unwrap();
    let url = format!("http://{addr}/");
    let mut samples = Vec::with_capacity(REQUESTS);
    for i in 0..REQUESTS + 10 {
        let started = Instant::now();
        let response = client.get(&url).send().await.unwrap();
        assert!(response.status().is_success());
        let _ = response.bytes().await.unwrap();
        if i >= 10 {
            samples.push(started.elapsed());
        }
    }
    samples.sort();
    let total: Duration = samples.iter().sum();
    println!(
        "  {label:<36} p50 {:>6.2} ms   p95 {:>6.2} ms   p99 {:>6.2} ms   {:>6.0} req/s",
        support::percentile(&samples, 0.50).as_secs_f64() * 1e3,
        support::percentile(&samples, 0.95).as_secs_f64() * 1e3,
        support::percentile(&samples, 0.99).as_secs_f64() * 1e3,
        samples.len() as f64 / total.as_secs_f64(),
    );
}

#[tokio::main]
async fn main() {
    let bench = support::start("sqlite", |_| {}).await;
    let state = bench.state.clone();
    println!("the home page, {REQUESTS} requests on one kept-alive connection (SQLite):");

    let with_nodelay = bench.serve().await;
    measure("salus_server::serve (TCP_NODELAY)", with_nodelay).await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let without = listener.local_addr().unwrap();
    let app = salus_server::router(state);
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    measure("plain axum::serve (Nagle on)", without).await;
    bench.finish().await;
}
