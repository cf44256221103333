//! The server's resident memory: with 1,000 idle kept-alive connections, and over a soak at
//! 64 connections. The release `salus serve` binary runs as its own process on PostgreSQL as
//! the application role, so what is measured is the server alone (`VmRSS` in
//! `/proc/<pid>/status`), not this benchmark's clients:
//!
//!     cargo install oha --locked      # once
//!     cargo bench -p salus-server --bench memory
//!     SALUS_BENCH_SOAK=1m cargo bench -p salus-server --bench memory    # a shorter soak
//!
//! Each idle connection first loads the signed-in dashboard, so the connection's buffers have
//! carried a real page. The soak is two oha runs at once, 32 connections each, on the patient's
//! dashboard and the provider's compliance list; memory is sampled every 10 s. Growth is
//! measured from the end of the first minute (the allocator's working set for that load is
//! reached by then) to the end.
mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

const IDLE_CONNECTIONS: usize = 1_000;
const SAMPLE_EVERY: Duration = Duration::from_secs(10);

/// Resident memory of process `pid`, in MB (10^6 bytes).
fn resident_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/<pid>/status");
    kb * 1024.0 / 1e6
}

/// Opens `count` connections, each its own client, and loads `path` once on each; returns the
/// clients, whose pooled connections stay open and idle while they live.
async fn idle_connections(
    addr: SocketAddr,
    path: &str,
    cookie: &str,
    count: usize,
) -> Vec<reqwest::Client> {
    let mut clients = Vec::with_capacity(count);
    for batch in 0..count.div_ceil(50) {
        let mut opening = tokio::task::JoinSet::new();
        for _ in 0..50.min(count - batch * 50) {
            let (url, cookie) = (format!("http://{addr}{path}"), cookie.to_owned());
            opening.spawn(async move {
                let client = reqwest::Client::builder()
                    .pool_max_idle_per_host(1)
                    .pool_idle_timeout(None)
                    .build()
                    .unwrap();
                let response = client
                    .get(url)
                    .header("cookie", cookie)
                    .header("accept-encoding", "br")
                    .send()
                    .await
                    .unwrap();
                assert!(response.status().is_success(), "{}", response.status());
                let _ = response.bytes().await.unwrap();
                client
            });
        }
        clients.extend(opening.join_all().await);
    }
    clients
}

/// The soak's length: `SALUS_BENCH_SOAK` (oha's syntax, such as `10m` or `90s`), 10 minutes
/// by default.
fn soak_length() -> (String, Duration) {
    let text = std::env::var("SALUS_BENCH_SOAK").unwrap_or_else(|_| "10m".into());
    let (number, unit) = text.split_at(text.trim_end_matches(char::is_alphabetic).len());
    let number: u64 = number.parse().expect("SALUS_BENCH_SOAK such as 10m or 90s");
    let seconds = match unit {
        "s" => number,
        "m" => number * 60,
        "h" => number * 3600,
        _ => panic!("SALUS_BENCH_SOAK ends in s, m or h"),
    };
    (text, Duration::from_secs(seconds))
}

fn load(url: String, cookie: &str, length: &str) -> Vec<String> {
    [
        "-c",
        "32",
        "-z",
        length,
        "-H",
        &format!("Cookie: {cookie}"),
        &url,
    ]
    .map(str::to_owned)
    .to_vec()
}

#[tokio::main]
async fn main() {
    let bench = support::start("postgres", |_| {}).await;
    let (mut server, addr) = bench.spawn_server().await;
    let pid = server.id();
    let patient = support::session_cookie(addr, "david@example.com").await;
    let provider = support::session_cookie(addr, "sarah.chen@example.com").await;
    println!("salus serve (release) on PostgreSQL as the application role, resident memory:");
    println!(
        "  started, signed in                 {:>7.1} MB",
        resident_mb(pid)
    );

    let warm = support::oha(&load(format!("http://{addr}/patient"), &patient, "10s"));
    assert_eq!(warm.errors, 0, "the warm-up load had errors");
    println!(
        "  after 10 s of dashboard load       {:>7.1} MB",
        resident_mb(pid)
    );

    let clients = idle_connections(addr, "/patient", &patient, IDLE_CONNECTIONS).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let open = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count();
    println!(
        "  {IDLE_CONNECTIONS} idle kept-alive connections    {:>7.1} MB   (goal: under 150 MB; {open} open descriptors)",
        resident_mb(pid)
    );
    drop(clients);
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!(
        "  after they closed                  {:>7.1} MB",
        resident_mb(pid)
    );

    let (length, duration) = soak_length();
    println!(
        "soak: 64 connections for {length} (dashboard and compliance list, 32 each), every {} s:",
        SAMPLE_EVERY.as_secs()
    );
    let dashboard = load(format!("http://{addr}/patient"), &patient, &length);
    let list = load(format!("http://{addr}/provider"), &provider, &length);
    let runs = [
        std::thread::spawn(move || support::oha(&dashboard)),
        std::thread::spawn(move || support::oha(&list)),
    ];
    let started = Instant::now();
    let before = resident_mb(pid);
    let mut samples = vec![(Duration::ZERO, before)];
    while !runs.iter().all(|r| r.is_finished()) {
        tokio::time::sleep(SAMPLE_EVERY).await;
        let sample = (started.elapsed(), resident_mb(pid));
        println!("  {:>5} s  {:>7.1} MB", sample.0.as_secs(), sample.1);
        samples.push(sample);
    }
    let [dashboard, list] = runs.map(|r| r.join().unwrap());
    let settled = samples
        .iter()
        .find(|(at, _)| *at >= Duration::from_secs(60).min(duration))
        .map_or(before, |(_, mb)| *mb);
    let end = samples.last().unwrap().1;
    let peak = samples.iter().map(|(_, mb)| *mb).fold(0.0, f64::max);
    println!(
        "  dashboard {:.0} req/s, compliance list {:.0} req/s, {} errors",
        dashboard.rps,
        list.rps,
        dashboard.errors + list.errors
    );
    println!(
        "  at 1 min {settled:.1} MB, at the end {end:.1} MB, peak {peak:.1} MB: growth {:+.1} % (goal: under 10 %; {:+.1} % from before the soak)",
        (end - settled) / settled * 100.0,
        (end - before) / before * 100.0,
    );
    server.kill().unwrap();
    server.wait().unwrap();
    bench.finish().await;
}
