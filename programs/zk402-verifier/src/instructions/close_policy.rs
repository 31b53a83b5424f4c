//! `close_policy`: the authority takes its policy down and its rent back. The issuer key stays
//! registered, so no later policy can accept that issuer's receipts.

use crate::state::Policy;
use anchor_lang::prelude::*;

/// Accounts of `close_policy`.
#[derive(Accounts)]
pub struct ClosePolicy<'info> {
    /// The policy's authority; receives the rent.
    #[account(mut)]
    pub authority: Signer<'info>,
    /// The policy.
    #[account(mut, has_one = authority, close = authority)]
    pub policy: Account<'info, Policy>,
}

pub(crate) fn handler(_ctx: Context<ClosePolicy>) -> Result<()> {
    Ok(())
}
