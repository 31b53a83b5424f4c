//! The double-spend guard: one record per spent receipt.

use anchor_lang::prelude::*;

/// Exists while a proof for its receipt could still verify. Its address is derived from the
/// nullifier alone, so the receipt cannot pay twice under any policy.
#[account]
#[derive(InitSpace, Debug)]
pub struct NullifierRecord {
    /// Policy the receipt paid under.
    pub policy: Pubkey,
    /// Who paid the record's rent, and gets it back when it is closed.
    pub rent_payer: Pubkey,
    /// Unix time after which the record may be closed (`now + max_age + clock_window`).
    pub expires_at: i64,
    /// PDA bump.
    pub bump: u8,
}
