//! The JSON-RPC 2.0 envelope (request, response, error object), shared by the client
//! ([`super::client`]) and the facade server.
//!
//! Only the envelope is written here: the Solana crates carry no serialisable one (their
//! `RpcErrorObject` only parses, their client builds requests as untyped JSON, and the
//! `jsonrpc-core` their client still links is no longer maintained). Every
//! method's parameters and results use the types Solana maintains (`solana-rpc-client-api`,
//! `solana-transaction-status-client-types`, `solana-account-decoder-client-types`), so what
//! a cluster answers — any transaction version, any encoding — is read by maintained code.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `jsonrpc` member of every request and response.
pub const JSONRPC_VERSION: &str = "2.0";

/// The standard JSON-RPC 2.0 error codes (the Solana server codes are
/// `solana_rpc_client_api::custom_error`).
pub mod code {
    /// The request body is not JSON.
    pub const PARSE_ERROR: i64 = -32700;
    /// The JSON is not a JSON-RPC request.
    pub const INVALID_REQUEST: i64 = -32600;
    /// No such method.
    pub const METHOD_NOT_FOUND: i64 = -32601;
    /// The method's parameters are wrong.
    pub const INVALID_PARAMS: i64 = -32602;
    /// The server failed internally.
    pub const INTERNAL_ERROR: i64 = -32603;
}

/// A JSON-RPC request. The client sends typed parameter tuples (serialised as a JSON array);
/// the server reads `params` as a list of JSON values and parses each position itself, so
/// optional trailing configuration objects may be left out by other clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request<P> {
    /// Always [`JSONRPC_VERSION`].
    pub jsonrpc: String,
    /// The caller's id, echoed in the response.
    pub id: Value,
    /// The method name (`solana_rpc_client_api::request::RpcRequest`'s).
    pub method: String,
    /// Positional parameters.
    #[serde(default)]
    pub params: P,
}

/// A JSON-RPC response: `result` on success, `error` on failure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// Always [`JSONRPC_VERSION`].
    pub jsonrpc: String,
    /// The request's id (`null` when the request could not be read).
    pub id: Value,
    /// The outcome.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The two ways a JSON-RPC call ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// `result`: the method's value (may be `null`, e.g. an unknown transaction).
    Result(Value),
    /// `error`: why the call failed.
    Error(ErrorObject),
}

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorObject {
    /// The error code (see [`code`]).
    pub code: i64,
    /// A short description.
    pub message: String,
    /// Details; for a preflight failure the failed simulation
    /// (`solana_rpc_client_api::response::RpcSimulateTransactionResult`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn requests_serialise_positional_params_and_responses_keep_null_results() {
        let request = Request {
            jsonrpc: JSONRPC_VERSION.to_owned(),
            id: json!(3),
            method: "getAccountInfo".to_owned(),
            params: ("SysvarC1ock11111111111111111111111111111111", json!({"encoding": "base64"})),
        };
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({
                "jsonrpc": "2.0",
                "id": 3,
                "method": "getAccountInfo",
                "params": ["SysvarC1ock11111111111111111111111111111111", {"encoding": "base64"}]
            })
        );
        let response =
            Response { jsonrpc: JSONRPC_VERSION.to_owned(), id: json!(3), outcome: Outcome::Result(Value::Null) };
        assert_eq!(serde_json::to_value(&response).unwrap(), json!({"jsonrpc": "2.0", "id": 3, "result": null}));
        let health: Request<Vec<Value>> =
            serde_json::from_value(json!({"jsonrpc": "2.0", "id": 1, "method": "getHealth"})).unwrap();
        assert!(health.params.is_empty());
    }

    #[test]
    fn parses_an_error_response() {
        let response: Response = serde_json::from_value(json!({
            "jsonrpc": "2.0",
            "error": {"code": -32002, "message": "Transaction simulation failed", "data": {"err": null}},
            "id": 7
        }))
        .unwrap();
        let Outcome::Error(error) = response.outcome else { panic!("expected an error") };
        assert_eq!((error.code, error.data), (-32002, Some(json!({"err": null}))));
    }
}
