//! zk402's x402 scheme `zk-groth16`: the payer proves in zero knowledge that it spends one
//! unspent credit of a receipt meeting the merchant's policy and sends the proof itself; the
//! merchant's facilitator verifies it off chain and settles it on chain (the payer never signs
//! or pays for a verification).
//!
//! Encodings: Solana addresses and transaction signatures are base58 text; byte strings
//! (nonce, MAC, nullifier, request hash, proof) are lowercase hex, big-endian — the proof,
//! request hash and nullifier exactly as the verifier program's instruction takes them.

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

/// Length of a proof in the verifier program's encoding (−A ‖ B ‖ C, big-endian), bytes.
pub const PROOF_BYTES: usize = 256;

/// The merchant's stateless challenge as sent to the payer: its fields and a MAC over them
/// under a merchant secret, so issuing one writes nothing and only the merchant can mint one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChallengeInfo {
    /// 32 random bytes chosen by the merchant (hex).
    #[serde(with = "crate::hex")]
    pub nonce: [u8; 32],
    /// Unix time (seconds) after which the merchant refuses the challenge.
    pub expires_at: u64,
    /// The HTTP method of the request the challenge pays for (with `resource.url`, the resource).
    pub method: String,
    /// The merchant's MAC over policy, method, URL, nonce and expiry (hex; see
    /// `zk402_facilitator::challenge`).
    #[serde(with = "crate::hex")]
    pub mac: [u8; 32],
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

/// `payload` of a `zk-groth16` payment: the proof and its per-request public inputs (the
/// fourth, `policy_hash`, is the policy's). The challenge it answers is the payload's
/// `accepted.extra.challenge`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ZkPayload {
    /// The Groth16 proof as the verifier program takes it: −A ‖ B ‖ C, big-endian (hex).
    #[serde(with = "crate::hex")]
    pub proof: [u8; PROOF_BYTES],
    /// Public input `now`: the unix time (seconds) the proof claims.
    pub now: i64,
    /// The credit's nullifier (third public input), 32-byte big-endian (hex).
    #[serde(with = "crate::hex")]
    pub nullifier: [u8; 32],
    /// The request hash the proof carries (fourth public input), 32-byte big-endian (hex).
    #[serde(with = "crate::hex")]
    pub request_hash: [u8; 32],
}
