//! The facilitator's Prometheus metrics (prefix `zk402_facilitator_`):
//!
//! - `verifications_total{result}` — off-chain verifications: `valid`, an [`Invalid::code`],
//!   or `unavailable` (chain or store down);
//! - `settlement_queue_depth{state}` — entries `reserved`, `queued` and `failed` in the store;
//! - `settlement_batch_size` — histogram of proofs per settlement transaction;
//! - `settlement_seconds` — histogram from a worker's claim of a proof to its confirmation;
//! - `settled_total` — proofs recorded on chain;
//! - `settlement_retries_total` — submissions retried after a transient failure;
//! - `settlement_failures_total{reason}` — proofs that cannot be settled (reported, kept).

use crate::store::Depth;
use crate::verify::{Invalid, VerifyError};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets, linear_buckets};
use prometheus_client::registry::Registry;
use std::time::Duration;

/// Why a settlement failed for good (label values of `settlement_failures_total`).
pub const FAILURE_REASONS: [&str; 2] = ["deadline_passed", "program_refused"];

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabel {
    result: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

/// The facilitator's live metrics.
#[derive(Debug)]
pub struct FacilitatorMetrics {
    registry: Registry,
    verifications: Family<ResultLabel, Counter>,
    depth: Family<StateLabel, Gauge>,
    batch_size: Histogram,
    settlement: Histogram,
    settled: Counter,
    retries: Counter,
    failures: Family<ReasonLabel, Counter>,
}

impl Default for FacilitatorMetrics {
    fn default() -> Self {
        FacilitatorMetrics::new()
    }
}

impl FacilitatorMetrics {
    /// Registers every metric, each label value at zero so dashboards see the series.
    pub fn new() -> FacilitatorMetrics {
        let mut registry = Registry::with_prefix("zk402_facilitator");
        let verifications = Family::<ResultLabel, Counter>::default();
        let depth = Family::<StateLabel, Gauge>::default();
        let batch_size = Histogram::new(linear_buckets(1.0, 1.0, 10));
        // 10 ms … ~82 s.
        let settlement = Histogram::new(exponential_buckets(0.01, 2.0, 14));
        let settled = Counter::default();
        let retries = Counter::default();
        let failures = Family::<ReasonLabel, Counter>::default();
        registry.register("verifications", "Off-chain verifications, by result", verifications.clone());
        registry.register("settlement_queue_depth", "Store entries by state", depth.clone());
        registry.register("settlement_batch_size", "Proofs per settlement transaction", batch_size.clone());
        registry.register("settlement_seconds", "Time from claim to on-chain confirmation", settlement.clone());
        registry.register("settled", "Proofs recorded on chain", settled.clone());
        registry.register("settlement_retries", "Submissions retried after a transient failure", retries.clone());
        registry.register("settlement_failures", "Proofs that cannot be settled, by reason", failures.clone());
        for result in ["valid", "unavailable"].into_iter().chain(Invalid::ALL.map(Invalid::code)) {
            drop(verifications.get_or_create(&ResultLabel { result }));
        }
        for state in ["reserved", "queued", "failed"] {
            drop(depth.get_or_create(&StateLabel { state }));
        }
        for reason in FAILURE_REASONS {
            drop(failures.get_or_create(&ReasonLabel { reason }));
        }
        FacilitatorMetrics { registry, verifications, depth, batch_size, settlement, settled, retries, failures }
    }

    pub(crate) fn verification(&self, error: Option<&VerifyError>) {
        let result = match error {
            None => "valid",
            Some(VerifyError::Invalid(invalid)) => invalid.code(),
            Some(_) => "unavailable",
        };
        self.verifications.get_or_create(&ResultLabel { result }).inc();
    }

    pub(crate) fn depth(&self, depth: Depth) {
        for (state, n) in [("reserved", depth.reserved), ("queued", depth.queued), ("failed", depth.failed)] {
            self.depth.get_or_create(&StateLabel { state }).set(i64::try_from(n).unwrap_or(i64::MAX));
        }
    }

    pub(crate) fn landed(&self, proofs: usize, waited: Duration) {
        self.batch_size.observe(proofs as f64);
        self.settlement.observe(waited.as_secs_f64());
        self.settled.inc_by(proofs as u64);
    }

    pub(crate) fn retry(&self) {
        self.retries.inc();
    }

    pub(crate) fn failure(&self, reason: &'static str) {
        self.failures.get_or_create(&ReasonLabel { reason }).inc();
    }

    /// The metrics in the Prometheus text format (ends with `# EOF`).
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}
