//! [`RpcEndpoint`]: one Solana JSON-RPC endpoint as a [`Chain`].
//!
//! Each call is one HTTP request with its own timeout and no retries of its own: retries,
//! backoff, the circuit breaker and fallback live in [`crate::resilience`], so a failure is
//! counted once and retried by one policy.

use super::codec::{self, CLOCK_SYSVAR};
use super::wire::{self, ErrorObject, Outcome, Request, Response};
use crate::{Account, Chain, ChainError, ConfirmedTransaction, Finality, MAX_SIGNATURES_PER_PAGE, SignatureInfo};
use anchor_lang::prelude::Pubkey;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Serialize;
use serde::de::DeserializeOwned;
use solana_account_decoder_client_types::{UiAccount, UiAccountEncoding};
use solana_commitment_config::{CommitmentConfig, CommitmentLevel};
use solana_hash::Hash;
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcContextConfig, RpcSendTransactionConfig, RpcSignatureStatusConfig,
    RpcSignaturesForAddressConfig, RpcTransactionConfig,
};
use solana_rpc_client_api::custom_error::{
    JSON_RPC_SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE,
    JSON_RPC_SERVER_ERROR_TRANSACTION_SIGNATURE_VERIFICATION_FAILURE,
};
use solana_rpc_client_api::request::RpcRequest;
use solana_rpc_client_api::response::{
    Response as WithContext, RpcBlockhash, RpcConfirmedTransactionStatusWithSignature, RpcSimulateTransactionResult,
};
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;
use solana_transaction_status_client_types::{
    EncodedConfirmedTransactionWithStatusMeta, TransactionStatus, UiTransactionEncoding,
};
use std::fmt::Write as _;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use url::Url;

/// The largest response body read from an endpoint (a 10 MiB account is ~14 MiB in base64).
pub const MAX_RESPONSE_BYTES: usize = 32 << 20;

/// Why an endpoint cannot be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    /// The URL is not an `http`/`https` URL with a host.
    #[error("RPC URL must be http:// or https:// with a host, got {0}")]
    UnsupportedUrl(String),
    /// The HTTP client could not be built (TLS initialisation).
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// One JSON-RPC endpoint. Errors name it by its [`label`](Self::label) (scheme, host and port
/// only), never by its full URL, which for hosted RPC often carries an API key.
#[derive(Debug)]
pub struct RpcEndpoint {
    url: Url,
    label: String,
    http: reqwest::Client,
    timeout: Duration,
    next_id: AtomicU64,
}

