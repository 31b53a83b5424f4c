//! The x402 v2 messages, field for field as the specification names them (camelCase on the
//! wire), with the `zk-groth16` scheme's `extra` and `payload` typed.

use crate::network::Network;
use crate::scheme::{Scheme, ZkExtra, ZkPayload};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The protocol version these types implement.
pub const X402_VERSION: u64 = 2;

/// The protected resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceInfo {
    /// URL of the protected resource.
    pub url: String,
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// MIME type of the response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
}

/// One acceptable way to pay (an entry of `accepts`, or a payload's `accepted`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRequirements {
    /// The payment scheme.
    pub scheme: Scheme,
    /// The CAIP-2 network the payment happens on.
    pub network: Network,
    /// Required amount in the asset's atomic units (a decimal string on the wire).
    #[serde(with = "amount")]
    pub amount: u64,
    /// The token (mint address) the payment is made in.
    pub asset: String,
    /// Where the payment goes (the merchant's address).
    pub pay_to: String,
    /// Longest time the payer may take to complete the payment, seconds.
    pub max_timeout_seconds: u64,
    /// Scheme-specific data; `zk-groth16` requires it.
    pub extra: ZkExtra,
}

/// The body of a 402 answer (the `PAYMENT-REQUIRED` header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRequired {
    /// Protocol version, [`X402_VERSION`].
    pub x402_version: u64,
    /// Why payment is required (or why the last attempt was refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The protected resource.
    pub resource: ResourceInfo,
    /// The acceptable payment methods of our scheme. Entries of other schemes (a merchant may
    /// also offer, say, `exact` on an EVM chain) are skipped when decoding: a client pays with
    /// the scheme it supports.
    #[serde(deserialize_with = "ours_only")]
    pub accepts: Vec<PaymentRequirements>,
    /// Protocol extensions, by identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Map<String, Value>>,
}

/// The client's payment (the `PAYMENT-SIGNATURE` header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentPayload {
    /// Protocol version, [`X402_VERSION`].
    pub x402_version: u64,
    /// The resource being paid for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<ResourceInfo>,
    /// The `accepts` entry the client chose, as the server sent it.
    pub accepted: PaymentRequirements,
    /// The scheme's payment data.
    pub payload: ZkPayload,
    /// Protocol extensions echoed from the `PaymentRequired`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Map<String, Value>>,
}

/// The settlement result (the `PAYMENT-RESPONSE` header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettlementResponse {
    /// Whether the payment was accepted.
    pub success: bool,
    /// Why it was not (absent on success).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_reason: Option<String>,
    /// The payer's address in other schemes; zk402 never learns it (its facilitator puts the
    /// credit's nullifier here, which names no payer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<String>,
    /// The transaction signature (empty when settlement failed).
    pub transaction: String,
    /// The CAIP-2 network of the transaction.
    pub network: Network,
}

/// Amounts as decimal strings of atomic units: digits only, no sign, no leading zeros.
mod amount {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(amount: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(amount)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        let canonical = text.bytes().all(|b| b.is_ascii_digit()) && (text == "0" || !text.starts_with('0'));
        canonical
            .then(|| text.parse::<u64>().ok())
            .flatten()
            .ok_or_else(|| serde::de::Error::custom("amount must be a decimal string of atomic units (u64)"))
    }
}

/// Decodes the `accepts` entries whose `scheme` is ours, skipping the others.
fn ours_only<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<PaymentRequirements>, D::Error> {
    let entries = Vec::<Value>::deserialize(deserializer)?;
    entries
        .into_iter()
        .filter(|entry| !is_foreign_scheme(entry))
        .map(|entry| PaymentRequirements::deserialize(entry).map_err(serde::de::Error::custom))
        .collect()
}

/// Whether an `accepts` entry names a scheme other than ours (an entry without a scheme is not
/// foreign: it is malformed, and decoding it reports so).
pub(crate) fn is_foreign_scheme(entry: &Value) -> bool {
    entry.get("scheme").and_then(Value::as_str).is_some_and(|name| crate::Scheme::from_name(name).is_none())
}
