//! The x402 HTTP headers: each value is the standard (padded) base64 of the message's JSON.
//!
//! Decoding is strict and checks in a fixed order, so every input has one stable error:
//! size (before any decoding) → base64 → JSON syntax → `x402Version` → scheme → network →
//! the message's shape and field encodings.

use crate::network::{Network, NetworkError};
use crate::scheme::Scheme;
use crate::types::{PaymentPayload, PaymentRequired, SettlementResponse, X402_VERSION};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Response header of a 402 answer: a [`PaymentRequired`].
pub const PAYMENT_REQUIRED: &str = "PAYMENT-REQUIRED";
/// Request header of a paid retry: a [`PaymentPayload`].
pub const PAYMENT_SIGNATURE: &str = "PAYMENT-SIGNATURE";
/// Response header of a paid answer: a [`SettlementResponse`].
pub const PAYMENT_RESPONSE: &str = "PAYMENT-RESPONSE";

/// Largest header value accepted, bytes of base64 text (checked before decoding).
pub const MAX_HEADER_BYTES: usize = 8 * 1024;

/// Why a header value was refused. Each variant has a stable [`code`](HeaderError::code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// The value is longer than [`MAX_HEADER_BYTES`].
    #[error("header value of {len} bytes exceeds the {max}-byte limit")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not standard padded base64.
    #[error("header value is not standard padded base64")]
    InvalidBase64,
    /// The decoded bytes are not JSON.
    #[error("header value is not valid JSON: {0}")]
    InvalidJson(String),
    /// `x402Version` is missing or not 2.
    #[error("unsupported x402Version {found}: expected 2")]
    UnsupportedVersion {
        /// The value found, as JSON text (`null` when absent).
        found: String,
    },
    /// A payment scheme other than `zk-groth16`.
    #[error("unsupported payment scheme {found:?}: expected \"zk-groth16\"")]
    UnsupportedScheme {
        /// The scheme found.
        found: String,
    },
    /// A well-formed network outside the `solana` namespace.
    #[error("unsupported network {found:?}: only Solana clusters are accepted")]
    UnsupportedNetwork {
        /// The network found.
        found: String,
    },
    /// A network that is not `solana:` + 32 base58 characters.
    #[error("malformed network {found:?}: expected CAIP-2 \"solana:<32 base58 characters>\"")]
    MalformedNetwork {
        /// The network found.
        found: String,
    },
    /// Valid JSON that is not the expected message (missing field, wrong type, bad encoding).
    #[error("header does not match the message schema: {0}")]
    InvalidMessage(String),
}

impl HeaderError {
    /// A stable machine-readable code (snake_case) for error responses and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            HeaderError::TooLarge { .. } => "header_too_large",
            HeaderError::InvalidBase64 => "invalid_base64",
            HeaderError::InvalidJson(_) => "invalid_json",
            HeaderError::UnsupportedVersion { .. } => "unsupported_version",
            HeaderError::UnsupportedScheme { .. } => "unsupported_scheme",
            HeaderError::UnsupportedNetwork { .. } => "unsupported_network",
            HeaderError::MalformedNetwork { .. } => "malformed_network",
            HeaderError::InvalidMessage(_) => "invalid_message",
        }
    }
}

/// A message carried in an x402 header, with the envelope checks that run on its JSON before
/// it is decoded into the typed form.
pub trait HeaderMessage: Serialize + DeserializeOwned {
    /// Checks version, schemes and networks on the raw JSON, so each has its own error.
    fn check_envelope(json: &Value) -> Result<(), HeaderError>;
}

impl HeaderMessage for PaymentRequired {
    fn check_envelope(json: &Value) -> Result<(), HeaderError> {
        check_version(json)?;
        let accepts = json.get("accepts").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        accepts.iter().filter(|entry| !crate::types::is_foreign_scheme(entry)).try_for_each(check_requirements)
    }
}

impl HeaderMessage for PaymentPayload {
    fn check_envelope(json: &Value) -> Result<(), HeaderError> {
        check_version(json)?;
        json.get("accepted").map_or(Ok(()), check_requirements)
    }
}

impl HeaderMessage for SettlementResponse {
    fn check_envelope(json: &Value) -> Result<(), HeaderError> {
        json.get("network").map_or(Ok(()), check_network)
    }
}

