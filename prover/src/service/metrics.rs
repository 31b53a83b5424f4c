//! Prometheus metrics of the service, rendered in the text exposition format at
//! `GET /metrics`. Names are stable: dashboards and alerts refer to them.

use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the proof duration histogram buckets.
pub const DURATION_BUCKETS: [f64; 10] = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5];

/// How a proof request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 200 with a freshly computed proof.
    Proved,
    /// 200 from the cache.
    Cached,
    /// 4xx: the request was refused for its content.
    BadRequest,
    /// 401: no API key where one is required, or an unknown one.
    Unauthorized,
    /// 429.
    RateLimited,
    /// 503: queue full or not ready.
    Overloaded,
    /// 500.
    Internal,
}

const OUTCOMES: [(Outcome, &str); 7] = [
    (Outcome::Proved, "proved"),
    (Outcome::Cached, "cached"),
    (Outcome::BadRequest, "bad_request"),
    (Outcome::Unauthorized, "unauthorized"),
    (Outcome::RateLimited, "rate_limited"),
    (Outcome::Overloaded, "overloaded"),
    (Outcome::Internal, "internal"),
];

/// Holds one unit of the in-flight gauge; see [`Metrics::in_flight`].
pub struct InFlight<'a>(&'a AtomicU64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[derive(Default)]
struct Histogram {
    buckets: [u64; DURATION_BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Counters and gauges shared by the handlers and the workers.
#[derive(Default)]
pub struct Metrics {
    outcomes: [AtomicU64; OUTCOMES.len()],
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    cache_entries: AtomicU64,
    in_flight: AtomicU64,
    durations: Mutex<Histogram>,
}

impl Metrics {
    /// Counts one finished request.
    pub fn outcome(&self, outcome: Outcome) {
        let i = OUTCOMES.iter().position(|(o, _)| *o == outcome).expect("every outcome is listed");
        self.outcomes[i].fetch_add(1, Ordering::Relaxed);
    }

    /// Total of one outcome so far.
    pub fn outcome_total(&self, outcome: Outcome) -> u64 {
        let i = OUTCOMES.iter().position(|(o, _)| *o == outcome).expect("every outcome is listed");
        self.outcomes[i].load(Ordering::Relaxed)
    }

    /// Records a cache lookup and the cache's size after it.
    pub fn cache_lookup(&self, hit: bool, entries: usize) {
        let counter = if hit { &self.cache_hits } else { &self.cache_misses };
        counter.fetch_add(1, Ordering::Relaxed);
        self.cache_entries.store(entries as u64, Ordering::Relaxed);
    }

    /// Sets the cache size gauge.
    pub fn cache_size(&self, entries: usize) {
        self.cache_entries.store(entries as u64, Ordering::Relaxed);
    }

    /// Counts a proof as in flight until the guard is dropped (also when the client goes away
    /// and the request future is dropped).
    pub fn in_flight(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(&self.in_flight)
    }

    /// Records the time of one proof (witness and proving, without queueing).
    pub fn proof_duration(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let mut h = self.durations.lock().unwrap_or_else(|e| e.into_inner());
        for (bucket, bound) in h.buckets.iter_mut().zip(DURATION_BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        out.push_str("# HELP zk402_prover_proof_duration_seconds Time to compute one proof (witness and proving).\n");
        out.push_str("# TYPE zk402_prover_proof_duration_seconds histogram\n");
        {
            let h = self.durations.lock().unwrap_or_else(|e| e.into_inner());
            for (count, bound) in h.buckets.iter().zip(DURATION_BUCKETS) {
                let _ = writeln!(out, "zk402_prover_proof_duration_seconds_bucket{{le=\"{bound}\"}} {count}");
            }
            let _ = writeln!(out, "zk402_prover_proof_duration_seconds_bucket{{le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "zk402_prover_proof_duration_seconds_sum {}", h.sum);
            let _ = writeln!(out, "zk402_prover_proof_duration_seconds_count {}", h.count);
        }
        out.push_str("# HELP zk402_prover_requests_total Proof requests by outcome.\n");
        out.push_str("# TYPE zk402_prover_requests_total counter\n");
        for ((_, name), counter) in OUTCOMES.iter().zip(&self.outcomes) {
            let _ = writeln!(out, "zk402_prover_requests_total{{outcome=\"{name}\"}} {}", load(counter));
        }
        let simple: [(&str, &str, &str, u64); 5] = [
            ("zk402_prover_cache_hits_total", "counter", "Proof cache hits.", load(&self.cache_hits)),
            ("zk402_prover_cache_misses_total", "counter", "Proof cache misses.", load(&self.cache_misses)),
            ("zk402_prover_cache_entries", "gauge", "Proofs held in the cache.", load(&self.cache_entries)),
            (
                "zk402_prover_rate_limited_total",
                "counter",
                "Requests refused by the per-client rate limit.",
                self.outcome_total(Outcome::RateLimited),
            ),
            ("zk402_prover_in_flight", "gauge", "Proofs queued or being computed.", load(&self.in_flight)),
        ];
        for (name, kind, help, value) in simple {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_a_cumulative_histogram() {
        let m = Metrics::default();
        m.outcome(Outcome::Proved);
        m.outcome(Outcome::RateLimited);
        m.proof_duration(Duration::from_millis(60));
        m.cache_lookup(false, 3);
        let _one = m.in_flight();
        drop(m.in_flight());
        let text = m.render();
        for line in [
            "zk402_prover_requests_total{outcome=\"proved\"} 1",
            "zk402_prover_rate_limited_total 1",
            "zk402_prover_proof_duration_seconds_bucket{le=\"0.05\"} 0",
            "zk402_prover_proof_duration_seconds_bucket{le=\"0.075\"} 1",
            "zk402_prover_proof_duration_seconds_bucket{le=\"+Inf\"} 1",
            "zk402_prover_cache_misses_total 1",
            "zk402_prover_cache_entries 3",
            "zk402_prover_in_flight 1",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
        }
    }
}
