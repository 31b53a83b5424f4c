//! [`ChainBackend`]: the chain access the CLI and the merchant hold, built from configuration.

#[cfg(feature = "local")]
use crate::local::LocalChain;
use crate::resilience::{BreakerConfig, FallbackChain, FallbackStats, RetryPolicy};
use crate::rpc::{EndpointError, RpcEndpoint};
use crate::{Account, Chain, ChainError, ConfirmedTransaction, Finality, SignatureInfo};
use anchor_lang::prelude::Pubkey;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use std::time::Duration;
use url::Url;

/// How to reach a cluster over JSON-RPC. The caller fills it from its environment or
/// configuration file; nothing here has a built-in URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainConfig {
    /// RPC endpoints in fallback order (first is preferred).
    pub rpc_urls: Vec<Url>,
    /// Time limit of each HTTP request.
    pub request_timeout: Duration,
    /// Attempts and backoff per endpoint.
    pub retry: RetryPolicy,
    /// When an endpoint's circuit breaker opens and for how long.
    pub breaker: BreakerConfig,
}

impl ChainConfig {
    /// These endpoints with the default timeout (10 s), retry policy and breaker.
    pub fn new(rpc_urls: Vec<Url>) -> Self {
        ChainConfig {
            rpc_urls,
            request_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            breaker: BreakerConfig::default(),
        }
    }
}

/// Why a [`ChainBackend`] cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// The configuration lists no RPC endpoint.
    #[error("no RPC endpoint configured")]
    NoEndpoints,
    /// An endpoint cannot be set up.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
}

/// The chain access of the CLI and the merchant: the same [`Chain`] whichever backend.
pub enum ChainBackend {
    /// Real clusters (or a facade) over JSON-RPC, with retries, breakers and fallback.
    Rpc(FallbackChain<RpcEndpoint>),
    /// The in-process Solana runtime.
    #[cfg(feature = "local")]
    Local(LocalChain),
}

/// Runs the same expression on whichever backend `self` holds.
macro_rules! on_backend {
    ($self:ident, $chain:ident => $call:expr) => {
        match $self {
            ChainBackend::Rpc($chain) => $call,
            #[cfg(feature = "local")]
            ChainBackend::Local($chain) => $call,
        }
    };
}

impl ChainBackend {
    /// The JSON-RPC backend for `config`. Endpoints are named by their label; a label that
    /// repeats an earlier one (same host, another path or key) gets its position appended.
    pub fn rpc(config: &ChainConfig) -> Result<Self, BackendError> {
        if config.rpc_urls.is_empty() {
            return Err(BackendError::NoEndpoints);
        }
        let mut endpoints: Vec<(String, RpcEndpoint)> = Vec::with_capacity(config.rpc_urls.len());
        for (position, url) in config.rpc_urls.iter().enumerate() {
            let endpoint = RpcEndpoint::new(url.clone(), config.request_timeout)?;
            let mut label = endpoint.label().to_owned();
            if endpoints.iter().any(|(seen, _)| *seen == label) {
                label = format!("{label}#{}", position + 1);
            }
            endpoints.push((label, endpoint));
        }
        Ok(ChainBackend::Rpc(FallbackChain::new(endpoints, config.retry, config.breaker)))
    }

    /// The JSON-RPC backend's counters (per endpoint calls and outcomes, breaker states and
    /// opens, fallbacks); `None` for the in-process runtime.
    pub fn rpc_stats(&self) -> Option<FallbackStats> {
        match self {
            ChainBackend::Rpc(chain) => Some(chain.stats()),
            #[cfg(feature = "local")]
            ChainBackend::Local(_) => None,
        }
    }
}

impl Chain for ChainBackend {
    async fn latest_blockhash(&self) -> Result<Hash, ChainError> {
        on_backend!(self, chain => chain.latest_blockhash().await)
    }

    async fn send_transaction(&self, transaction: &VersionedTransaction) -> Result<Signature, ChainError> {
        on_backend!(self, chain => chain.send_transaction(transaction).await)
    }

    async fn transaction(
        &self,
        signature: &Signature,
        finality: Finality,
    ) -> Result<Option<ConfirmedTransaction>, ChainError> {
        on_backend!(self, chain => chain.transaction(signature, finality).await)
    }

    async fn account(&self, address: &Pubkey) -> Result<Option<Account>, ChainError> {
        on_backend!(self, chain => chain.account(address).await)
    }

    async fn unix_time(&self) -> Result<i64, ChainError> {
        on_backend!(self, chain => chain.unix_time().await)
    }

    async fn signatures_for_address(
        &self,
        address: &Pubkey,
        before: Option<Signature>,
        limit: usize,
    ) -> Result<Vec<SignatureInfo>, ChainError> {
        on_backend!(self, chain => chain.signatures_for_address(address, before, limit).await)
    }
}
