//! zk402's x402 scheme `zk-groth16`: the payer proves in zero knowledge that it holds an unspent
//! receipt meeting the merchant's policy, has the verifier program check the proof on chain,
//! and hands the merchant the verifying transaction.
//!
//! Encodings: Solana addresses and transaction signatures are base58 text; 32-byte values
//! (nonce, nullifier, request hash) are 64 lowercase hex digits, big-endian — the request hash
//! and nullifier exactly as the program's `PaymentVerified` event carries them.

use serde::{Deserialize, Serialize};

/// The payment schemes this crate understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scheme {
    /// zk402's zero-knowledge scheme.
    #[serde(rename = "zk-groth16")]
    ZkGroth16,
}

impl Scheme {
    /// The scheme's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::ZkGroth16 => "zk-groth16",
        }
    }

    /// The scheme named `name`, if known.
    pub fn from_name(name: &str) -> Option<Scheme> {
        (name == Scheme::ZkGroth16.as_str()).then_some(Scheme::ZkGroth16)
    }
}

/// The merchant's single-use challenge as sent to the payer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChallengeInfo {
    /// 32 random bytes chosen by the merchant (hex).
    #[serde(with = "crate::hex")]
    pub nonce: [u8; 32],
    /// Unix time (seconds) after which the merchant refuses the challenge.
    pub expires_at: u64,
    /// The request hash the proof must carry as its fourth public input: a BN254 scalar,
    /// 32-byte big-endian (hex). Derived by the merchant from policy, nonce, expiry and
    /// resource URL (`zk402_circuit::Challenge::request_hash`).
    #[serde(with = "crate::hex")]
    pub request_hash: [u8; 32],
}

/// `extra` of a `zk-groth16` payment requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ZkExtra {
    /// The merchant's policy account (base58 address) the proof must be verified against.
    pub policy: String,
    /// The verifier program (base58 address) that must verify the proof.
    pub verifier_program: String,
    /// The challenge the proof must be bound to.
    pub challenge: ChallengeInfo,
}

/// `payload` of a `zk-groth16` payment: what the payer proved and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ZkPayload {
    /// The receipt's nullifier (third public input), 32-byte big-endian (hex).
    #[serde(with = "crate::hex")]
    pub nullifier: [u8; 32],
    /// The request hash the proof carries (fourth public input), 32-byte big-endian (hex).
    #[serde(with = "crate::hex")]
    pub request_hash: [u8; 32],
    /// Signature (base58) of the confirmed transaction whose `verify_payment` checked the proof.
    pub transaction: String,
}
