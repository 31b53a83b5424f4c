//! The Solana JSON-RPC 2.0 shapes of the methods zk402 uses, shared by the client
//! ([`super::client`]) and the facade server, so both speak exactly the same JSON.
//!
//! Shapes follow the Solana RPC HTTP documentation (solana.com/docs/rpc/http). Fields a real
//! cluster sends that zk402 does not read (fees, balances, rent epoch, …) are ignored when
//! parsing and left out when serving.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use solana_transaction_error::TransactionError;

/// The `jsonrpc` member of every request and response.
pub const JSONRPC_VERSION: &str = "2.0";

/// Method names.
pub mod method {
    /// `getLatestBlockhash`: a recent blockhash and the last block height it is valid for.
    pub const GET_LATEST_BLOCKHASH: &str = "getLatestBlockhash";
    /// `sendTransaction`: submit a signed wire transaction (preflight simulation first).
    pub const SEND_TRANSACTION: &str = "sendTransaction";
    /// `getSignatureStatuses`: the processing status of signatures.
    pub const GET_SIGNATURE_STATUSES: &str = "getSignatureStatuses";
    /// `getTransaction`: a confirmed transaction with its status metadata.
    pub const GET_TRANSACTION: &str = "getTransaction";
    /// `getAccountInfo`: one account.
    pub const GET_ACCOUNT_INFO: &str = "getAccountInfo";
    /// `getHealth`: `"ok"` when the node is healthy.
    pub const GET_HEALTH: &str = "getHealth";
}

/// JSON-RPC error codes: the standard ones and the Solana server codes zk402 acts on.
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
    /// `sendTransaction` preflight simulation failed; `data` is a [`super::SimulationFailure`].
    pub const SEND_TRANSACTION_PREFLIGHT_FAILURE: i64 = -32002;
    /// `sendTransaction` signature verification failed.
    pub const TRANSACTION_SIGNATURE_VERIFICATION_FAILURE: i64 = -32003;
    /// The node is unhealthy (behind, or its backend is unreachable).
    pub const NODE_UNHEALTHY: i64 = -32005;
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
    /// The method name (see [`method`]).
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
    /// Details; for a preflight failure a [`SimulationFailure`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// The `data` of a [`code::SEND_TRANSACTION_PREFLIGHT_FAILURE`] error: the failed simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationFailure {
    /// Why the simulation failed.
    pub err: Option<WireTransactionError>,
    /// The program logs of the simulation.
    #[serde(default)]
    pub logs: Option<Vec<String>>,
}

/// Commitment levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Commitment {
    /// Processed by the node, may be rolled back.
    Processed,
    /// Voted on by a supermajority.
    Confirmed,
    /// Rooted.
    Finalized,
}

impl From<crate::Finality> for Commitment {
    fn from(finality: crate::Finality) -> Commitment {
        match finality {
            crate::Finality::Confirmed => Commitment::Confirmed,
            crate::Finality::Finalized => Commitment::Finalized,
        }
    }
}

/// Binary encodings of account data and transactions; zk402 uses base64 only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// Standard base64 with padding.
    Base64,
}

/// The configuration object of `getLatestBlockhash`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CommitmentConfig {
    /// The commitment the answer must have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<Commitment>,
}

/// The configuration object of `sendTransaction`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendTransactionConfig {
    /// How the transaction string is encoded (base58 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<Encoding>,
    /// Whether to skip the preflight simulation (zk402 never does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_preflight: Option<bool>,
    /// The commitment of the bank the preflight simulates against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preflight_commitment: Option<Commitment>,
}

/// The configuration object of `getSignatureStatuses`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignatureStatusesConfig {
    /// Whether to search the ledger beyond the recent status cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_transaction_history: Option<bool>,
}

/// The configuration object of `getTransaction`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionConfig {
    /// How the transaction is returned (`json` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<Encoding>,
    /// The commitment (`processed` is not allowed by the method).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<Commitment>,
    /// The highest transaction version to return; without it, versioned transactions are an
    /// error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_supported_transaction_version: Option<u8>,
}

