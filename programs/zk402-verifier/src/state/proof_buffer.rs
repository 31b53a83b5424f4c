//! Staging area for batch verification: a transaction carries at most 1,232 bytes, a batch of
//! ten proofs needs 3,520, so entries are written by earlier transactions.

use anchor_lang::prelude::*;
use zk402_verifier_core::encoding::{PROOF_LEN, Proof};

/// Largest batch.
pub const MAX_BATCH: u8 = 10;

/// Buffer header; `count` entries of [`BatchEntry::LEN`] bytes follow it in the account data.
#[account]
#[derive(InitSpace, Debug)]
pub struct ProofBuffer {
    /// Who opened the buffer, may write it, and receives its rent back.
    pub owner: Pubkey,
    /// The policy every entry is verified against.
    pub policy: Pubkey,
    /// Number of entries.
    pub count: u8,
    /// PDA bump.
    pub bump: u8,
}

impl ProofBuffer {
    /// Offset of the first entry in the account data (discriminator + header).
    pub const ENTRIES_OFFSET: usize = 8 + ProofBuffer::INIT_SPACE;

    /// Account size for `count` entries.
    pub fn space(count: u8) -> usize {
        ProofBuffer::ENTRIES_OFFSET + usize::from(count) * BatchEntry::LEN
    }
}

/// One batch entry: the proof (on-chain encoding, A negated) and its per-proof public inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchEntry {
    /// The proof.
    pub proof: Proof,
    /// `now`, `nullifier`, `request_hash`: public inputs 2..4, 32-byte big-endian each.
    pub inputs: [[u8; 32]; 3],
}

impl BatchEntry {
    /// Encoded size: proof ‖ now ‖ nullifier ‖ request_hash.
    pub const LEN: usize = PROOF_LEN + 3 * 32;

    /// Decodes an entry.
    pub fn from_bytes(bytes: &[u8; BatchEntry::LEN]) -> BatchEntry {
        let mut proof = [0u8; PROOF_LEN];
        proof.copy_from_slice(&bytes[..PROOF_LEN]);
        let mut inputs = [[0u8; 32]; 3];
        for (i, input) in inputs.iter_mut().enumerate() {
            input.copy_from_slice(&bytes[PROOF_LEN + 32 * i..PROOF_LEN + 32 * (i + 1)]);
        }
        BatchEntry { proof: Proof::from_bytes(&proof), inputs }
    }

    /// Encodes an entry.
    pub fn to_bytes(&self) -> [u8; BatchEntry::LEN] {
        let mut out = [0u8; BatchEntry::LEN];
        out[..PROOF_LEN].copy_from_slice(&self.proof.to_bytes());
        for (i, input) in self.inputs.iter().enumerate() {
            out[PROOF_LEN + 32 * i..PROOF_LEN + 32 * (i + 1)].copy_from_slice(input);
        }
        out
    }
}
