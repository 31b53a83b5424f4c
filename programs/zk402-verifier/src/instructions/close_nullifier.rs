//! `close_nullifier`: reclaim a dead receipt's record.

use crate::errors::ZkError;
use crate::state::NullifierRecord;
use anchor_lang::prelude::*;

/// Accounts of `close_nullifier`. Anyone may sign the transaction; rent goes to the record's payer.
#[derive(Accounts)]
pub struct CloseNullifier<'info> {
    /// The record.
    #[account(mut, has_one = rent_payer, close = rent_payer)]
    pub record: Account<'info, NullifierRecord>,
    /// CHECK: the record's rent payer (enforced by `has_one`); receives the lamports.
    #[account(mut)]
    pub rent_payer: UncheckedAccount<'info>,
}

pub(crate) fn handler(ctx: Context<CloseNullifier>) -> Result<()> {
    // At `expires_at` itself a proof with `now = expires_at − clock_window` may still pass.
    require!(Clock::get()?.unix_timestamp > ctx.accounts.record.expires_at, ZkError::RecordNotExpired);
    Ok(())
}
