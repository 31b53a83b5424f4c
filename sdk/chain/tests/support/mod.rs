//! Real JSON-RPC servers on loopback that misbehave in chosen ways, for the client and
//! resilience tests. Each counts the requests it received.

#![allow(dead_code)] // each test binary uses a different part

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;
use solana_transaction_status_client_types::UiTransactionError;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use url::Url;
use zk402_chain::rpc::RpcEndpoint;
use zk402_chain::rpc::wire::{ErrorObject, JSONRPC_VERSION, Outcome, Response as RpcResponse, code};

/// What a test server does with every request.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// Answers this HTTP status with an empty body.
    Status(u16),
    /// Never answers.
    Hang,
    /// Answers 200 with a body that is not JSON.
    Garbage,
    /// Answers a JSON-RPC error.
    RpcError(i64, &'static str),
    /// Answers a JSON-RPC response with another id.
    WrongId,
    /// Answers every call as a failed `sendTransaction` preflight with this error.
    Preflight(TransactionError),
    /// Answers `getHealth`, and `getLatestBlockhash` with this blockhash.
    Healthy(Hash),
}

/// A running test server.
pub struct TestServer {
    /// Its URL.
    pub url: Url,
    hits: Arc<AtomicUsize>,
    behaviour: Arc<Mutex<Behaviour>>,
}

impl TestServer {
    /// Requests received so far.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// Changes what the server does from now on.
    pub fn set(&self, behaviour: Behaviour) {
        *self.behaviour.lock().unwrap() = behaviour;
    }

    /// A client of this server with `timeout` per request.
    pub fn endpoint(&self, timeout: Duration) -> RpcEndpoint {
        RpcEndpoint::new(self.url.clone(), timeout).unwrap()
    }
}

#[derive(Clone)]
struct Shared {
    hits: Arc<AtomicUsize>,
    behaviour: Arc<Mutex<Behaviour>>,
}

/// Starts a server on 127.0.0.1 with an ephemeral port.
pub async fn start(behaviour: Behaviour) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let shared = Shared { hits: Arc::default(), behaviour: Arc::new(Mutex::new(behaviour)) };
    let app = Router::new().route("/", post(answer)).with_state(shared.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    TestServer {
        url: Url::parse(&format!("http://{address}/")).unwrap(),
        hits: shared.hits,
        behaviour: shared.behaviour,
    }
}

/// A URL where nothing listens: a port bound and released again.
pub async fn refusing_url() -> Url {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    Url::parse(&format!("http://{address}/")).unwrap()
}

fn rpc(id: Value, outcome: Outcome) -> Response {
    axum::Json(RpcResponse { jsonrpc: JSONRPC_VERSION.to_owned(), id, outcome }).into_response()
}

fn rpc_error(id: Value, code: i64, message: &str, data: Option<Value>) -> Response {
    rpc(id, Outcome::Error(ErrorObject { code, message: message.to_owned(), data }))
}

async fn answer(State(shared): State<Shared>, body: Bytes) -> Response {
    shared.hits.fetch_add(1, Ordering::SeqCst);
    let behaviour = shared.behaviour.lock().unwrap().clone();
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let method = request.get("method").and_then(Value::as_str).unwrap_or_default().to_owned();
    match behaviour {
        Behaviour::Status(status) => StatusCode::from_u16(status).unwrap().into_response(),
        Behaviour::Hang => std::future::pending().await,
        Behaviour::Garbage => "<html>bad gateway</html>".into_response(),
        Behaviour::RpcError(code, message) => rpc_error(id, code, message, None),
        Behaviour::WrongId => rpc(json!(999_999), Outcome::Result(json!("ok"))),
        Behaviour::Preflight(err) => {
            let data =
                json!({"err": UiTransactionError::from(err), "logs": ["Program log: refused"], "accounts": null});
            rpc_error(id, -32002, "Transaction simulation failed", Some(data))
        }
        Behaviour::Healthy(blockhash) => match method.as_str() {
            "getLatestBlockhash" => {
                let value = json!({"blockhash": blockhash.to_string(), "lastValidBlockHeight": 151});
                rpc(id, Outcome::Result(json!({"context": {"slot": 1}, "value": value})))
            }
            "getHealth" => rpc(id, Outcome::Result(json!("ok"))),
            other => rpc_error(id, code::METHOD_NOT_FOUND, &format!("Method not found: {other}"), None),
        },
    }
}

/// A random blockhash.
pub fn random_hash() -> Hash {
    Hash::new_from_array(std::array::from_fn(|_| fastrand::u8(..)))
}

/// A signed transaction from a fresh payer (one system-program instruction).
pub fn signed_transaction() -> VersionedTransaction {
    use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
    let payer = Keypair::new();
    let instruction =
        Instruction::new_with_bytes(anchor_lang::system_program::ID, &[], vec![AccountMeta::new(payer.pubkey(), true)]);
    Transaction::new_signed_with_payer(&[instruction], Some(&payer.pubkey()), &[&payer], random_hash()).into()
}