/// The configuration object of `getAccountInfo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountInfoConfig {
    /// How account data is returned (base58 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<Encoding>,
    /// The commitment the answer must have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<Commitment>,
}

/// The `{context, value}` envelope of `getLatestBlockhash`, `getAccountInfo` and
/// `getSignatureStatuses` results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WithContext<T> {
    /// The slot the answer was read at.
    pub context: Context,
    /// The answer.
    pub value: T,
}

/// The `context` of a [`WithContext`] result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    /// The slot the answer was read at.
    pub slot: u64,
}

/// The `value` of a `getLatestBlockhash` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockhashValue {
    /// The blockhash, base58.
    pub blockhash: String,
    /// The last block height at which a transaction using it is still valid.
    pub last_valid_block_height: u64,
}

/// One entry of a `getSignatureStatuses` result (`null` entries are unknown signatures).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignatureStatus {
    /// The slot the transaction was processed in.
    pub slot: u64,
    /// Blocks since the signature was confirmed; `null` when rooted.
    pub confirmations: Option<u64>,
    /// `null` when the transaction succeeded, else why it failed.
    pub err: Option<WireTransactionError>,
    /// The cluster's confirmation level of the transaction.
    pub confirmation_status: Option<Commitment>,
}

/// A `getTransaction` result (the method answers `null` for an unknown transaction).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionResult {
    /// The slot the transaction executed in.
    pub slot: u64,
    /// The block's estimated unix time, when known.
    pub block_time: Option<i64>,
    /// The wire transaction as `[base64, "base64"]`.
    pub transaction: Base64Data,
    /// The status metadata (`null` when the node has none).
    pub meta: Option<TransactionMeta>,
    /// `"legacy"` or the version number; absent when the request did not set
    /// `maxSupportedTransactionVersion`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<TransactionVersion>,
}

/// A transaction's version as `getTransaction` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TransactionVersion {
    /// A versioned (v0, …) transaction.
    Number(u8),
    /// `"legacy"`.
    Legacy(LegacyTag),
}

/// The string `"legacy"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LegacyTag {
    /// `"legacy"`.
    Legacy,
}

/// The `meta` of a `getTransaction` result, the fields zk402 reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionMeta {
    /// `null` when the transaction succeeded, else why it failed.
    pub err: Option<WireTransactionError>,
    /// The program log lines (`null` when log recording was off).
    #[serde(default)]
    pub log_messages: Option<Vec<String>>,
}

/// The `value` of a `getAccountInfo` result (`null` when the account does not exist).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountValue {
    /// Balance in lamports.
    pub lamports: u64,
    /// The owning program, base58.
    pub owner: String,
    /// The account data as `[base64, "base64"]`.
    pub data: Base64Data,
    /// Whether the account is a program.
    pub executable: bool,
    /// The data length in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space: Option<u64>,
}

/// Binary data as the RPC encodes it with `encoding: "base64"`: the JSON array
/// `[<standard base64>, "base64"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base64Data(pub Vec<u8>);

impl Serialize for Base64Data {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (BASE64.encode(&self.0), Encoding::Base64).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Base64Data {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (text, Encoding::Base64) = <(String, Encoding)>::deserialize(deserializer)?;
        BASE64.decode(text).map(Base64Data).map_err(|e| D::Error::custom(format!("bad base64 data: {e}")))
    }
}

/// A [`TransactionError`] in its RPC JSON form: the runtime's serde shape, e.g. `"AccountNotFound"`
/// or `{"InstructionError":[0,{"Custom":6001}]}`. Parsing also accepts the older
/// `{"BorshIoError":"…"}` instruction error some nodes still send (today a unit variant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireTransactionError(pub TransactionError);

