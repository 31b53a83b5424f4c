//! `verify_payment`: one proof, its nullifier recorded in the policy's set.

use crate::errors::ZkError;
use crate::events::{PaymentVerified, emit};
use crate::state::{NullifierShard, Policy};
use crate::verification::{record_nullifier, u64_input, verifying_key};
use anchor_lang::prelude::*;
use zk402_verifier_core::encoding::{PROOF_LEN, Proof};
use zk402_verifier_core::{InputBase, verify};

/// A proof and its per-proof public inputs (policy_hash comes from the policy account).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct ProofSubmission {
    /// −A ‖ B ‖ C, big-endian syscall encoding (A negated).
    pub proof: [u8; PROOF_LEN],
    /// Public input `now`, unix seconds.
    pub now: i64,
    /// Public input `nullifier`, 32-byte big-endian.
    pub nullifier: [u8; 32],
    /// Public input `request_hash`, 32-byte big-endian.
    pub request_hash: [u8; 32],
}

/// Accounts of `verify_payment`.
#[derive(Accounts)]
pub struct VerifyPayment<'info> {
    /// Whoever settles the proof (the merchant's facilitator): signs and pays the fee; no rent
    /// is paid and nothing about it is recorded. The payer never appears here.
    pub settler: Signer<'info>,
    /// The policy the proof claims to meet.
    pub policy: Account<'info, Policy>,
    /// The policy's shard that `submission.nullifier` hashes to (checked by `record_nullifier`).
    #[account(mut)]
    pub shard: AccountLoader<'info, NullifierShard>,
}

pub(crate) fn handler(ctx: Context<VerifyPayment>, submission: ProofSubmission) -> Result<()> {
    let policy = &ctx.accounts.policy;
    let clock = Clock::get()?.unix_timestamp;
    let expires_at = policy.check_now(submission.now, clock)?;
    let base = InputBase { point: policy.input_base, folded: 1 };
    let inputs = [u64_input(submission.now as u64), submission.nullifier, submission.request_hash];
    verify(&verifying_key(), &base, &Proof::from_bytes(&submission.proof), &inputs).map_err(ZkError::from)?;
    record_nullifier(&ctx.accounts.shard.to_account_info(), policy, &submission.nullifier, clock, expires_at)?;
    emit(&PaymentVerified {
        policy: policy.key(),
        nullifier: submission.nullifier,
        request_hash: submission.request_hash,
        now: submission.now,
    });
    Ok(())
}
