//! [`FallbackChain`]: an ordered list of endpoints behind one [`Chain`].
//!
//! Each call goes to the first endpoint whose breaker admits it and is retried there with
//! backoff while it fails retriably (see [`ChainError::is_retriable`]); then the next endpoint
//! is tried. An error about the request itself ([`ChainError::Rejected`], [`ChainError::Decode`])
//! returns at once. When every endpoint failed or refused, the call fails with
//! [`ChainError::Unavailable`] and a summary of what each endpoint did.
//!
//! Re-sending a transaction is safe: a signed Solana transaction is identified by its first
//! signature, and the cluster executes a signature at most once, so `sendTransaction` retried
//! at the same or another endpoint cannot pay twice. If an earlier attempt of the same call did
//! land, the retry's preflight reports `AlreadyProcessed`; the call then returns the signature.

use super::breaker::{BreakerConfig, BreakerState, CircuitBreaker};
use super::retry::RetryPolicy;
use crate::{Account, Chain, ChainError, ConfirmedTransaction, Finality, SignatureInfo};
use anchor_lang::prelude::Pubkey;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Counters of one endpoint, as [`FallbackChain::stats`] reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointStats {
    /// The endpoint's label.
    pub endpoint: String,
    /// Calls that succeeded.
    pub ok: u64,
    /// Calls that failed retriably (transport or JSON-RPC errors).
    pub retriable_errors: u64,
    /// Calls the endpoint answered with a non-retriable error (rejected transaction, bad data).
    pub fatal_errors: u64,
    /// Calls not made because the breaker was open.
    pub short_circuited: u64,
    /// The breaker's state now.
    pub breaker_state: BreakerState,
    /// How often the breaker has opened.
    pub breaker_opens: u64,
}

/// A snapshot of a [`FallbackChain`]'s counters, for metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FallbackStats {
    /// Per endpoint, in fallback order.
    pub endpoints: Vec<EndpointStats>,
    /// Calls answered by an endpoint other than the first.
    pub fallbacks: u64,
    /// Calls that failed on every endpoint ([`ChainError::Unavailable`]).
    pub unavailable: u64,
}

#[derive(Debug, Default)]
struct Counters {
    ok: AtomicU64,
    retriable_errors: AtomicU64,
    fatal_errors: AtomicU64,
    short_circuited: AtomicU64,
}

#[derive(Debug)]
struct Member<C> {
    label: String,
    chain: C,
    breaker: CircuitBreaker,
    counters: Counters,
}