fn check_version(json: &Value) -> Result<(), HeaderError> {
    match json.get("x402Version") {
        Some(v) if v.as_u64() == Some(X402_VERSION) => Ok(()),
        found => Err(HeaderError::UnsupportedVersion { found: found.unwrap_or(&Value::Null).to_string() }),
    }
}

fn check_requirements(json: &Value) -> Result<(), HeaderError> {
    if let Some(scheme) = json.get("scheme").and_then(Value::as_str) {
        Scheme::from_name(scheme).ok_or_else(|| HeaderError::UnsupportedScheme { found: scheme.to_owned() })?;
    }
    json.get("network").map_or(Ok(()), check_network)
}

fn check_network(json: &Value) -> Result<(), HeaderError> {
    let Some(text) = json.as_str() else { return Ok(()) };
    Network::parse(text).map(drop).map_err(|e| match e {
        NetworkError::Unsupported { .. } => HeaderError::UnsupportedNetwork { found: text.to_owned() },
        NetworkError::Malformed => HeaderError::MalformedNetwork { found: text.to_owned() },
    })
}

/// Encodes a message as a header value: base64 (standard, padded) of its JSON.
pub fn encode_header<T: HeaderMessage>(message: &T) -> String {
    // These messages hold only strings, numbers, booleans and string-keyed maps, which JSON
    // can always represent.
    let json = serde_json::to_vec(message).expect("x402 messages always serialize to JSON");
    STANDARD.encode(json)
}

/// Decodes a header value (see the module docs for the order of checks).
pub fn decode_header<T: HeaderMessage>(value: &str) -> Result<T, HeaderError> {
    decode_header_bytes(value.as_bytes())
}

