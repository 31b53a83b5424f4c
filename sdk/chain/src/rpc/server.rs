//! A JSON-RPC facade: serves `getHealth`, `getVersion`, `getSlot`, `getBlockHeight`,
//! `getLatestBlockhash`, `sendTransaction`, `getSignatureStatuses`, `getTransaction`,
//! `getAccountInfo`, `getMultipleAccounts`, `getBalance`, `getMinimumBalanceForRentExemption`
//! and `getSignaturesForAddress` (without `until`; entries carry no memo or confirmation
//! status) over any [`Chain`] — and, given a [`Cluster`], `getGenesisHash` and `requestAirdrop`
//! — so the in-process runtime is reachable over real HTTP (`zk402 localnet`, end-to-end tests).
//!
//! Why hand-written: no maintained crate serves Solana's JSON-RPC over an arbitrary backend
//! (the validator's RPC service is bound to a full node's bank forks and ledger). Only the
//! routing is ours: parameters are parsed and answers built with the types Solana maintains
//! (`solana-rpc-client-api`, `solana-transaction-status-client-types`,
//! `solana-account-decoder-client-types`), the same the client reads them with.
//!
//! It answers single requests (no batches), always with HTTP 200 and a JSON-RPC body, as Solana
//! nodes do. Binary data is served and accepted in base64 only; transactions may be legacy or
//! v0 (a v0 `getTransaction` answer names the addresses its lookup tables loaded, and needs
//! `maxSupportedTransactionVersion: 0`, as on a node). Where the [`Chain`] interface
//! knows less than a node (slots, block heights), the facade reads the Clock sysvar: the context
//! slot is the Clock's slot and `lastValidBlockHeight` is that slot plus the 150-block
//! blockhash lifetime (exact for a runtime that skips no slots).

use super::codec::{self, CLOCK_SYSVAR};
use super::wire::{self, ErrorObject, Outcome, Request, Response, code};
use crate::{Chain, ChainError, Finality, MAX_SIGNATURES_PER_PAGE, submit};
use anchor_lang::prelude::{Pubkey, Rent};
use anchor_lang::solana_program::system_instruction;
use anchor_lang::solana_program::sysvar::SysvarId;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_commitment_config::CommitmentLevel;
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcContextConfig, RpcSendTransactionConfig, RpcSignaturesForAddressConfig,
    RpcTransactionConfig,
};
use solana_rpc_client_api::custom_error::{
    JSON_RPC_SERVER_ERROR_MIN_CONTEXT_SLOT_NOT_REACHED, JSON_RPC_SERVER_ERROR_NODE_UNHEALTHY,
    JSON_RPC_SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE, JSON_RPC_SERVER_ERROR_UNSUPPORTED_TRANSACTION_VERSION,
    MinContextSlotNotReachedErrorData,
};
use solana_rpc_client_api::request::RpcRequest;
use solana_rpc_client_api::response::{
    Response as WithContext, RpcBlockhash, RpcResponseContext, RpcSimulateTransactionResult, RpcVersionInfo,
};
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::versioned::TransactionVersion;
use solana_transaction_status_client_types::{TransactionConfirmationStatus, TransactionStatus, UiTransactionEncoding};
use std::str::FromStr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// How many blocks a blockhash stays usable (the runtime's `MAX_PROCESSING_AGE`).
const BLOCKHASH_LIFETIME_BLOCKS: u64 = 150;

/// The most signatures one `getSignatureStatuses` call may ask about (as on Solana nodes).
const MAX_SIGNATURES_PER_STATUS_CALL: usize = 256;

/// The version of the runtime behind the facade: the agave release of the pinned
/// solana-program-test (`getVersion`; checked against Cargo.toml by a test).
pub const RUNTIME_VERSION: &str = "4.2.2";

/// What a facade knows of its cluster beyond the [`Chain`] interface, as a local validator does.
#[derive(Default)]
pub struct Cluster {
    /// The genesis hash (`getGenesisHash`; unserved without it).
    pub genesis_hash: Option<Hash>,
    /// A funded keypair that `requestAirdrop` transfers from (unserved without it).
    pub faucet: Option<Keypair>,
}

struct Facade<C> {
    chain: Arc<C>,
    cluster: Cluster,
}

