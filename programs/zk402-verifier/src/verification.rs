//! What the instructions share: the compiled-in verifying key, the policy hash, public-input
//! encoding, proof checks mapped to program errors, and recording a nullifier in its shard.

use crate::errors::ZkError;
use crate::state::{NullifierShard, Policy};
use crate::verifying_key::{ALPHA_G1, BETA_G2, DELTA_G2, GAMMA_G2, IC, NR_PUBLIC_INPUTS};
use anchor_lang::Discriminator;
use anchor_lang::prelude::*;
use solana_poseidon::{Endianness, Parameters};
use zk402_nullifier_set::record;
use zk402_verifier_core::encoding::is_scalar;
use zk402_verifier_core::{InputBase, VerifyingKey};

const _: () = assert!(NR_PUBLIC_INPUTS == 4, "the payment circuit has four public inputs");

/// The payment circuit's verifying key (generated from the ceremony, see [`crate::verifying_key`]).
pub fn verifying_key() -> VerifyingKey<'static> {
    VerifyingKey { alpha_g1: &ALPHA_G1, beta_g2: &BETA_G2, gamma_g2: &GAMMA_G2, delta_g2: &DELTA_G2, ic: &IC }
}

/// A u64 as a 32-byte big-endian public input.
pub fn u64_input(x: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[24..].copy_from_slice(&x.to_be_bytes());
    out
}

/// Poseidon(price, recipient_hi, recipient_lo, max_age, issuer_Ax, issuer_Ay) with the
/// Poseidon syscall (circom parameters), and IC₀ + policy_hash·IC₁.
pub fn commit_policy(price: u64, recipient: &Pubkey, max_age: u64, issuer: &[u8; 64]) -> Result<([u8; 32], [u8; 64])> {
    let (ax, ay): (&[u8; 32], &[u8; 32]) = (array_ref(&issuer[..32]), array_ref(&issuer[32..]));
    require!(is_scalar(ax) && is_scalar(ay), ZkError::InvalidIssuerKey);
    let recipient = recipient.to_bytes();
    let mut hi = [0u8; 32];
    hi[16..].copy_from_slice(&recipient[..16]);
    let mut lo = [0u8; 32];
    lo[16..].copy_from_slice(&recipient[16..]);
    let fields: [&[u8]; 6] = [&u64_input(price), &hi, &lo, &u64_input(max_age), ax, ay];
    let hash = solana_poseidon::hashv(Parameters::Bn254X5, Endianness::BigEndian, &fields)
        .map_err(|_| error!(ZkError::InvalidIssuerKey))?
        .to_bytes();
    let base = InputBase::fold(&verifying_key(), &[hash]).map_err(ZkError::from)?;
    Ok((hash, base.point))
}

fn array_ref(bytes: &[u8]) -> &[u8; 32] {
    bytes.try_into().expect("32-byte halves of a 64-byte key")
}

/// Records `nullifier` until `expires_at` in `shard`, the policy's shard for it: checks the
/// account (owned by the program, a `NullifierShard`, exactly its capacity's size), that it
/// belongs to `policy` and is the shard the nullifier hashes to, then inserts; a live entry with
/// the nullifier's tag refuses with [`ZkError::NullifierAlreadyUsed`], a full probe sequence
/// with [`ZkError::NullifierShardFull`].
pub fn record_nullifier(
    shard: &AccountInfo<'_>,
    policy: &Account<'_, Policy>,
    nullifier: &[u8; 32],
    clock: i64,
    expires_at: i64,
) -> Result<()> {
    require_keys_eq!(*shard.owner, crate::ID, ZkError::InvalidShardAccount);
    require!(policy.nullifier_shards > 0, ZkError::NoNullifierSet);
    let mut data = shard.try_borrow_mut_data()?;
    require!(data.starts_with(NullifierShard::DISCRIMINATOR), ZkError::InvalidShardAccount);
    let policy_key = policy.key().to_bytes();
    record(&mut data, &policy_key, policy.nullifier_shards, nullifier, clock, expires_at).map_err(ZkError::from)?;
    Ok(())
}