/// [`decode_header`] on the raw bytes of a header value (which need not be UTF-8).
pub fn decode_header_bytes<T: HeaderMessage>(value: &[u8]) -> Result<T, HeaderError> {
    if value.len() > MAX_HEADER_BYTES {
        return Err(HeaderError::TooLarge { len: value.len(), max: MAX_HEADER_BYTES });
    }
    let bytes = STANDARD.decode(value).map_err(|_| HeaderError::InvalidBase64)?;
    let json: Value = serde_json::from_slice(&bytes).map_err(|e| HeaderError::InvalidJson(e.to_string()))?;
    T::check_envelope(&json)?;
    serde_json::from_value(json).map_err(|e| HeaderError::InvalidMessage(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheme::{ChallengeInfo, ZkExtra, ZkPayload};
    use crate::types::{PaymentRequirements, ResourceInfo};
    use serde_json::json;

    fn requirements() -> PaymentRequirements {
        PaymentRequirements {
            scheme: Scheme::ZkGroth16,
            network: Network::solana_devnet(),
            amount: 1_000_000,
            asset: "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU".into(),
            pay_to: "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM".into(),
            max_timeout_seconds: 120,
            extra: ZkExtra {
                policy: "7dHbWXmci3dT8UFYWYZweBLXgycu7Y3iL6trKn1Y7ARj".into(),
                verifier_program: "6ko1pTwu6bQRMWLcpcQyRzGPdnALrK3gp8gM3V5Jtszy".into(),
                challenge: ChallengeInfo {
                    nonce: [7; 32],
                    expires_at: 1_795_000_300,
                    method: "GET".into(),
                    mac: [0x5c; 32],
                    request_hash: [0x1a; 32],
                },
            },
        }
    }

    fn required() -> PaymentRequired {
        PaymentRequired {
            x402_version: X402_VERSION,
            error: Some("PAYMENT-SIGNATURE header is required".into()),
            resource: ResourceInfo {
                url: "https://api.example.com/v1/weather".into(),
                description: Some("Weather".into()),
                mime_type: Some("application/json".into()),
            },
            accepts: vec![requirements()],
            extensions: None,
        }
    }

    fn payload() -> PaymentPayload {
        PaymentPayload {
            x402_version: X402_VERSION,
            resource: None,
            accepted: requirements(),
            payload: ZkPayload { proof: [0x42; 256], now: 1_795_000_100, nullifier: [3; 32], request_hash: [0x1a; 32] },
            extensions: None,
        }
    }

    fn settlement() -> SettlementResponse {
        SettlementResponse {
            success: true,
            error_reason: None,
            payer: None,
            transaction: "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW"
                .into(),
            network: Network::solana_devnet(),
        }
    }

    fn b64(json: &Value) -> String {
        STANDARD.encode(json.to_string())
    }

    #[test]
    fn round_trips() {
        assert_eq!(decode_header::<PaymentRequired>(&encode_header(&required())), Ok(required()));
        assert_eq!(decode_header::<PaymentPayload>(&encode_header(&payload())), Ok(payload()));
        assert_eq!(decode_header::<SettlementResponse>(&encode_header(&settlement())), Ok(settlement()));
    }

    #[test]
    fn wire_field_names_follow_the_spec() {
        let json = serde_json::to_value(required()).unwrap();
        assert_eq!(json["x402Version"], 2);
        assert_eq!(json["resource"]["mimeType"], "application/json");
        let entry = &json["accepts"][0];
        assert_eq!(entry["scheme"], "zk-groth16");
        assert_eq!(entry["network"], "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1");
        assert_eq!(entry["amount"], "1000000", "amount is a string of atomic units");
        assert_eq!(entry["payTo"], "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM");
        assert_eq!(entry["maxTimeoutSeconds"], 120);
        assert_eq!(entry["extra"]["verifierProgram"], "6ko1pTwu6bQRMWLcpcQyRzGPdnALrK3gp8gM3V5Jtszy");
        assert_eq!(entry["extra"]["challenge"]["expiresAt"], 1_795_000_300u64);
        assert_eq!(entry["extra"]["challenge"]["nonce"], "07".repeat(32));
        assert_eq!(entry["extra"]["challenge"]["requestHash"], "1a".repeat(32));
        assert_eq!(entry["extra"]["challenge"]["method"], "GET");
        assert_eq!(entry["extra"]["challenge"]["mac"], "5c".repeat(32));
        assert!(json.get("extensions").is_none(), "absent optionals are omitted");

        let json = serde_json::to_value(payload()).unwrap();
        assert_eq!(json["accepted"]["scheme"], "zk-groth16");
        assert_eq!(json["payload"]["nullifier"], "03".repeat(32));
        assert_eq!(json["payload"]["requestHash"], "1a".repeat(32));
        assert_eq!(json["payload"]["proof"], "42".repeat(256));
        assert_eq!(json["payload"]["now"], 1_795_000_100);

        let json = serde_json::to_value(settlement()).unwrap();
        assert_eq!(
            json,
            json!({"success": true, "transaction": settlement().transaction, "network": "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"})
        );
        let failed = SettlementResponse { success: false, error_reason: Some("x".into()), ..settlement() };
        assert_eq!(serde_json::to_value(failed).unwrap()["errorReason"], "x");
    }

    #[test]
    fn header_names() {
        assert_eq!(
            [PAYMENT_REQUIRED, PAYMENT_SIGNATURE, PAYMENT_RESPONSE],
            ["PAYMENT-REQUIRED", "PAYMENT-SIGNATURE", "PAYMENT-RESPONSE"]
        );
    }

    #[test]
    fn size_is_checked_before_decoding() {
        let oversized = "!".repeat(MAX_HEADER_BYTES + 1);
        let err = decode_header::<PaymentPayload>(&oversized).unwrap_err();
        assert_eq!(err, HeaderError::TooLarge { len: MAX_HEADER_BYTES + 1, max: MAX_HEADER_BYTES });
        assert_eq!(err.code(), "header_too_large");
        let at_limit = "!".repeat(MAX_HEADER_BYTES);
        assert_eq!(decode_header::<PaymentPayload>(&at_limit), Err(HeaderError::InvalidBase64));
    }

    #[test]
    fn base64_must_be_standard_and_padded() {
        let good = encode_header(&payload());
        // `{}` encodes as "e30=": without its padding it is refused.
        assert_eq!(decode_header::<PaymentPayload>("e30"), Err(HeaderError::InvalidBase64));
        assert_eq!(decode_header::<PaymentPayload>("e30=").unwrap_err().code(), "unsupported_version");
        let url_safe = base64::engine::general_purpose::URL_SAFE.encode([0xfb, 0xff, 0xfe]);
        assert_eq!(decode_header::<PaymentPayload>(&url_safe), Err(HeaderError::InvalidBase64));
        assert_eq!(decode_header::<PaymentPayload>(&format!(" {good}")), Err(HeaderError::InvalidBase64));
        assert_eq!(decode_header_bytes::<PaymentPayload>(&[0xff, 0xfe]), Err(HeaderError::InvalidBase64));
    }

    #[test]
    fn json_and_envelope_errors_are_distinct() {
        let cases: Vec<(String, &str)> = vec![
            (STANDARD.encode("{not json"), "invalid_json"),
            (STANDARD.encode(""), "invalid_json"),
            (b64(&json!({"x402Version": 1})), "unsupported_version"),
            (b64(&json!({"accepted": {}})), "unsupported_version"),
            (b64(&json!({"x402Version": "2"})), "unsupported_version"),
            (b64(&json!({"x402Version": 2, "accepted": {"scheme": "exact"}})), "unsupported_scheme"),
            (
                b64(&json!({"x402Version": 2, "accepted": {"scheme": "zk-groth16", "network": "eip155:8453"}})),
                "unsupported_network",
            ),
            (
                b64(&json!({"x402Version": 2, "accepted": {"scheme": "zk-groth16", "network": "solana:devnet"}})),
                "malformed_network",
            ),
            (
                b64(
                    &json!({"x402Version": 2, "accepted": {"scheme": "zk-groth16", "network": "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"}}),
                ),
                "invalid_message",
            ),
        ];
        for (value, code) in cases {
            let err = decode_header::<PaymentPayload>(&value).unwrap_err();
            assert_eq!(err.code(), code, "{err}");
        }
    }

    #[test]
    fn field_encodings_are_strict() {
        let mut json = serde_json::to_value(payload()).unwrap();
        for (pointer, bad) in [
            ("/accepted/amount", json!(1000000)),
            ("/accepted/amount", json!("-1")),
            ("/accepted/amount", json!("01")),
            ("/accepted/amount", json!("18446744073709551616")),
            ("/payload/nullifier", json!("03".repeat(31))),
            ("/payload/proof", json!("42".repeat(255))),
            ("/payload/now", json!("1795000100")),
            ("/accepted/extra/challenge/mac", json!("5c".repeat(33))),
            ("/payload/requestHash", json!(format!("0x{}", "1a".repeat(31)))),
            ("/accepted/extra/challenge/nonce", json!("zz".repeat(32))),
        ] {
            let saved = json.pointer(pointer).unwrap().clone();
            *json.pointer_mut(pointer).unwrap() = bad.clone();
            let err = decode_header::<PaymentPayload>(&b64(&json)).unwrap_err();
            assert_eq!(err.code(), "invalid_message", "{pointer} = {bad}: {err}");
            *json.pointer_mut(pointer).unwrap() = saved;
        }
        json["payload"]["extraField"] = json!(1);
        assert_eq!(decode_header::<PaymentPayload>(&b64(&json)).unwrap_err().code(), "invalid_message");
    }

    #[test]
    fn payment_required_skips_other_schemes_and_checks_ours() {
        let mut json = serde_json::to_value(required()).unwrap();
        let mut other = json["accepts"][0].clone();
        other["scheme"] = json!("exact");
        other["network"] = json!("eip155:8453");
        other["extra"] = json!({"name": "USDC"});
        json["accepts"].as_array_mut().unwrap().insert(0, other);
        let decoded = decode_header::<PaymentRequired>(&b64(&json)).unwrap();
        assert_eq!(decoded.accepts, required().accepts, "the exact entry is skipped");
        json["accepts"][1]["network"] = json!("eip155:1");
        assert_eq!(decode_header::<PaymentRequired>(&b64(&json)).unwrap_err().code(), "unsupported_network");
        json["accepts"][1]["network"] = json!(Network::solana_devnet().as_str());
        json["accepts"][1].as_object_mut().unwrap().remove("scheme");
        assert_eq!(decode_header::<PaymentRequired>(&b64(&json)).unwrap_err().code(), "invalid_message");
    }

    #[test]
    fn settlement_network_is_checked() {
        let mut json = serde_json::to_value(settlement()).unwrap();
        json["network"] = json!("eip155:1");
        assert_eq!(decode_header::<SettlementResponse>(&b64(&json)).unwrap_err().code(), "unsupported_network");
    }
}
