//! A JSON-RPC facade: serves the methods of [`super::wire::method`] over any [`Chain`], so the
//! in-process runtime is reachable over real HTTP (`zk402 localnet`, end-to-end tests).
//!
//! It answers single requests (no batches), always with HTTP 200 and a JSON-RPC body, as Solana
//! nodes do. Binary data is served and accepted in base64 only. Where the [`Chain`] interface
//! knows less than a node (slots, block heights), the facade reads the Clock sysvar: the context
//! slot is the Clock's slot and `lastValidBlockHeight` is that slot plus the 150-block
//! blockhash lifetime (exact for a runtime that skips no slots).

use super::codec::{self, CLOCK_SYSVAR};
use super::wire::{
    self, AccountInfoConfig, BlockhashValue, Commitment, Context, Encoding, ErrorObject, Outcome, Request, Response,
    SendTransactionConfig, SignatureStatus, SimulationFailure, TransactionConfig, WireTransactionError, WithContext,
    code, method,
};
use crate::{Chain, ChainError, Finality};
use anchor_lang::prelude::Pubkey;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use solana_signature::Signature;
use std::str::FromStr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// How many blocks a blockhash stays usable (the runtime's `MAX_PROCESSING_AGE`).
const BLOCKHASH_LIFETIME_BLOCKS: u64 = 150;

/// The most signatures one `getSignatureStatuses` call may ask about (as on Solana nodes).
const MAX_SIGNATURES_PER_STATUS_CALL: usize = 256;

/// The facade's routes: `POST /` takes a JSON-RPC request.
pub fn router<C: Chain + 'static>(chain: Arc<C>) -> Router {
    Router::new().route("/", post(handle::<C>)).with_state(chain)
}

/// Serves the facade on `listener` until the task is dropped or the listener fails.
pub async fn serve<C: Chain + 'static>(listener: TcpListener, chain: Arc<C>) -> std::io::Result<()> {
    axum::serve(listener, router(chain)).await
}

async fn handle<C: Chain>(State(chain): State<Arc<C>>, body: Bytes) -> axum::Json<Response> {
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
                    (id, dispatch(chain.as_ref(), &request.method, &params).await)
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

async fn dispatch<C: Chain>(chain: &C, method: &str, params: &[Value]) -> Result<Value, ErrorObject> {
    match method {
        method::GET_HEALTH => to_value("ok"),
        method::GET_LATEST_BLOCKHASH => {
            let blockhash = chain.latest_blockhash().await.map_err(from_chain)?;
            let context = context(chain).await?;
            to_value(WithContext {
                context,
                value: BlockhashValue {
                    blockhash: blockhash.to_string(),
                    last_valid_block_height: context.slot.saturating_add(BLOCKHASH_LIFETIME_BLOCKS),
                },
            })
        }
        method::SEND_TRANSACTION => {
            let text: String = param(params, 0)?;
            let config: SendTransactionConfig = config(params, 1)?;
            require_base64(config.encoding)?;
            let bytes = BASE64.decode(text).map_err(|e| invalid_params(format!("transaction is not base64: {e}")))?;
            let transaction = codec::decode_transaction(&bytes).map_err(|e| invalid_params(e.to_string()))?;
            let signature = chain.send_transaction(&transaction).await.map_err(from_chain)?;
            to_value(signature.to_string())
        }
        method::GET_SIGNATURE_STATUSES => {
            let list: Vec<String> = param(params, 0)?;
            if list.len() > MAX_SIGNATURES_PER_STATUS_CALL {
                return Err(invalid_params(format!("at most {MAX_SIGNATURES_PER_STATUS_CALL} signatures per call")));
            }
            let mut statuses = Vec::with_capacity(list.len());
            for text in &list {
                let signature = signature(text)?;
                let status = match chain.transaction(&signature, Finality::Finalized).await.map_err(from_chain)? {
                    Some(finalized) => Some((finalized, None, Commitment::Finalized)),
                    None => chain
                        .transaction(&signature, Finality::Confirmed)
                        .await
                        .map_err(from_chain)?
                        .map(|confirmed| (confirmed, Some(0), Commitment::Confirmed)),
                };
                statuses.push(status.map(|(tx, confirmations, level)| SignatureStatus {
                    slot: tx.slot,
                    confirmations,
                    err: tx.error.map(WireTransactionError),
                    confirmation_status: Some(level),
                }));
            }
            to_value(WithContext { context: context(chain).await?, value: statuses })
        }
        method::GET_TRANSACTION => {
            let signature = signature(&param::<String>(params, 0)?)?;
            let config: TransactionConfig = config(params, 1)?;
            require_base64(config.encoding)?;
            // As on a node: `finalized` by default, `processed` refused.
            let finality = match config.commitment {
                None | Some(Commitment::Finalized) => Finality::Finalized,
                Some(Commitment::Confirmed) => Finality::Confirmed,
                Some(Commitment::Processed) => {
                    return Err(invalid_params("Method does not support commitment below `confirmed`"));
                }
            };
            match chain.transaction(&signature, finality).await.map_err(from_chain)? {
                None => Ok(Value::Null),
                Some(confirmed) => to_value(codec::transaction_to_wire(confirmed).map_err(from_chain)?),
            }
        }
        method::GET_ACCOUNT_INFO => {
            let text: String = param(params, 0)?;
            let address = Pubkey::from_str(&text).map_err(|e| invalid_params(format!("address {text:?}: {e}")))?;
            let config: AccountInfoConfig = config(params, 1)?;
            require_base64(config.encoding)?;
            let account = chain.account(&address).await.map_err(from_chain)?;
            to_value(WithContext { context: context(chain).await?, value: account.map(codec::account_to_wire) })
        }
        other => Err(error(code::METHOD_NOT_FOUND, format!("Method not found: {other}"))),
    }
}

/// The context of an answer: the Clock sysvar's slot.
async fn context<C: Chain>(chain: &C) -> Result<Context, ErrorObject> {
    let account = chain
        .account(&CLOCK_SYSVAR)
        .await
        .map_err(from_chain)?
        .ok_or_else(|| error(code::INTERNAL_ERROR, "the Clock sysvar account does not exist"))?;
    let clock = codec::clock_from_account(&account).map_err(from_chain)?;
    Ok(Context { slot: clock.slot })
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

fn require_base64(encoding: Option<Encoding>) -> Result<(), ErrorObject> {
    match encoding {
        Some(Encoding::Base64) => Ok(()),
        None => Err(invalid_params("this endpoint serves encoding \"base64\" only; set it explicitly")),
    }
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
            code: code::SEND_TRANSACTION_PREFLIGHT_FAILURE,
            message: format!("Transaction simulation failed: {err}"),
            data: serde_json::to_value(SimulationFailure { err: Some(WireTransactionError(err)), logs: Some(logs) })
                .ok(),
        },
        ChainError::Rpc { code, message, .. } => error(code, message),
        e @ (ChainError::Transport { .. } | ChainError::Unavailable(_) | ChainError::Timeout(_)) => {
            error(code::NODE_UNHEALTHY, e.to_string())
        }
        e @ ChainError::Decode(_) => error(code::INTERNAL_ERROR, e.to_string()),
    }
}