impl RpcEndpoint {
    /// An endpoint at `url` whose every request (connect, send, read) must finish within
    /// `timeout`.
    pub fn new(url: Url, timeout: Duration) -> Result<Self, EndpointError> {
        let host = match (url.scheme(), url.host_str()) {
            ("http" | "https", Some(host)) => host.to_owned(),
            _ => return Err(EndpointError::UnsupportedUrl(label_of(&url))),
        };
        let label = match url.port() {
            Some(port) => format!("{}://{host}:{port}", url.scheme()),
            None => format!("{}://{host}", url.scheme()),
        };
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| EndpointError::Client(e.without_url().to_string()))?;
        Ok(RpcEndpoint { url, label, http, timeout, next_id: AtomicU64::new(1) })
    }

    /// The endpoint's name in errors and metrics: `scheme://host[:port]`.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// `getHealth`: `Ok` when the node reports `"ok"`.
    pub async fn health(&self) -> Result<(), ChainError> {
        let status: String = self.call(RpcRequest::GetHealth, [(); 0]).await?;
        if status == "ok" { Ok(()) } else { Err(self.transport(format!("getHealth answered {status:?}"))) }
    }

    /// `getSignatureStatuses` (searching the whole transaction history): one entry per
    /// signature, `None` for a signature the cluster does not know.
    pub async fn signature_statuses(
        &self,
        signatures: &[Signature],
    ) -> Result<Vec<Option<TransactionStatus>>, ChainError> {
        let list: Vec<String> = signatures.iter().map(Signature::to_string).collect();
        let config = RpcSignatureStatusConfig { search_transaction_history: true };
        let statuses: WithContext<Vec<Option<TransactionStatus>>> =
            self.call(RpcRequest::GetSignatureStatuses, (list, config)).await?;
        if statuses.value.len() != signatures.len() {
            return Err(self.transport(format!(
                "getSignatureStatuses answered {} statuses for {} signatures",
                statuses.value.len(),
                signatures.len()
            )));
        }
        Ok(statuses.value)
    }

    fn transport(&self, message: String) -> ChainError {
        ChainError::Transport { endpoint: self.label.clone(), message }
    }

    /// One JSON-RPC call: POST, check the HTTP status, read a bounded body, match the id, and
    /// turn a JSON-RPC error into [`ChainError::Rpc`] or (preflight) [`ChainError::Rejected`].
    async fn call<P: Serialize, T: DeserializeOwned>(&self, method: RpcRequest, params: P) -> Result<T, ChainError> {
        let method = method.as_str();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let request =
            Request { jsonrpc: wire::JSONRPC_VERSION.to_owned(), id: id.into(), method: method.to_owned(), params };
        let body = serde_json::to_vec(&request)
            .map_err(|e| ChainError::Decode(format!("cannot encode the {method} request: {e}")))?;
        let mut response = self
            .http
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| self.transport(self.describe(method, &e)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(self.transport(format!("{method}: HTTP {status}")));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.transport(self.describe(method, &e)))? {
            if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(self.transport(format!("{method}: response larger than {MAX_RESPONSE_BYTES} bytes")));
            }
            bytes.extend_from_slice(&chunk);
        }
        let response: Response = serde_json::from_slice(&bytes)
            .map_err(|e| self.transport(format!("{method}: answer is not a JSON-RPC response: {e}")))?;
        match response.outcome {
            // A server that could not read the request answers its error with id null.
            Outcome::Error(error) if response.id == id || response.id.is_null() => Err(self.rpc_error(error)),
            Outcome::Result(value) if response.id == id => serde_json::from_value(value)
                .map_err(|e| self.transport(format!("{method}: unexpected result shape: {e}"))),
            _ => Err(self.transport(format!("{method}: answer has id {}, expected {id}", response.id))),
        }
    }

    fn rpc_error(&self, error: ErrorObject) -> ChainError {
        match error.code {
            JSON_RPC_SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE => {
                match error.data.and_then(|data| serde_json::from_value::<RpcSimulateTransactionResult>(data).ok()) {
                    Some(RpcSimulateTransactionResult { err: Some(err), logs, .. }) => {
                        ChainError::Rejected { error: err.into(), logs: logs.unwrap_or_default() }
                    }
                    _ => ChainError::Rpc { endpoint: self.label.clone(), code: error.code, message: error.message },
                }
            }
            JSON_RPC_SERVER_ERROR_TRANSACTION_SIGNATURE_VERIFICATION_FAILURE => {
                ChainError::Rejected { error: TransactionError::SignatureFailure, logs: vec![] }
            }
            code => ChainError::Rpc { endpoint: self.label.clone(), code, message: error.message },
        }
    }

    /// A reqwest error without its URL (which may hold an API key), with its causes.
    fn describe(&self, method: &str, error: &reqwest::Error) -> String {
        if error.is_timeout() {
            return format!("{method}: no answer within {:?}", self.timeout);
        }
        let mut message = format!("{method}: ");
        if error.is_connect() {
            message.push_str("cannot connect: ");
        }
        let mut source: Option<&dyn std::error::Error> = std::error::Error::source(error);
        let _ = write!(message, "{}", ErrorWithoutUrl(error));
        while let Some(cause) = source {
            let _ = write!(message, ": {cause}");
            source = cause.source();
        }
        message
    }
}

/// Displays a reqwest error's kind without the request URL.
struct ErrorWithoutUrl<'a>(&'a reqwest::Error);

impl std::fmt::Display for ErrorWithoutUrl<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if self.0.is_connect() {
            "connect error"
        } else if self.0.is_body() {
            "body error"
        } else if self.0.is_decode() {
            "decode error"
        } else if self.0.is_request() {
            "request error"
        } else {
            "HTTP error"
        };
        f.write_str(kind)
    }
}

/// A URL's `scheme://host` for error messages, without credentials, path or query.
fn label_of(url: &Url) -> String {
    format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default())
}

impl Chain for RpcEndpoint {
    async fn latest_blockhash(&self) -> Result<Hash, ChainError> {
        let config = RpcContextConfig { commitment: Some(CommitmentConfig::confirmed()), min_context_slot: None };
        let answer: WithContext<RpcBlockhash> = self.call(RpcRequest::GetLatestBlockhash, (config,)).await?;
        Hash::from_str(&answer.value.blockhash)
            .map_err(|e| ChainError::Decode(format!("blockhash {:?}: {e}", answer.value.blockhash)))
    }