/// The facade's routes: `POST /` takes a JSON-RPC request.
pub fn router<C: Chain + 'static>(chain: Arc<C>) -> Router {
    router_with(chain, Cluster::default())
}

/// [`router`] with what `cluster` adds.
pub fn router_with<C: Chain + 'static>(chain: Arc<C>, cluster: Cluster) -> Router {
    Router::new().route("/", post(handle::<C>)).with_state(Arc::new(Facade { chain, cluster }))
}

/// Serves the facade on `listener` until the task is dropped or the listener fails.
pub async fn serve<C: Chain + 'static>(listener: TcpListener, chain: Arc<C>) -> std::io::Result<()> {
    axum::serve(listener, router(chain)).await
}

async fn handle<C: Chain>(State(facade): State<Arc<Facade<C>>>, body: Bytes) -> axum::Json<Response> {
    let (id, outcome) = match serde_json::from_slice::<Value>(&body) {
        Err(e) => (Value::Null, Err(error(code::PARSE_ERROR, format!("Parse error: {e}")))),
        Ok(Value::Array(_)) => (Value::Null, Err(error(code::INVALID_REQUEST, "batch requests are not supported"))),
        Ok(value) => {
            let id = value.get("id").cloned().unwrap_or(Value::Null);
            match serde_json::from_value::<Request<Option<Vec<Value>>>>(value) {
                Err(e) => (id, Err(error(code::INVALID_REQUEST, format!("Invalid request: {e}")))),
                Ok(request) if request.jsonrpc != wire::JSONRPC_VERSION => {
                    (id, Err(error(code::INVALID_REQUEST, "jsonrpc must be \"2.0\"")))
                }
                Ok(request) => {
                    let params = request.params.unwrap_or_default();
                    (id, dispatch(&facade, &request.method, &params).await)
                }
            }
        }
    };
    let outcome = match outcome {
        Ok(result) => Outcome::Result(result),
        Err(e) => Outcome::Error(e),
    };
    axum::Json(Response { jsonrpc: wire::JSONRPC_VERSION.to_owned(), id, outcome })
}

/// The methods served, by name.
const SERVED: [RpcRequest; 15] = [
    RpcRequest::GetHealth,
    RpcRequest::GetVersion,
    RpcRequest::GetGenesisHash,
    RpcRequest::GetSlot,
    RpcRequest::GetBlockHeight,
    RpcRequest::GetLatestBlockhash,
    RpcRequest::SendTransaction,
    RpcRequest::GetSignatureStatuses,
    RpcRequest::GetTransaction,
    RpcRequest::GetAccountInfo,
    RpcRequest::GetMultipleAccounts,
    RpcRequest::GetBalance,
    RpcRequest::GetMinimumBalanceForRentExemption,
    RpcRequest::GetSignaturesForAddress,
    RpcRequest::RequestAirdrop,
];

/// The most accounts one `getMultipleAccounts` call may ask about (as on Solana nodes).
const MAX_MULTIPLE_ACCOUNTS: usize = 100;
/// The largest account a `getMinimumBalanceForRentExemption` answer is for: Solana's limit
/// on an account's data (10 MiB).
const MAX_PERMITTED_DATA_LENGTH: usize = 10 * 1024 * 1024;
/// The most one `requestAirdrop` hands out (1,000 SOL), so no single call drains the faucet.
const MAX_AIRDROP_LAMPORTS: u64 = 1_000_000_000_000;

