//! The merchant's Prometheus metrics, rendered in the text exposition format for a `/metrics`
//! route. Names (prefix `zk402_merchant_`):
//!
//! - `payment_required_total` — 402 answers issued (with a fresh challenge);
//! - `payments_accepted_total` — payments verified (and, in `confirm` mode, settled) and served;
//! - `payments_refused_total{reason}` — refused payments, by [`Refusal::code`];
//! - `bad_requests_total{code}` — malformed `PAYMENT-SIGNATURE` headers (400), by code;
//! - `confirmation_seconds` — histogram of a payment's verification and settlement request
//!   (including the on-chain confirmation in `confirm` mode);
//! - `store_errors_total`, `chain_errors_total` — failures that made the gate answer 503.
//!
//! With an RPC [`FallbackChain`](zk402_chain::resilience::FallbackChain), [`render_rpc`] adds its
//! per-endpoint counters and breaker states (prefix `zk402_rpc_`).

use crate::gate::Refusal;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::time::Duration;
use zk402_chain::resilience::FallbackStats;

/// A `reason` label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: String,
}

/// A `code` label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabel {
    code: &'static str,
}

/// The gate's live metrics; share one per process (the gate holds it in an `Arc`).
#[derive(Debug)]
pub struct MerchantMetrics {
    registry: Registry,
    payment_required: Counter,
    accepted: Counter,
    refused: Family<ReasonLabel, Counter>,
    bad_requests: Family<CodeLabel, Counter>,
    confirmation: Histogram,
    store_errors: Counter,
    chain_errors: Counter,
}

impl Default for MerchantMetrics {
    fn default() -> Self {
        MerchantMetrics::new()
    }
}

impl MerchantMetrics {
    /// Registers every metric, each refusal reason at zero so dashboards see the series.
    pub fn new() -> MerchantMetrics {
        let mut registry = Registry::with_prefix("zk402_merchant");
        let payment_required = Counter::default();
        let accepted = Counter::default();
        let refused = Family::<ReasonLabel, Counter>::default();
        let bad_requests = Family::<CodeLabel, Counter>::default();
        // 5 ms … ~41 s.
        let confirmation = Histogram::new(exponential_buckets(0.005, 2.0, 14));
        let store_errors = Counter::default();
        let chain_errors = Counter::default();
        registry.register("payment_required", "402 answers issued with a fresh challenge", payment_required.clone());
        registry.register("payments_accepted", "Payments confirmed on chain and served", accepted.clone());
        registry.register("payments_refused", "Payments refused, by reason", refused.clone());
        registry.register("bad_requests", "Malformed PAYMENT-SIGNATURE headers, by error code", bad_requests.clone());
        registry.register("confirmation_seconds", "Time to verify and settle a payment", confirmation.clone());
        registry.register("store_errors", "Nullifier store failures (answered 503)", store_errors.clone());
        registry.register("chain_errors", "Chain access failures (answered 503)", chain_errors.clone());
        let invalid = zk402_facilitator::Invalid::ALL.map(zk402_facilitator::Invalid::code);
        for reason in Refusal::OWN.iter().chain(&invalid).chain(&zk402_facilitator::metrics::FAILURE_REASONS) {
            drop(refused.get_or_create(&ReasonLabel { reason: (*reason).to_owned() }));
        }
        MerchantMetrics {
            registry,
            payment_required,
            accepted,
            refused,
            bad_requests,
            confirmation,
            store_errors,
            chain_errors,
        }
    }

    pub(crate) fn payment_required(&self) {
        self.payment_required.inc();
    }

    pub(crate) fn accepted(&self) {
        self.accepted.inc();
    }

    pub(crate) fn refused(&self, refusal: &Refusal) {
        self.refused.get_or_create(&ReasonLabel { reason: refusal.code().to_owned() }).inc();
    }

    pub(crate) fn bad_request(&self, code: &'static str) {
        self.bad_requests.get_or_create(&CodeLabel { code }).inc();
    }

    pub(crate) fn confirmation(&self, elapsed: Duration) {
        self.confirmation.observe(elapsed.as_secs_f64());
    }

    pub(crate) fn store_error(&self) {
        self.store_errors.inc();
    }

