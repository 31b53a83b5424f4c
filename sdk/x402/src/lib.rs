//! x402 v2 protocol types and headers with zk402's `zk-groth16` scheme.
//!
//! - [`types`]: the protocol messages (`PaymentRequired`, `PaymentRequirements`,
//!   `PaymentPayload`, `SettlementResponse`) with the spec's camelCase field names.
//! - [`scheme`]: the `zk-groth16` scheme's typed `extra` (policy, verifier program, challenge)
//!   and `payload` (the proof, `now`, nullifier, request hash).
//! - [`network`]: CAIP-2 network identifiers; only the `solana` namespace is accepted.
//! - [`header`]: the three HTTP headers, each the standard padded base64 of the JSON, with a
//!   strict decoder whose every failure has a stable error code.

pub mod header;
pub mod hex;
pub mod network;
pub mod scheme;
pub mod types;

pub use header::{
    HeaderError, HeaderMessage, MAX_HEADER_BYTES, PAYMENT_REQUIRED, PAYMENT_RESPONSE, PAYMENT_SIGNATURE, decode_header,
    decode_header_bytes, encode_header,
};
pub use network::{Network, NetworkError, NetworkKind};
pub use scheme::{ChallengeInfo, PROOF_BYTES, Scheme, ZkExtra, ZkPayload};
pub use types::{PaymentPayload, PaymentRequired, PaymentRequirements, ResourceInfo, SettlementResponse, X402_VERSION};