async fn dispatch<C: Chain>(facade: &Facade<C>, method: &str, params: &[Value]) -> Result<Value, ErrorObject> {
    let chain = facade.chain.as_ref();
    let not_found = || error(code::METHOD_NOT_FOUND, format!("Method not found: {method}"));
    let request = SERVED.into_iter().find(|served| served.as_str() == method).ok_or_else(not_found)?;
    match request {
        RpcRequest::GetHealth => to_value("ok"),
        RpcRequest::GetVersion => {
            // As a validator reports it: the first four bytes of its feature-set identifier.
            let feature_set = agave_feature_set::ID.as_ref().first_chunk::<4>().map(|id| u32::from_le_bytes(*id));
            to_value(RpcVersionInfo { solana_core: RUNTIME_VERSION.to_owned(), feature_set })
        }
        RpcRequest::GetGenesisHash => to_value(facade.cluster.genesis_hash.ok_or_else(not_found)?.to_string()),
        // One block per slot: the runtime skips none.
        RpcRequest::GetSlot | RpcRequest::GetBlockHeight => {
            let config: RpcContextConfig = config(params, 0)?;
            to_value(context_at(chain, config.min_context_slot).await?.slot)
        }
        RpcRequest::GetBalance => {
            let address = address(&param::<String>(params, 0)?)?;
            let config: RpcContextConfig = config(params, 1)?;
            let context = context_at(chain, config.min_context_slot).await?;
            let lamports = chain.account(&address).await.map_err(from_chain)?.map_or(0, |a| a.lamports);
            to_value(WithContext { context, value: lamports })
        }
        RpcRequest::GetMultipleAccounts => {
            let list: Vec<String> = param(params, 0)?;
            if list.len() > MAX_MULTIPLE_ACCOUNTS {
                return Err(invalid_params(format!("Too many inputs provided; max {MAX_MULTIPLE_ACCOUNTS}")));
            }
            let config: RpcAccountInfoConfig = config(params, 1)?;
            // A node's default encoding for this method is base64.
            let context = account_read(chain, &config, Some(UiAccountEncoding::Base64)).await?;
            let mut accounts = Vec::with_capacity(list.len());
            for text in &list {
                let account = chain.account(&address(text)?).await.map_err(from_chain)?;
                accounts.push(account.map(codec::account_to_rpc));
            }
            to_value(WithContext { context, value: accounts })
        }
        RpcRequest::GetMinimumBalanceForRentExemption => {
            let length: usize = param(params, 0)?;
            if length > MAX_PERMITTED_DATA_LENGTH {
                return Err(invalid_params(format!("data length {length} exceeds {MAX_PERMITTED_DATA_LENGTH}")));
            }
            let rent = chain
                .account(&Rent::id())
                .await
                .map_err(from_chain)?
                .ok_or_else(|| error(code::INTERNAL_ERROR, "the Rent sysvar account does not exist"))?;
            to_value(codec::rent_from_account(&rent).map_err(from_chain)?.minimum_balance(length))
        }
        RpcRequest::RequestAirdrop => {
            let faucet = facade.cluster.faucet.as_ref().ok_or_else(not_found)?;
            let address = address(&param::<String>(params, 0)?)?;
            let lamports: u64 = param(params, 1)?;
            if lamports > MAX_AIRDROP_LAMPORTS {
                return Err(invalid_params(format!("at most {MAX_AIRDROP_LAMPORTS} lamports per airdrop")));
            }
            let transfer = system_instruction::transfer(&faucet.pubkey(), &address, lamports);
            let transaction = submit::sign(chain, &[transfer], faucet, &[]).await.map_err(from_chain)?;
            to_value(chain.send_transaction(&transaction).await.map_err(from_chain)?.to_string())
        }
        RpcRequest::GetLatestBlockhash => {
            let blockhash = chain.latest_blockhash().await.map_err(from_chain)?;
            let context = context(chain).await?;
            let last_valid_block_height = context.slot.saturating_add(BLOCKHASH_LIFETIME_BLOCKS);
            to_value(WithContext {
                context,
                value: RpcBlockhash { blockhash: blockhash.to_string(), last_valid_block_height },
            })
        }
        RpcRequest::SendTransaction => {
            let text: String = param(params, 0)?;
            let config: RpcSendTransactionConfig = config(params, 1)?;
            if config.encoding != Some(UiTransactionEncoding::Base64) {
                return Err(base64_only());
            }
            let bytes = BASE64.decode(text).map_err(|e| invalid_params(format!("transaction is not base64: {e}")))?;
            let transaction = codec::decode_transaction(&bytes).map_err(|e| invalid_params(e.to_string()))?;
            let signature = chain.send_transaction(&transaction).await.map_err(from_chain)?;
            to_value(signature.to_string())
        }
        RpcRequest::GetSignatureStatuses => {
            let list: Vec<String> = param(params, 0)?;
            if list.len() > MAX_SIGNATURES_PER_STATUS_CALL {
                return Err(invalid_params(format!("at most {MAX_SIGNATURES_PER_STATUS_CALL} signatures per call")));
            }
            let mut statuses = Vec::with_capacity(list.len());
            for text in &list {
                let signature = signature(text)?;
                let status = match chain.transaction(&signature, Finality::Finalized).await.map_err(from_chain)? {
                    Some(finalized) => Some((finalized, None, TransactionConfirmationStatus::Finalized)),
                    None => chain
                        .transaction(&signature, Finality::Confirmed)
                        .await
                        .map_err(from_chain)?
                        .map(|confirmed| (confirmed, Some(0), TransactionConfirmationStatus::Confirmed)),
                };
                statuses.push(status.map(|(tx, confirmations, level)| TransactionStatus {
                    slot: tx.slot,
                    confirmations,
                    status: tx.error.clone().map_or(Ok(()), Err),
                    err: tx.error,
                    confirmation_status: Some(level),
                }));
            }
            to_value(WithContext { context: context(chain).await?, value: statuses })
        }
        RpcRequest::GetTransaction => {
            let signature = signature(&param::<String>(params, 0)?)?;
            let config: RpcTransactionConfig = config(params, 1)?;
            if config.encoding != Some(UiTransactionEncoding::Base64) {
                return Err(base64_only());
            }
            let finality = finality(config.commitment.map(|c| c.commitment))?;
            let Some(confirmed) = chain.transaction(&signature, finality).await.map_err(from_chain)? else {
                return Ok(Value::Null);
            };
            // As on a node: a versioned transaction only for a client that says it reads one.
            if let TransactionVersion::Number(version) = confirmed.transaction().version()
                && config.max_supported_transaction_version.is_none_or(|max| version > max)
            {
                return Err(error(
                    JSON_RPC_SERVER_ERROR_UNSUPPORTED_TRANSACTION_VERSION,
                    format!(
                        "Transaction version ({version}) is not supported by the requesting client. Please try \
                         the request again with the following configuration parameter: \
                         \"maxSupportedTransactionVersion\": {version}"
                    ),
                ));
            }
            to_value(codec::transaction_to_rpc(&confirmed).map_err(from_chain)?)
        }
        RpcRequest::GetAccountInfo => {
            let address = address(&param::<String>(params, 0)?)?;
            let config: RpcAccountInfoConfig = config(params, 1)?;
            // A node's default here is base58, which this endpoint does not serve.
            let context = account_read(chain, &config, None).await?;
            let account = chain.account(&address).await.map_err(from_chain)?;
            to_value(WithContext { context, value: account.map(codec::account_to_rpc) })
        }
        RpcRequest::GetSignaturesForAddress => {
            let address = address(&param::<String>(params, 0)?)?;
            let config: RpcSignaturesForAddressConfig = config(params, 1)?;
            // The listing is at `confirmed`; a `finalized` request is answered from it too
            // (the in-process runtime's two levels coincide).
            finality(config.commitment.map(|c| c.commitment))?;
            if config.until.is_some() {
                return Err(invalid_params("this endpoint does not serve \"until\""));
            }
            // As on a node: 1000 by default and at most.
            let limit = config.limit.unwrap_or(MAX_SIGNATURES_PER_PAGE);
            if !(1..=MAX_SIGNATURES_PER_PAGE).contains(&limit) {
                return Err(invalid_params(format!("Invalid limit; max {MAX_SIGNATURES_PER_PAGE}")));
            }
            let before = config.before.as_deref().map(signature).transpose()?;
            let listed = chain.signatures_for_address(&address, before, limit).await.map_err(from_chain)?;
            to_value(listed.into_iter().map(codec::signature_info_to_rpc).collect::<Vec<_>>())
        }
        _ => Err(not_found()),
    }
}