    pub(crate) fn chain_error(&self) {
        self.chain_errors.inc();
    }

    /// The metrics in the Prometheus text format (ends with `# EOF`).
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

/// An `endpoint` label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EndpointLabel {
    endpoint: String,
}

/// An `endpoint` and `outcome` label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    endpoint: String,
    outcome: &'static str,
}

/// A snapshot of an RPC fallback chain in the Prometheus text format:
/// `zk402_rpc_calls_total{endpoint,outcome}` (ok, retriable_error, fatal_error,
/// short_circuited), `zk402_rpc_breaker_state{endpoint}` (closed 0, half-open 1, open 2),
/// `zk402_rpc_breaker_opens_total{endpoint}`, `zk402_rpc_fallbacks_total`,
/// `zk402_rpc_unavailable_total`.
pub fn render_rpc(stats: &FallbackStats) -> String {
    let mut registry = Registry::with_prefix("zk402_rpc");
    let calls = Family::<OutcomeLabel, Counter>::default();
    let state = Family::<EndpointLabel, Gauge>::default();
    let opens = Family::<EndpointLabel, Counter>::default();
    let fallbacks = Counter::<u64>::default();
    let unavailable = Counter::<u64>::default();
    for e in &stats.endpoints {
        for (outcome, n) in [
            ("ok", e.ok),
            ("retriable_error", e.retriable_errors),
            ("fatal_error", e.fatal_errors),
            ("short_circuited", e.short_circuited),
        ] {
            calls.get_or_create(&OutcomeLabel { endpoint: e.endpoint.clone(), outcome }).inc_by(n);
        }
        let label = EndpointLabel { endpoint: e.endpoint.clone() };
        state.get_or_create(&label).set(i64::from(e.breaker_state.code()));
        opens.get_or_create(&label).inc_by(e.breaker_opens);
    }
    fallbacks.inc_by(stats.fallbacks);
    unavailable.inc_by(stats.unavailable);
    registry.register("calls", "RPC calls per endpoint, by outcome", calls);
    registry.register("breaker_state", "Circuit breaker state: closed 0, half-open 1, open 2", state);
    registry.register("breaker_opens", "Times the endpoint's breaker opened", opens);
    registry.register("fallbacks", "Calls answered by an endpoint other than the first", fallbacks);
    registry.register("unavailable", "Calls that failed on every endpoint", unavailable);
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = encode(&mut out, &registry);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use zk402_chain::resilience::{BreakerState, EndpointStats};

    #[test]
    fn merchant_metrics_render() {
        let m = MerchantMetrics::new();
        m.payment_required();
        m.refused(&Refusal::Invalid(zk402_facilitator::Invalid::NullifierReserved));
        m.bad_request("invalid_base64");
        m.confirmation(Duration::from_millis(12));
        let text = m.render();
        assert!(text.contains("zk402_merchant_payment_required_total 1"), "{text}");
        assert!(text.contains("zk402_merchant_payments_refused_total{reason=\"nullifier_reserved\"} 1"), "{text}");
        assert!(text.contains("zk402_merchant_payments_refused_total{reason=\"method_mismatch\"} 0"), "{text}");
        assert!(text.contains("zk402_merchant_bad_requests_total{code=\"invalid_base64\"} 1"), "{text}");
        assert!(text.contains("zk402_merchant_confirmation_seconds_count 1"), "{text}");
        assert!(text.contains("zk402_merchant_store_errors_total 0"), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn rpc_snapshot_renders() {
        let stats = FallbackStats {
            endpoints: vec![EndpointStats {
                endpoint: "primary".into(),
                ok: 3,
                retriable_errors: 2,
                fatal_errors: 0,
                short_circuited: 1,
                breaker_state: BreakerState::Open,
                breaker_opens: 1,
            }],
            fallbacks: 4,
            unavailable: 1,
        };
        let text = render_rpc(&stats);
        assert!(text.contains("zk402_rpc_calls_total{endpoint=\"primary\",outcome=\"retriable_error\"} 2"), "{text}");
        assert!(text.contains("zk402_rpc_breaker_state{endpoint=\"primary\"} 2"), "{text}");
        assert!(text.contains("zk402_rpc_fallbacks_total 4"), "{text}");
    }
}
