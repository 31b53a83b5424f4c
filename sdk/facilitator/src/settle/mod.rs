//! Settlement: `settle` queues a verified proof; the worker claims queued proofs from the store
//! (under a lease, so several facilitator instances share one queue and a crashed one's
//! proofs are taken over), submits them per policy — `verify_batch` once `max_batch` are
//! waiting or the oldest has waited `flush_after`, `verify_payment` for a lone one — and
//! records the outcome. A failed batch is retried proof by proof, so one bad proof does not
//! hold back the others; a transient failure is retried until the proof's deadline; a proof
//! that cannot land is marked failed and reported, never dropped.

pub mod submit;

use crate::metrics::FAILURE_REASONS;
use crate::store::{Entry, NullifierStore, State, StoreError};
use crate::verify::{Invalid, Verified, VerifyError};
use crate::{Facilitator, Mode};
use anchor_lang::prelude::Pubkey;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use submit::{SubmitError, submit};
use tokio::time::Instant;
use zk402_chain::program::fetch_nullifier_expiry;
use zk402_chain::{Chain, ChainError};
use zk402_x402::PaymentPayload;

/// How the settlement worker batches and retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettleConfig {
    /// Proofs per `verify_batch` (1..=10; 1 settles each proof alone).
    pub max_batch: usize,
    /// Longest a claimed proof waits for others before its batch is sent anyway.
    pub flush_after: Duration,
    /// How long a claim keeps other workers off a proof, seconds.
    pub lease_secs: u64,
    /// Pause before a proof is submitted again after a transient failure.
    pub retry_after: Duration,
    /// How often the worker looks at the store when nothing woke it.
    pub poll: Duration,
}

impl Default for SettleConfig {
    /// Batches of 10, flushed after 1 s; 120 s leases; retries after 2 s; polls every 250 ms.
    fn default() -> SettleConfig {
        SettleConfig {
            max_batch: 10,
            flush_after: Duration::from_secs(1),
            lease_secs: 120,
            retry_after: Duration::from_secs(2),
            poll: Duration::from_millis(250),
        }
    }
}

/// Why a settlement did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum SettleError {
    /// The payment is not valid (it was verified now, having not been before).
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// The nullifier store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The proof cannot be settled (reason code).
    #[error("settlement failed: {0}")]
    Failed(String),
    /// Not confirmed within the wait of `confirm` mode (it stays queued and will be settled).
    #[error("settlement not confirmed in time; it stays queued")]
    Timeout,
}

/// A claimed proof waiting in the worker.
struct Held {
    entry: Entry,
    since: Instant,
    not_before: Instant,
    alone: bool,
}