/// The finality a read asks for, as on a node: `finalized` by default, `processed` refused.
fn finality(level: Option<CommitmentLevel>) -> Result<Finality, ErrorObject> {
    match level {
        None | Some(CommitmentLevel::Finalized) => Ok(Finality::Finalized),
        Some(CommitmentLevel::Confirmed) => Ok(Finality::Confirmed),
        Some(CommitmentLevel::Processed) => Err(invalid_params("Method does not support commitment below `confirmed`")),
    }
}

/// The context of an account read, after checking what its configuration asks: base64
/// (`default` when absent), the whole account, a slot already reached. Every commitment is
/// answered from the bank, where the runtime's levels coincide.
async fn account_read<C: Chain>(
    chain: &C,
    config: &RpcAccountInfoConfig,
    default: Option<UiAccountEncoding>,
) -> Result<RpcResponseContext, ErrorObject> {
    if config.encoding.or(default) != Some(UiAccountEncoding::Base64) {
        return Err(base64_only());
    }
    if config.data_slice.is_some() {
        return Err(invalid_params("this endpoint does not serve \"dataSlice\""));
    }
    context_at(chain, config.min_context_slot).await
}

/// The context of an answer, refused as a node refuses it when the client asked for a slot
/// not reached yet (`minContextSlot`).
async fn context_at<C: Chain>(chain: &C, min_context_slot: Option<u64>) -> Result<RpcResponseContext, ErrorObject> {
    let context = context(chain).await?;
    match min_context_slot {
        Some(min) if min > context.slot => Err(ErrorObject {
            code: JSON_RPC_SERVER_ERROR_MIN_CONTEXT_SLOT_NOT_REACHED,
            message: "Minimum context slot has not been reached".to_owned(),
            data: Some(serde_json::json!(MinContextSlotNotReachedErrorData { context_slot: context.slot })),
        }),
        _ => Ok(context),
    }
}

