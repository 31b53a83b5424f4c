//! One policy per issuer key, forever.

use anchor_lang::prelude::*;

/// Created with the policy that names the issuer key and never closed. Because a receipt is
/// accepted only by the single policy of its issuer, and that policy's max_age and clock
/// window never grow, a nullifier record can be reclaimed once its expiry has passed.
#[account]
#[derive(InitSpace, Debug)]
pub struct IssuerRegistration {
    /// The policy the key was registered for.
    pub policy: Pubkey,
    /// PDA bump.
    pub bump: u8,
}