impl<C: Chain + 'static, S: NullifierStore> Facilitator<C, S> {
    /// Settles a payment: verifies it first if it was not (reserving its nullifier) — if its
    /// nullifier is known, checks it is a genuine payment for the very request that credit was
    /// reserved for (another request spending the same credit is `nullifier_reserved`, as at
    /// `/verify`) — then queues it. In [`Mode::Deferred`] returns at once with no transaction; in
    /// [`Mode::Confirm`] waits until the chain has recorded it and returns that transaction.
    pub async fn settle(
        &self,
        payload: &PaymentPayload,
        requirements: &zk402_x402::PaymentRequirements,
    ) -> Result<Option<String>, SettleError> {
        let nullifier = payload.payload.nullifier;
        match self.store.request_hash(&nullifier).await? {
            None => return self.settle_verified(self.verify(payload, requirements).await?).await,
            Some(reserved_for) => {
                self.check_known(payload, requirements).await?;
                if reserved_for != payload.payload.request_hash {
                    return Err(VerifyError::Invalid(Invalid::NullifierReserved).into());
                }
            }
        }
        self.enqueue(nullifier).await
    }

    /// [`settle`](Self::settle) for a payment [`verify`](Self::verify) has just accepted (the
    /// in-process gate), without checking the proof again.
    pub async fn settle_verified(&self, verified: Verified) -> Result<Option<String>, SettleError> {
        self.enqueue(verified.entry().nullifier).await
    }

    /// Queues a reserved nullifier and, as the mode asks, returns at once or awaits the chain.
    async fn enqueue(&self, nullifier: [u8; 32]) -> Result<Option<String>, SettleError> {
        let state = self.store.enqueue(&nullifier).await?;
        self.wake.notify_one();
        match (self.config.mode, state) {
            (_, State::Failed { reason }) => Err(SettleError::Failed(reason)),
            (_, State::Settled { transaction }) => Ok(Some(transaction)),
            (Mode::Deferred, _) => Ok(None),
            (Mode::Confirm, _) => self.await_settlement(&nullifier).await.map(Some),
        }
    }

    async fn await_settlement(&self, nullifier: &[u8; 32]) -> Result<String, SettleError> {
        let deadline = Instant::now() + self.config.confirm_wait;
        loop {
            let landed = self.landed.notified();
            match self.store.state(nullifier).await? {
                Some(State::Settled { transaction }) => return Ok(transaction),
                Some(State::Failed { reason }) => return Err(SettleError::Failed(reason)),
                _ => {}
            }
            // Woken by this process's worker; polled for a worker in another instance.
            if tokio::time::timeout_at(deadline.min(Instant::now() + self.settle.poll), landed).await.is_err()
                && Instant::now() >= deadline
            {
                return Err(SettleError::Timeout);
            }
        }
    }

    /// The settlement worker: runs until the task is dropped or aborted.
    pub async fn run_settlement(self: Arc<Self>) {
        let mut held: Vec<Held> = Vec::new();
        let mut depth_read = Instant::now();
        loop {
            self.fill(&mut held).await;
            for batch in self.due(&mut held) {
                self.settle_batch(batch, &mut held).await;
            }
            if depth_read.elapsed() >= Duration::from_secs(1) {
                depth_read = Instant::now();
                match self.store.depth().await {
                    Ok(depth) => self.metrics.depth(depth),
                    Err(e) => tracing::warn!(error = %e, "cannot read the settlement queue depth"),
                }
                if let Err(e) = self.store.purge(crate::unix_now()).await {
                    tracing::warn!(error = %e, "cannot purge the nullifier store");
                }
            }
            let pause =
                if held.is_empty() { self.settle.poll } else { self.settle.poll.min(Duration::from_millis(20)) };
            let _ = tokio::time::timeout(pause, self.wake.notified()).await;
        }
    }

    /// Claims queued proofs up to one batch's worth of room.
    async fn fill(&self, held: &mut Vec<Held>) {
        let room = self.settle.max_batch.saturating_sub(held.len());
        if room == 0 {
            return;
        }
        match self.store.claim(room, crate::unix_now(), self.settle.lease_secs).await {
            Ok(entries) => {
                let now = Instant::now();
                held.extend(entries.into_iter().map(|entry| Held { entry, since: now, not_before: now, alone: false }));
            }
            Err(e) => tracing::warn!(error = %e, "cannot claim queued settlements"),
        }
    }

    /// Takes out of `held` the batches to send now: per policy, a full batch, or any whose
    /// oldest proof has waited `flush_after`; proofs due for a retry go alone.
    fn due(&self, held: &mut Vec<Held>) -> Vec<Vec<Held>> {
        let now = Instant::now();
        let (ready, waiting): (Vec<Held>, Vec<Held>) = held.drain(..).partition(|h| h.not_before <= now);
        *held = waiting;
        let mut by_policy: BTreeMap<[u8; 32], Vec<Held>> = BTreeMap::new();
        let mut out = Vec::new();
        for h in ready {
            if h.alone {
                out.push(vec![h]);
            } else {
                by_policy.entry(h.entry.policy).or_default().push(h);
            }
        }
        for (_, group) in by_policy {
            let full = group.len() >= self.settle.max_batch;
            let old = group.iter().any(|h| h.since.elapsed() >= self.settle.flush_after);
            if full || old {
                out.push(group);
            } else {
                held.extend(group);
            }
        }
        out
    }

    /// Sends one batch and records the outcome of each proof in it.
    async fn settle_batch(&self, batch: Vec<Held>, held: &mut Vec<Held>) {
        let policy = Pubkey::new_from_array(batch[0].entry.policy);
        let entries: Vec<Entry> = batch.iter().map(|h| h.entry.clone()).collect();
        let view = match self.policies.get(&self.chain, &policy).await {
            Ok(Some(view)) => view,
            Ok(None) => return self.fail_all(&batch, "program_refused").await,
            Err(e) => return self.retry_later(batch, held, &e.to_string()),
        };
        let buffer_id = self.buffer_ids.fetch_add(1, Ordering::Relaxed);
        match submit(&self.chain, &self.fee_payer, &view, &entries, buffer_id, self.config.submit).await {
            Ok(landed) => {
                let waited = batch.iter().map(|h| h.since.elapsed()).max().unwrap_or_default();
                self.metrics.landed(entries.len(), waited);
                for entry in &entries {
                    self.record(entry, State::Settled { transaction: landed.transaction.clone() }).await;
                }
                self.landed.notify_waiters();
            }
            Err(e) if batch.len() > 1 => {
                tracing::info!(error = %e, proofs = batch.len(), "batch failed; settling its proofs one by one");
                held.extend(batch.into_iter().map(|h| Held { alone: true, ..h }));
            }
            Err(e) => self.after_failure(batch, held, e).await,
        }
    }

    /// A lone proof did not land: recorded elsewhere (settled), past its deadline or refused by
    /// the program (failed), or retried later.
    async fn after_failure(&self, batch: Vec<Held>, held: &mut Vec<Held>, error: SubmitError) {
        let entry = &batch[0].entry;
        let policy = Pubkey::new_from_array(entry.policy);
        match fetch_nullifier_expiry(&self.chain, &policy, &entry.nullifier).await {
            Ok(Some(_)) => {
                // Another transaction (a copy of ours, or another instance's) recorded it.
                self.record(entry, State::Settled { transaction: String::new() }).await;
                self.landed.notify_waiters();
                return;
            }
            Ok(None) => {}
            Err(e) => return self.retry_later(batch, held, &e.to_string()),
        }
        let past_deadline = match self.clock.now(&self.chain).await {
            Ok(clock) => clock.max(0) as u64 > entry.deadline,
            Err(e) => return self.retry_later(batch, held, &e.to_string()),
        };
        let refused = matches!(&error, SubmitError::Chain(ChainError::Rejected { error, .. })
            if matches!(error, solana_transaction_error::TransactionError::InstructionError(_, _)));
        if past_deadline {
            self.fail_all(&batch, FAILURE_REASONS[0]).await;
        } else if refused {
            tracing::warn!(error = %error, "the program refused a verified proof");
            self.fail_all(&batch, FAILURE_REASONS[1]).await;
        } else {
            self.retry_later(batch, held, &error.to_string());
        }
    }

    fn retry_later(&self, batch: Vec<Held>, held: &mut Vec<Held>, error: &str) {
        tracing::warn!(error, proofs = batch.len(), "settlement failed; retrying");
        self.metrics.retry();
        let not_before = Instant::now() + self.settle.retry_after;
        held.extend(batch.into_iter().map(|h| Held { not_before, ..h }));
    }

    async fn fail_all(&self, batch: &[Held], reason: &'static str) {
        for h in batch {
            tracing::error!(reason, "a verified proof cannot be settled; reported as failed");
            self.metrics.failure(reason);
            self.record(&h.entry, State::Failed { reason: reason.into() }).await;
        }
        self.landed.notify_waiters();
    }

    /// Writes an outcome; a store failure leaves the proof leased, to be claimed again (and
    /// found recorded on chain) once the lease lapses.
    async fn record(&self, entry: &Entry, state: State) {
        let written = match &state {
            State::Settled { transaction } => self.store.settled(&entry.nullifier, transaction).await,
            State::Failed { reason } => self.store.failed(&entry.nullifier, reason).await,
            State::Reserved | State::Queued => Ok(()),
        };
        if let Err(e) = written {
            tracing::error!(error = %e, "cannot record a settlement outcome; it will be re-checked after its lease");
        }
    }
}
