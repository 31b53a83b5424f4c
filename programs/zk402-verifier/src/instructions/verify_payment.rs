//! `verify_payment`: one proof, one nullifier record.

use crate::errors::ZkError;
use crate::events::{PaymentVerified, emit};
use crate::state::Policy;
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
    /// Submits the proof and pays the nullifier record's rent (returned when it is closed).
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The policy the proof claims to meet.
    pub policy: Account<'info, Policy>,
    /// CHECK: the record of `submission.nullifier`, created here at its canonical PDA (the
    /// address and emptiness are checked by `record_nullifier`).
    #[account(mut)]
    pub nullifier_record: UncheckedAccount<'info>,
    /// System program.
    pub system_program: Program<'info, System>,
}

pub(crate) fn handler(ctx: Context<VerifyPayment>, submission: ProofSubmission) -> Result<()> {
    let policy = &ctx.accounts.policy;
    let expires_at = policy.check_now(submission.now, Clock::get()?.unix_timestamp)?;
    let base = InputBase { point: policy.input_base, folded: 1 };
    let inputs = [u64_input(submission.now as u64), submission.nullifier, submission.request_hash];
    verify(&verifying_key(), &base, &Proof::from_bytes(&submission.proof), &inputs).map_err(ZkError::from)?;
    record_nullifier(
        &ctx.accounts.nullifier_record,
        &ctx.accounts.payer,
        &ctx.accounts.system_program,
        &submission.nullifier,
        policy.key(),
        expires_at,
    )?;
    emit(&PaymentVerified {
        policy: policy.key(),
        nullifier: submission.nullifier,
        request_hash: submission.request_hash,
        now: submission.now,
    });
    Ok(())
}
