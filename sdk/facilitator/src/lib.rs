//! zk402's facilitator for the x402 `zk-groth16` scheme: it verifies a payment's proof off
//! chain, reserves its nullifier durably, and settles proofs on chain in batches as fee payer —
//! inside a merchant's gate, or alone behind x402's facilitator API (`/supported`, `/verify`,
//! `/settle`) for any x402 resource server.
//!
//! - [`challenge`]: stateless challenges (MAC under the merchant's key; nothing stored).
//! - [`verify`]: the verification pipeline and its refusal codes.
//! - [`store`]: durable nullifier reservations, which are also the settlement queue (SQLite
//!   by default; Redis or PostgreSQL shared by several instances).
//! - [`settle`]: queueing and the settlement worker (batches, retries, failure reports).
//! - [`api`]: the HTTP API with x402's JSON names.
//! - [`chain_view`]: the briefly cached policies and cluster clock verification reads.
//! - [`metrics`]: Prometheus metrics.

pub mod api;
pub mod chain_view;
pub mod challenge;
pub mod metrics;
pub mod settle;
pub mod store;
pub mod verify;

pub use chain_view::PolicyView;
pub use challenge::ChallengeKey;
pub use settle::{SettleConfig, SettleError};
pub use verify::{Invalid, Verified, VerifyError};

use anchor_lang::prelude::Pubkey;
use chain_view::{ChainClock, PolicyCache};
use metrics::FacilitatorMetrics;
use solana_keypair::Keypair;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;
use zk402_chain::Chain;
use zk402_chain::submit::ConfirmOptions;
use zk402_x402::Network;

/// When a merchant serves a paid request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// After the proof's settlement is confirmed on chain (`PAYMENT-RESPONSE` names it).
    Confirm,
    /// After off-chain verification and reservation; settlement follows within the batching
    /// delay, well inside the policy's clock window.
    Deferred,
}

/// What a facilitator serves and how.
#[derive(Debug, Clone)]
pub struct FacilitatorConfig {
    /// The cluster it settles on.
    pub network: Network,
    /// The merchant's challenge key (shared with the gate that mints the challenges).
    pub challenge_key: ChallengeKey,
    /// The policy accounts it accepts payments for.
    pub policies: Vec<Pubkey>,
    /// When `settle` returns.
    pub mode: Mode,
    /// Lifetime of the challenges `POST /challenge` mints, seconds.
    pub challenge_ttl_secs: u64,
    /// Least time, seconds, a verified proof must still be settleable (before its `now` leaves
    /// the policy's clock window); younger windows are refused as `too_late_to_settle`.
    pub settle_margin_secs: u64,
    /// Longest `settle` waits in [`Mode::Confirm`].
    pub confirm_wait: Duration,
    /// How settlement transactions are confirmed.
    pub submit: ConfirmOptions,
}

impl FacilitatorConfig {
    /// A configuration with the defaults: challenges of 120 s, 20 s settlement margin, 60 s
    /// confirmation wait.
    pub fn new(network: Network, challenge_key: ChallengeKey, policies: Vec<Pubkey>, mode: Mode) -> Self {
        FacilitatorConfig {
            network,
            challenge_key,
            policies,
            mode,
            challenge_ttl_secs: 120,
            settle_margin_secs: 20,
            confirm_wait: Duration::from_secs(60),
            submit: ConfirmOptions { timeout: Duration::from_secs(60), poll_interval: Duration::from_millis(50) },
        }
    }
}

/// A facilitator over a chain `C` and a nullifier store `S`. Share it in an `Arc`; run its
/// settlement worker with [`Facilitator::spawn_worker`].
pub struct Facilitator<C, S> {
    config: FacilitatorConfig,
    settle: SettleConfig,
    chain: C,
    store: S,
    fee_payer: Keypair,
    policies: PolicyCache,
    clock: ChainClock,
    metrics: Arc<FacilitatorMetrics>,
    wake: Notify,
    landed: Notify,
    buffer_ids: AtomicU64,
}

impl<C: Chain + 'static, S: store::NullifierStore> Facilitator<C, S> {
    /// A facilitator whose settlement fees (and proof-buffer rent, returned after each batch)
    /// `fee_payer` pays.
    pub fn new(config: FacilitatorConfig, settle: SettleConfig, chain: C, store: S, fee_payer: Keypair) -> Arc<Self> {
        // Buffer ids need only differ between batches in flight at once; a random start keeps
        // two instances sharing a fee payer apart.
        let mut seed = [0u8; 8];
        let start = getrandom::fill(&mut seed).map_or(0, |()| u64::from_le_bytes(seed));
        Arc::new(Facilitator {
            config,
            settle,
            chain,
            store,
            fee_payer,
            policies: PolicyCache::default(),
            clock: ChainClock::default(),
            metrics: Arc::new(FacilitatorMetrics::new()),
            wake: Notify::new(),
            landed: Notify::new(),
            buffer_ids: AtomicU64::new(start),
        })
    }

    /// Starts the settlement worker on the current tokio runtime.
    pub fn spawn_worker(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(Arc::clone(self).run_settlement())
    }

    /// Its configuration.
    pub fn config(&self) -> &FacilitatorConfig {
        &self.config
    }

    /// Its metrics.
    pub fn metrics(&self) -> &Arc<FacilitatorMetrics> {
        &self.metrics
    }

    /// The chain it reads and settles on.
    pub fn chain(&self) -> &C {
        &self.chain
    }

    /// The nullifier store.
    pub fn store(&self) -> &S {
        &self.store
    }
}

/// The system clock in unix seconds (0 before 1970).
pub fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
