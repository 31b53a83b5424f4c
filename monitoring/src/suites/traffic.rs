//! Open-loop traffic against a prover on loopback: requests leave at a fixed rate whether or
//! not earlier ones were answered (so overload really builds up), each with a client deadline,
//! and every ending is tallied: an HTTP status, a connection error, or a timeout.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use zk402_circuit::{Fr, PaymentInputs};
use zk402_prover::load::post_proof;
use zk402_prover::stats::{ms, percentile};

/// How one request ended.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ending {
    /// An HTTP answer with this status.
    Status(u16),
    /// The connection was refused, reset or closed before an answer (retriable).
    Connection(String),
    /// No answer within the client deadline: the service hung.
    Timeout,
}

impl std::fmt::Display for Ending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ending::Status(code) => write!(f, "HTTP {code}"),
            Ending::Connection(kind) => write!(f, "connection {kind}"),
            Ending::Timeout => write!(f, "client timeout"),
        }
    }
}

/// One request's ending, when it was sent (from the start of the run) and how long it took.
#[derive(Debug, Clone)]
pub struct Sample {
    /// How it ended.
    pub ending: Ending,
    /// Send time since the run started.
    pub sent: Duration,
    /// Time to the ending.
    pub latency: Duration,
}

/// Distinct valid requests: one receipt, many challenges (each its own `request_hash`, so the
/// proof cache never answers and every request costs a proof).
pub fn bodies(count: usize, first_hash: u64) -> Result<Vec<String>, Box<dyn std::error::Error + Send + Sync>> {
    let base = zk402_prover::sample::payment(zk402_prover::sample::unix_now(), 3_600, Fr::from(0u64))?;
    (0..count as u64)
        .map(|i| Ok(serde_json::to_string(&PaymentInputs { request_hash: Fr::from(first_hash + i), ..base })?))
        .collect()
}

/// Sends `bodies` at `rate` per second, each with `deadline`; returns every request's sample.
pub async fn open_loop(addr: SocketAddr, bodies: Vec<String>, rate: f64, deadline: Duration) -> Vec<Sample> {
    let interval = Duration::from_secs_f64(1.0 / rate);
    let start = Instant::now();
    let mut requests = tokio::task::JoinSet::new();
    for (i, body) in bodies.into_iter().enumerate() {
        tokio::time::sleep_until((start + interval * i as u32).into()).await;
        requests.spawn(async move {
            let sent = Instant::now();
            let ending = match tokio::time::timeout(deadline, post_proof(addr, &body)).await {
                Ok(Ok(status)) => Ending::Status(status),
                Ok(Err(e)) => Ending::Connection(match e.kind() {
                    std::io::ErrorKind::ConnectionRefused => "refused".into(),
                    std::io::ErrorKind::ConnectionReset => "reset".into(),
                    std::io::ErrorKind::Other | std::io::ErrorKind::UnexpectedEof => "closed before an answer".into(),
                    kind => format!("{kind:?}"),
                }),
                Err(_) => Ending::Timeout,
            };
            Sample { ending, sent: sent - start, latency: sent.elapsed() }
        });
    }
    let mut samples = Vec::new();
    while let Some(done) = requests.join_next().await {
        if let Ok(sample) = done {
            samples.push(sample);
        }
    }
    samples.sort_by_key(|s| s.sent);
    samples
}

/// Counts, throughput and the latency of answered proofs over a set of samples.
#[derive(Debug, Clone)]
pub struct Tally {
    /// Requests per ending.
    pub endings: BTreeMap<Ending, usize>,
    /// Requests answered 200.
    pub ok: usize,
    /// p50 latency of 200 answers.
    pub p50: Duration,
    /// p99 latency of 200 answers.
    pub p99: Duration,
    /// Largest latency of 200 answers.
    pub max: Duration,
}

impl Tally {
    /// Tallies `samples`.
    pub fn of(samples: &[Sample]) -> Tally {
        let mut endings = BTreeMap::new();
        for s in samples {
            *endings.entry(s.ending.clone()).or_default() += 1;
        }
        let ok: Vec<Duration> = samples.iter().filter(|s| s.ending == Ending::Status(200)).map(|s| s.latency).collect();
        Tally {
            endings,
            ok: ok.len(),
            p50: percentile(&ok, 50.0),
            p99: percentile(&ok, 99.0),
            max: ok.iter().max().copied().unwrap_or_default(),
        }
    }

    /// Whether every ending is one of `allowed` statuses.
    pub fn only_statuses(&self, allowed: &[u16]) -> bool {
        self.endings.keys().all(|e| matches!(e, Ending::Status(code) if allowed.contains(code)))
    }

    /// One markdown line: counts per ending, then latency of the 200s.
    pub fn summary(&self) -> String {
        let counts: Vec<String> = self.endings.iter().map(|(e, n)| format!("{e}: {n}")).collect();
        format!(
            "{}; 200 latency p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
            counts.join(", "),
            ms(self.p50),
            ms(self.p99),
            ms(self.max)
        )
    }
}
