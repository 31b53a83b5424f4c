//! `create_policy`: register a policy and its issuer key.

use crate::state::{IssuerRegistration, Policy, seeds};
use crate::verification::commit_policy;
use anchor_lang::prelude::*;

/// The policy fields a merchant chooses.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct PolicyParams {
    /// Merchant address payments must go to.
    pub recipient: Pubkey,
    /// Price of one request (one credit), token atomic units; at least 1.
    pub price: u64,
    /// Maximum receipt age at proof time, seconds (1..=10 years).
    pub max_age: u64,
    /// Maximum distance of a proof's `now` from the cluster clock, seconds (1..=3600).
    pub clock_window: u64,
    /// Issuer key Ax ‖ Ay, 32-byte big-endian each, both below r.
    pub issuer: [u8; 64],
}

/// Accounts of `create_policy`.
#[derive(Accounts)]
#[instruction(policy_id: u64, params: PolicyParams)]
pub struct CreatePolicy<'info> {
    /// The policy's authority; pays rent.
    #[account(mut)]
    pub authority: Signer<'info>,
    /// The new policy.
    #[account(
        init,
        payer = authority,
        space = 8 + Policy::INIT_SPACE,
        seeds = [seeds::POLICY, authority.key().as_ref(), &policy_id.to_le_bytes()],
        bump,
    )]
    pub policy: Account<'info, Policy>,
    /// The issuer key's registration; its creation fails if the key already serves a policy.
    #[account(
        init,
        payer = authority,
        space = 8 + IssuerRegistration::INIT_SPACE,
        seeds = [seeds::ISSUER, &params.issuer[..32], &params.issuer[32..]],
        bump,
    )]
    pub issuer_registration: Account<'info, IssuerRegistration>,
    /// System program.
    pub system_program: Program<'info, System>,
}

pub(crate) fn handler(ctx: Context<CreatePolicy>, policy_id: u64, params: PolicyParams) -> Result<()> {
    let (policy_hash, input_base) = commit_policy(params.price, &params.recipient, params.max_age, &params.issuer)?;
    let policy = &mut ctx.accounts.policy;
    policy.set_inner(Policy {
        authority: ctx.accounts.authority.key(),
        policy_id,
        recipient: params.recipient,
        price: params.price,
        max_age: params.max_age,
        clock_window: params.clock_window,
        issuer: params.issuer,
        policy_hash,
        input_base,
        bump: ctx.bumps.policy,
        nullifier_shards: 0,
    });
    policy.invariant()?;
    ctx.accounts
        .issuer_registration
        .set_inner(IssuerRegistration { policy: policy.key(), bump: ctx.bumps.issuer_registration });
    Ok(())
}