/// Endpoints tried in order, each behind its own circuit breaker, with retries and backoff.
#[derive(Debug)]
pub struct FallbackChain<C> {
    members: Vec<Member<C>>,
    retry: RetryPolicy,
    fallbacks: AtomicU64,
    unavailable: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl<C: Chain> FallbackChain<C> {
    /// Endpoints as `(label, chain)` in fallback order; each gets a breaker with `breaker`.
    pub fn new(endpoints: Vec<(String, C)>, retry: RetryPolicy, breaker: BreakerConfig) -> Self {
        let members = endpoints
            .into_iter()
            .map(|(label, chain)| Member {
                label,
                chain,
                breaker: CircuitBreaker::new(breaker),
                counters: Counters::default(),
            })
            .collect();
        FallbackChain { members, retry, fallbacks: AtomicU64::new(0), unavailable: AtomicU64::new(0) }
    }

    /// The breaker state of each endpoint, in fallback order.
    pub fn breaker_states(&self) -> Vec<(String, BreakerState)> {
        self.members.iter().map(|m| (m.label.clone(), m.breaker.state())).collect()
    }

    /// A snapshot of every counter.
    pub fn stats(&self) -> FallbackStats {
        let endpoints = self
            .members
            .iter()
            .map(|m| EndpointStats {
                endpoint: m.label.clone(),
                ok: m.counters.ok.load(Ordering::Relaxed),
                retriable_errors: m.counters.retriable_errors.load(Ordering::Relaxed),
                fatal_errors: m.counters.fatal_errors.load(Ordering::Relaxed),
                short_circuited: m.counters.short_circuited.load(Ordering::Relaxed),
                breaker_state: m.breaker.state(),
                breaker_opens: m.breaker.opens(),
            })
            .collect();
        FallbackStats {
            endpoints,
            fallbacks: self.fallbacks.load(Ordering::Relaxed),
            unavailable: self.unavailable.load(Ordering::Relaxed),
        }
    }

    /// Runs `call` against the endpoints as the module documentation describes.
    async fn run<'a, T, F, Fut>(&'a self, call: F) -> Result<T, ChainError>
    where
        F: Fn(&'a C) -> Fut,
        Fut: Future<Output = Result<T, ChainError>>,
    {
        let mut summary = Vec::with_capacity(self.members.len());
        for (index, member) in self.members.iter().enumerate() {
            let mut last_error = None;
            for attempt in 0..self.retry.attempts() {
                if attempt > 0 {
                    tokio::time::sleep(self.retry.backoff(attempt - 1)).await;
                }
                let Some(permit) = member.breaker.try_acquire() else {
                    bump(&member.counters.short_circuited);
                    break;
                };
                match call(&member.chain).await {
                    Ok(value) => {
                        permit.succeeded();
                        bump(&member.counters.ok);
                        if index > 0 {
                            bump(&self.fallbacks);
                        }
                        return Ok(value);
                    }
                    Err(e) if e.is_retriable() => {
                        permit.failed();
                        bump(&member.counters.retriable_errors);
                        last_error = Some(e);
                        if member.breaker.state() == BreakerState::Open {
                            break;
                        }
                    }
                    Err(e) => {
                        permit.succeeded();
                        bump(&member.counters.fatal_errors);
                        return Err(e);
                    }
                }
            }
            summary.push(match last_error {
                Some(e) => format!("{}: {e}", member.label),
                None => format!("{}: circuit breaker open", member.label),
            });
        }
        bump(&self.unavailable);
        Err(ChainError::Unavailable(if summary.is_empty() {
            "no endpoints configured".to_owned()
        } else {
            summary.join("; ")
        }))
    }
}

impl<C: Chain> Chain for FallbackChain<C> {
    async fn latest_blockhash(&self) -> Result<Hash, ChainError> {
        self.run(|chain| chain.latest_blockhash()).await
    }

    async fn send_transaction(&self, transaction: &VersionedTransaction) -> Result<Signature, ChainError> {
        let sent_before = AtomicBool::new(false);
        self.run(|chain| {
            let retry = sent_before.swap(true, Ordering::Relaxed);
            async move {
                match chain.send_transaction(transaction).await {
                    Err(ChainError::Rejected { error: TransactionError::AlreadyProcessed, logs }) if retry => {
                        transaction
                            .signatures
                            .first()
                            .copied()
                            .ok_or(ChainError::Rejected { error: TransactionError::AlreadyProcessed, logs })
                    }
                    other => other,
                }
            }
        })
        .await
    }

    async fn transaction(
        &self,
        signature: &Signature,
        finality: Finality,
    ) -> Result<Option<ConfirmedTransaction>, ChainError> {
        self.run(|chain| chain.transaction(signature, finality)).await
    }

    async fn account(&self, address: &Pubkey) -> Result<Option<Account>, ChainError> {
        self.run(|chain| chain.account(address)).await
    }

    async fn unix_time(&self) -> Result<i64, ChainError> {
        self.run(|chain| chain.unix_time()).await
    }

    async fn signatures_for_address(
        &self,
        address: &Pubkey,
        before: Option<Signature>,
        limit: usize,
    ) -> Result<Vec<SignatureInfo>, ChainError> {
        self.run(|chain| chain.signatures_for_address(address, before, limit)).await
    }
}
