//! Addresses of the program's accounts: PDAs (seeds from `zk402_verifier::state::seeds`) and
//! the nullifier shards (`create_account_with_seed` from the policy authority).

use super::PROGRAM_ID;
use anchor_lang::prelude::Pubkey;
use zk402_nullifier_set::shard_index;
use zk402_verifier::state::{Policy, seeds, shard_seed};

/// The `Policy` account of `authority`'s policy number `policy_id`.
pub fn policy_address(authority: &Pubkey, policy_id: u64) -> Pubkey {
    Pubkey::find_program_address(&[seeds::POLICY, authority.as_ref(), &policy_id.to_le_bytes()], &PROGRAM_ID).0
}

/// The `IssuerRegistration` of an issuer key (Ax ‖ Ay, 32-byte big-endian each).
pub fn issuer_address(issuer: &[u8; 64]) -> Pubkey {
    Pubkey::find_program_address(&[seeds::ISSUER, &issuer[..32], &issuer[32..]], &PROGRAM_ID).0
}

/// Shard `index` of `authority`'s policy `policy_id`'s nullifier set: the address
/// `create_account_with_seed` gives for the seed [`shard_seed`], owned by the program.
pub fn shard_address(authority: &Pubkey, policy_id: u64, index: u16) -> Pubkey {
    Pubkey::create_with_seed(authority, &shard_seed(policy_id, index), &PROGRAM_ID)
        .expect("shard seeds are at most 31 bytes and the owner is no PDA marker")
}

/// Where a policy's nullifier shards are, from its on-chain account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NullifierSet {
    /// The policy's authority (the base of the shard addresses).
    pub authority: Pubkey,
    /// The authority's policy number.
    pub policy_id: u64,
    /// Shard count (1..=`MAX_SHARDS`).
    pub shards: u16,
}

impl NullifierSet {
    /// The set of `policy`; `None` while it has no shard.
    pub fn of(policy: &Policy) -> Option<NullifierSet> {
        (policy.nullifier_shards > 0).then_some(NullifierSet {
            authority: policy.authority,
            policy_id: policy.policy_id,
            shards: policy.nullifier_shards,
        })
    }

    /// Shard number `index`.
    pub fn shard(&self, index: u16) -> Pubkey {
        shard_address(&self.authority, self.policy_id, index)
    }

    /// The shard `nullifier` (32-byte big-endian public input) is recorded in.
    pub fn shard_for(&self, nullifier: &[u8; 32]) -> Pubkey {
        // `of` admits only counts in range; a hand-made zero count falls back to shard 0.
        self.shard(shard_index(nullifier, self.shards).unwrap_or(0))
    }

    /// Every shard address, in index order.
    pub fn all(&self) -> Vec<Pubkey> {
        (0..self.shards).map(|i| self.shard(i)).collect()
    }
}

/// The `ProofBuffer` number `buffer_id` of `owner`.
pub fn buffer_address(owner: &Pubkey, buffer_id: u64) -> Pubkey {
    Pubkey::find_program_address(&[seeds::PROOF_BUFFER, owner.as_ref(), &buffer_id.to_le_bytes()], &PROGRAM_ID).0
}
