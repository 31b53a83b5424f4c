//! `update_policy`: change the price; lower max_age or the clock window.

use crate::errors::ZkError;
use crate::state::Policy;
use crate::verification::commit_policy;
use anchor_lang::prelude::*;

/// New values; max_age and clock_window may only stay or shrink.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct PolicyUpdate {
    /// New price of one request (at least 1).
    pub price: u64,
    /// New max age (at most the current one).
    pub max_age: u64,
    /// New clock window (at most the current one).
    pub clock_window: u64,
}

/// Accounts of `update_policy`.
#[derive(Accounts)]
pub struct UpdatePolicy<'info> {
    /// The policy's authority.
    pub authority: Signer<'info>,
    /// The policy.
    #[account(mut, has_one = authority)]
    pub policy: Account<'info, Policy>,
}

pub(crate) fn handler(ctx: Context<UpdatePolicy>, update: PolicyUpdate) -> Result<()> {
    let policy = &mut ctx.accounts.policy;
    // Raising either would revive receipts whose nullifier records may already be closed.
    require!(update.max_age <= policy.max_age, ZkError::MaxAgeRaised);
    require!(update.clock_window <= policy.clock_window, ZkError::ClockWindowRaised);
    let (policy_hash, input_base) = commit_policy(update.price, &policy.recipient, update.max_age, &policy.issuer)?;
    policy.price = update.price;
    policy.max_age = update.max_age;
    policy.clock_window = update.clock_window;
    policy.policy_hash = policy_hash;
    policy.input_base = input_base;
    policy.invariant()
}