    /// `sendTransaction` with preflight on. Re-sending the same signed transaction (a retry, or
    /// another endpoint) cannot execute it twice: the cluster deduplicates by signature.
    async fn send_transaction(&self, transaction: &VersionedTransaction) -> Result<Signature, ChainError> {
        let wire = BASE64.encode(codec::encode_transaction(transaction)?);
        let config = RpcSendTransactionConfig {
            skip_preflight: false,
            preflight_commitment: Some(CommitmentLevel::Confirmed),
            encoding: Some(UiTransactionEncoding::Base64),
            ..RpcSendTransactionConfig::default()
        };
        let answer: String = self.call(RpcRequest::SendTransaction, (wire, config)).await?;
        let signature =
            Signature::from_str(&answer).map_err(|e| ChainError::Decode(format!("signature {answer:?}: {e}")))?;
        if transaction.signatures.first() != Some(&signature) {
            return Err(ChainError::Decode(format!(
                "the endpoint answered signature {signature} for another transaction"
            )));
        }
        Ok(signature)
    }

    /// `getTransaction` in base64 with `maxSupportedTransactionVersion: 0`: legacy and v0
    /// transactions, the latter with the addresses their lookup tables loaded.
    async fn transaction(
        &self,
        signature: &Signature,
        finality: Finality,
    ) -> Result<Option<ConfirmedTransaction>, ChainError> {
        let config = RpcTransactionConfig {
            encoding: Some(UiTransactionEncoding::Base64),
            commitment: Some(commitment(finality)),
            max_supported_transaction_version: Some(0),
        };
        let answer: Option<EncodedConfirmedTransactionWithStatusMeta> =
            self.call(RpcRequest::GetTransaction, (signature.to_string(), config)).await?;
        let Some(answer) = answer else { return Ok(None) };
        let confirmed = codec::transaction_from_rpc(answer)?;
        if confirmed.signature != *signature {
            return Err(ChainError::Decode(format!("asked for transaction {signature}, got {}", confirmed.signature)));
        }
        Ok(Some(confirmed))
    }

    async fn account(&self, address: &Pubkey) -> Result<Option<Account>, ChainError> {
        let config = RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            commitment: Some(CommitmentConfig::confirmed()),
            ..RpcAccountInfoConfig::default()
        };
        let answer: WithContext<Option<UiAccount>> =
            self.call(RpcRequest::GetAccountInfo, (address.to_string(), config)).await?;
        answer.value.map(codec::account_from_rpc).transpose()
    }

    /// Reads the Clock sysvar account: one round trip, and the very value the program's
    /// `Clock::get()` sees (`getBlockTime(getSlot)` needs two calls and answers the block's
    /// stake-weighted timestamp, which may be missing for a recent slot).
    async fn unix_time(&self) -> Result<i64, ChainError> {
        let clock = self
            .account(&CLOCK_SYSVAR)
            .await?
            .ok_or_else(|| ChainError::Decode("the Clock sysvar account does not exist".to_owned()))?;
        Ok(codec::clock_from_account(&clock)?.unix_timestamp)
    }

    /// `getSignaturesForAddress` at `confirmed`.
    async fn signatures_for_address(
        &self,
        address: &Pubkey,
        before: Option<Signature>,
        limit: usize,
    ) -> Result<Vec<SignatureInfo>, ChainError> {
        let limit = limit.clamp(1, MAX_SIGNATURES_PER_PAGE);
        let config = RpcSignaturesForAddressConfig {
            before: before.map(|signature| signature.to_string()),
            until: None,
            limit: Some(limit),
            commitment: Some(CommitmentConfig::confirmed()),
            min_context_slot: None,
        };
        let answer: Vec<RpcConfirmedTransactionStatusWithSignature> =
            self.call(RpcRequest::GetSignaturesForAddress, (address.to_string(), config)).await?;
        if answer.len() > limit {
            return Err(self.transport(format!(
                "getSignaturesForAddress answered {} entries for a limit of {limit}",
                answer.len()
            )));
        }
        answer.into_iter().map(codec::signature_info_from_rpc).collect()
    }
}

/// The RPC commitment a read at `finality` asks for.
pub fn commitment(finality: Finality) -> CommitmentConfig {
    match finality {
        Finality::Confirmed => CommitmentConfig::confirmed(),
        Finality::Finalized => CommitmentConfig::finalized(),
    }
}