impl Serialize for WireTransactionError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for WireTransactionError {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut value = Value::deserialize(deserializer)?;
        if let Some(inner) = value.pointer_mut("/InstructionError/1")
            && inner.get("BorshIoError").is_some()
        {
            *inner = Value::String("BorshIoError".to_owned());
        }
        serde_json::from_value(value)
            .map(WireTransactionError)
            .map_err(|e| D::Error::custom(format!("unknown transaction error: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use solana_instruction_error::InstructionError;

    fn result_of(response: Value) -> Value {
        match serde_json::from_value::<Response>(response).unwrap().outcome {
            Outcome::Result(value) => value,
            Outcome::Error(e) => panic!("unexpected error {e:?}"),
        }
    }

    // The responses below follow the examples of the Solana RPC HTTP documentation (values
    // shortened where the example is long).

    #[test]
    fn parses_documented_get_latest_blockhash() {
        let result = result_of(json!({
            "jsonrpc": "2.0",
            "result": {
                "context": { "slot": 2792 },
                "value": {
                    "blockhash": "EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N",
                    "lastValidBlockHeight": 3090
                }
            },
            "id": 1
        }));
        let parsed: WithContext<BlockhashValue> = serde_json::from_value(result).unwrap();
        assert_eq!(parsed.context.slot, 2792);
        assert_eq!(parsed.value.blockhash, "EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N");
        assert_eq!(parsed.value.last_valid_block_height, 3090);
    }

    #[test]
    fn parses_documented_get_account_info() {
        let result = result_of(json!({
            "jsonrpc": "2.0",
            "result": {
                "context": { "apiVersion": "2.0.15", "slot": 341197053 },
                "value": {
                    "data": ["AQIDBA==", "base64"],
                    "executable": false,
                    "lamports": 88849814690250u64,
                    "owner": "11111111111111111111111111111111",
                    "rentEpoch": 18446744073709551615u64,
                    "space": 4
                }
            },
            "id": 1
        }));
        let parsed: WithContext<Option<AccountValue>> = serde_json::from_value(result).unwrap();
        let value = parsed.value.unwrap();
        assert_eq!(value.data, Base64Data(vec![1, 2, 3, 4]));
        assert_eq!(value.lamports, 88849814690250);
        assert_eq!(value.space, Some(4));
        let missing: WithContext<Option<AccountValue>> =
            serde_json::from_value(json!({"context": {"slot": 1}, "value": null})).unwrap();
        assert_eq!(missing.value, None);
    }

    #[test]
    fn parses_documented_get_signature_statuses() {
        let result = result_of(json!({
            "jsonrpc": "2.0",
            "result": {
                "context": { "slot": 82 },
                "value": [
                    {
                        "slot": 48,
                        "confirmations": null,
                        "err": null,
                        "status": { "Ok": null },
                        "confirmationStatus": "finalized"
                    },
                    null
                ]
            },
            "id": 1
        }));
        let parsed: WithContext<Vec<Option<SignatureStatus>>> = serde_json::from_value(result).unwrap();
        let first = parsed.value[0].as_ref().unwrap();
        assert_eq!((first.slot, first.confirmations, &first.err), (48, None, &None));
        assert_eq!(first.confirmation_status, Some(Commitment::Finalized));
        assert_eq!(parsed.value[1], None);
    }

    #[test]
    fn parses_documented_get_transaction_in_base64() {
        let result = result_of(json!({
            "jsonrpc": "2.0",
            "result": {
                "meta": {
                    "err": null,
                    "fee": 5000,
                    "innerInstructions": [],
                    "postBalances": [499998932500u64, 26858640, 1, 1, 1],
                    "postTokenBalances": [],
                    "preBalances": [499998937500u64, 26858640, 1, 1, 1],
                    "preTokenBalances": [],
                    "status": { "Ok": null },
                    "logMessages": ["Program 11111111111111111111111111111111 invoke [1]"]
                },
                "slot": 430,
                "transaction": ["AQID", "base64"],
                "blockTime": null,
                "version": "legacy"
            },
            "id": 1
        }));
        let parsed: Option<TransactionResult> = serde_json::from_value(result).unwrap();
        let parsed = parsed.unwrap();
        assert_eq!((parsed.slot, parsed.block_time), (430, None));
        assert_eq!(parsed.transaction, Base64Data(vec![1, 2, 3]));
        assert_eq!(parsed.version, Some(TransactionVersion::Legacy(LegacyTag::Legacy)));
        let meta = parsed.meta.unwrap();
        assert_eq!(meta.err, None);
        assert_eq!(meta.log_messages.unwrap().len(), 1);
        let versioned: TransactionVersion = serde_json::from_value(json!(0)).unwrap();
        assert_eq!(versioned, TransactionVersion::Number(0));
        let unknown: Option<TransactionResult> =
            serde_json::from_value(result_of(json!({"jsonrpc": "2.0", "result": null, "id": 1}))).unwrap();
        assert_eq!(unknown, None);
    }

    #[test]
    fn parses_preflight_failure() {
        let response: Response = serde_json::from_value(json!({
            "jsonrpc": "2.0",
            "error": {
                "code": -32002,
                "message": "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1771",
                "data": {
                    "accounts": null,
                    "err": { "InstructionError": [0, { "Custom": 6001 }] },
                    "logs": ["Program log: AnchorError occurred."],
                    "unitsConsumed": 1234,
                    "returnData": null
                }
            },
            "id": 7
        }))
        .unwrap();
        let Outcome::Error(error) = response.outcome else { panic!("expected an error") };
        assert_eq!(error.code, code::SEND_TRANSACTION_PREFLIGHT_FAILURE);
        let failure: SimulationFailure = serde_json::from_value(error.data.unwrap()).unwrap();
        assert_eq!(failure.err.unwrap().0, TransactionError::InstructionError(0, InstructionError::Custom(6001)));
        assert_eq!(failure.logs.unwrap(), ["Program log: AnchorError occurred."]);
    }

    #[test]
    fn transaction_errors_round_trip_and_accept_legacy_borsh_io_error() {
        for error in [
            TransactionError::AccountNotFound,
            TransactionError::BlockhashNotFound,
            TransactionError::InstructionError(2, InstructionError::Custom(6001)),
            TransactionError::InsufficientFundsForRent { account_index: 3 },
        ] {
            let json = serde_json::to_value(WireTransactionError(error.clone())).unwrap();
            assert_eq!(serde_json::from_value::<WireTransactionError>(json).unwrap().0, error);
        }
        assert_eq!(
            serde_json::to_value(WireTransactionError(TransactionError::AccountNotFound)).unwrap(),
            json!("AccountNotFound")
        );
        let old: WireTransactionError =
            serde_json::from_value(json!({"InstructionError": [1, {"BorshIoError": "Unknown"}]})).unwrap();
        assert_eq!(old.0, TransactionError::InstructionError(1, InstructionError::BorshIoError));
        assert!(serde_json::from_value::<WireTransactionError>(json!({"NoSuchError": 1})).is_err());
    }

    #[test]
    fn requests_serialise_positional_params_and_responses_keep_null_results() {
        let request = Request {
            jsonrpc: JSONRPC_VERSION.to_owned(),
            id: json!(3),
            method: method::GET_ACCOUNT_INFO.to_owned(),
            params: (
                "SysvarC1ock11111111111111111111111111111111",
                AccountInfoConfig { encoding: Some(Encoding::Base64), commitment: Some(Commitment::Confirmed) },
            ),
        };
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({
                "jsonrpc": "2.0",
                "id": 3,
                "method": "getAccountInfo",
                "params": ["SysvarC1ock11111111111111111111111111111111", {"encoding": "base64", "commitment": "confirmed"}]
            })
        );
        let response =
            Response { jsonrpc: JSONRPC_VERSION.to_owned(), id: json!(3), outcome: Outcome::Result(Value::Null) };
        assert_eq!(serde_json::to_value(&response).unwrap(), json!({"jsonrpc": "2.0", "id": 3, "result": null}));
        let health: Request<Vec<Value>> =
            serde_json::from_value(json!({"jsonrpc": "2.0", "id": 1, "method": "getHealth"})).unwrap();
        assert!(health.params.is_empty());
    }
}
