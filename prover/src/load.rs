//! `zk402-prover load`: a bounded load run against the live service on loopback. Starts the
//! service in-process on an ephemeral port, measures its capacity with a closed loop, then
//! offers twice that rate (open loop) for a fixed time and reports throughput, latency
//! percentiles of answered proofs and the count of every status code.

use crate::sample;
use crate::service::config::ServiceConfig;
use crate::stats::{ms, percentile};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use zk402_circuit::{Fr, PaymentInputs};

type LoadResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// One HTTP/1.1 exchange over a fresh connection; returns the status code.
async fn exchange(addr: SocketAddr, request: String) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let status = response.get(9..12).and_then(|s| std::str::from_utf8(s).ok()).and_then(|s| s.parse().ok());
    status.ok_or_else(|| std::io::Error::other("no HTTP status line"))
}

/// POSTs `body` (JSON inputs) to `/v1/proofs`; returns the status code.
pub async fn post_proof(addr: SocketAddr, body: &str) -> std::io::Result<u16> {
    let head = format!(
        "POST /v1/proofs HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    exchange(addr, head + body).await
}

/// GETs `path`; returns the status code.
pub async fn get(addr: SocketAddr, path: &str) -> std::io::Result<u16> {
    exchange(addr, format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")).await
}

/// Distinct valid requests (one receipt, many challenges: each has its own request_hash, so
/// the cache never answers).
fn bodies(count: usize) -> LoadResult<Vec<String>> {
    let base = sample::payment(sample::unix_now(), 600, Fr::from(0u64))?;
    (0..count)
        .map(|i| {
            let inputs = PaymentInputs { request_hash: Fr::from(i as u64 + 1), ..base };
            Ok(serde_json::to_string(&inputs)?)
        })
        .collect()
}

/// Runs the load test against a fresh in-process service configured by `config` (its
/// `bind` is ignored: an ephemeral loopback port is used), for `seconds` of overload.
pub async fn run(mut config: ServiceConfig, seconds: u64) -> LoadResult<()> {
    // The load run measures proving capacity, not the per-client limit.
    config.rate = 1e9;
    config.burst = u32::MAX;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(crate::service::run(listener, config.clone(), async {
        let _ = stopped.await;
    }));
    wait_ready(addr).await?;

    // Closed loop: one connection per worker, so nothing queues and nothing is refused.
    let workers = config.workers.max(1);
    let warm = bodies(8 * workers)?;
    let start = Instant::now();
    let mut closed = tokio::task::JoinSet::new();
    for chunk in warm.chunks(8) {
        let chunk = chunk.to_vec();
        closed.spawn(async move {
            let mut ok = 0usize;
            for body in chunk {
                ok += usize::from(post_proof(addr, &body).await? == 200);
            }
            Ok::<_, std::io::Error>(ok)
        });
    }
    let mut answered = 0;
    while let Some(done) = closed.join_next().await {
        answered += done??;
    }
    let capacity = answered as f64 / start.elapsed().as_secs_f64();
    if answered == 0 {
        return Err("no proof succeeded in the closed-loop run".into());
    }
    let offered = 2.0 * capacity;
    println!(
        "capacity (closed loop, {} proofs): {capacity:.1} proofs/s; offering {offered:.1} req/s for {seconds} s",
        warm.len()
    );

    let total = (offered * seconds as f64).ceil() as usize;
    let requests = bodies(total)?;
    let interval = Duration::from_secs_f64(1.0 / offered);
    let start = Instant::now();
    let mut open = tokio::task::JoinSet::new();
    for (i, body) in requests.into_iter().enumerate() {
        tokio::time::sleep_until((start + interval * i as u32).into()).await;
        open.spawn(async move {
            let sent = Instant::now();
            let status = post_proof(addr, &body).await;
            (status, sent.elapsed())
        });
    }
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    let mut latencies = Vec::new();
    while let Some(done) = open.join_next().await {
        let (status, latency) = done?;
        let key = match status {
            Ok(code) => code.to_string(),
            Err(e) => format!("io error: {e}"),
        };
        if key == "200" {
            latencies.push(latency);
        }
        *statuses.entry(key).or_default() += 1;
    }
    let elapsed = start.elapsed();
    println!(
        "overload run: {total} requests in {:.1} s; {:.1} proofs/s answered 200; p50 {:.0} ms, p99 {:.0} ms (200s)",
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 99.0)),
    );
    for (status, count) in &statuses {
        println!("status {status}: {count}");
    }
    let _ = stop.send(());
    server.await??;
    Ok(())
}

/// Polls `/health` until it answers 200 (at most a minute).
pub async fn wait_ready(addr: SocketAddr) -> LoadResult<()> {
    for _ in 0..600 {
        if get(addr, "/health").await? == 200 {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err("the service did not become ready within 60 s".into())
}