/// The context of an answer: the Clock sysvar's slot.
async fn context<C: Chain>(chain: &C) -> Result<RpcResponseContext, ErrorObject> {
    let account = chain
        .account(&CLOCK_SYSVAR)
        .await
        .map_err(from_chain)?
        .ok_or_else(|| error(code::INTERNAL_ERROR, "the Clock sysvar account does not exist"))?;
    let clock = codec::clock_from_account(&account).map_err(from_chain)?;
    Ok(RpcResponseContext::new(clock.slot))
}

fn param<T: DeserializeOwned>(params: &[Value], index: usize) -> Result<T, ErrorObject> {
    let value = params.get(index).ok_or_else(|| invalid_params(format!("missing parameter {index}")))?;
    serde_json::from_value(value.clone()).map_err(|e| invalid_params(format!("parameter {index}: {e}")))
}

/// An optional trailing configuration object: absent or `null` means all defaults.
fn config<T: DeserializeOwned + Default>(params: &[Value], index: usize) -> Result<T, ErrorObject> {
    match params.get(index) {
        None | Some(Value::Null) => Ok(T::default()),
        Some(_) => param(params, index),
    }
}

fn base64_only() -> ErrorObject {
    invalid_params("this endpoint serves encoding \"base64\" only; set it explicitly")
}

fn address(text: &str) -> Result<Pubkey, ErrorObject> {
    Pubkey::from_str(text).map_err(|e| invalid_params(format!("address {text:?}: {e}")))
}

fn signature(text: &str) -> Result<Signature, ErrorObject> {
    Signature::from_str(text).map_err(|e| invalid_params(format!("signature {text:?}: {e}")))
}

fn to_value<T: Serialize>(value: T) -> Result<Value, ErrorObject> {
    serde_json::to_value(value).map_err(|e| error(code::INTERNAL_ERROR, format!("cannot encode the result: {e}")))
}

fn error(code: i64, message: impl Into<String>) -> ErrorObject {
    ErrorObject { code, message: message.into(), data: None }
}

fn invalid_params(message: impl Into<String>) -> ErrorObject {
    error(code::INVALID_PARAMS, format!("Invalid params: {}", message.into()))
}

/// A chain failure as the JSON-RPC error a Solana node would send for it.
fn from_chain(e: ChainError) -> ErrorObject {
    match e {
        ChainError::Rejected { error: err, logs } => ErrorObject {
            code: JSON_RPC_SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE,
            message: format!("Transaction simulation failed: {err}"),
            data: serde_json::to_value(RpcSimulateTransactionResult {
                err: Some(err.into()),
                logs: Some(logs),
                accounts: None,
                units_consumed: None,
                loaded_accounts_data_size: None,
                return_data: None,
                inner_instructions: None,
                replacement_blockhash: None,
                fee: None,
                pre_balances: None,
                post_balances: None,
                pre_token_balances: None,
                post_token_balances: None,
                loaded_addresses: None,
            })
            .ok(),
        },
        ChainError::Rpc { code, message, .. } => error(code, message),
        e @ (ChainError::Transport { .. } | ChainError::Unavailable(_) | ChainError::Timeout(_)) => {
            error(JSON_RPC_SERVER_ERROR_NODE_UNHEALTHY, e.to_string())
        }
        e @ ChainError::Decode(_) => error(code::INTERNAL_ERROR, e.to_string()),
    }
}
