//! A merchant's payment policy.

use crate::errors::ZkError;
use anchor_lang::prelude::*;

/// Longest max_age a policy may have: 10 years.
pub const MAX_AGE_LIMIT: u64 = 10 * 366 * 24 * 3600;
/// Widest clock window: one hour either side of the cluster clock.
pub const CLOCK_WINDOW_LIMIT: u64 = 3600;

/// What a receipt must meet, the circuit's commitment to it, and the verifying-key point
/// folded with that commitment (so a verification multiplies only the three per-proof inputs).
#[account]
#[derive(InitSpace, Debug)]
pub struct Policy {
    /// Who may update or close the policy.
    pub authority: Pubkey,
    /// The authority's identifier for this policy (part of its address).
    pub policy_id: u64,
    /// The merchant address payments must have gone to.
    pub recipient: Pubkey,
    /// Price of one request (one credit), token atomic units; never 0. A receipt for
    /// `amount` holds floor(amount / price) credits.
    pub price: u64,
    /// Maximum receipt age at proof time, seconds.
    pub max_age: u64,
    /// Maximum distance between a proof's `now` and the cluster clock, seconds.
    pub clock_window: u64,
    /// Issuer public key: Ax ‖ Ay, 32-byte big-endian each (Baby Jubjub, circomlib coordinates).
    pub issuer: [u8; 64],
    /// Poseidon(price, recipient_hi, recipient_lo, max_age, Ax, Ay), big-endian.
    pub policy_hash: [u8; 32],
    /// IC₀ + policy_hash·IC₁ in G1 (syscall encoding).
    pub input_base: [u8; 64],
    /// PDA bump.
    pub bump: u8,
    /// Shards of the policy's nullifier set, fixed by the first `create_nullifier_shard` and
    /// never changed after (a nullifier's shard must not move); 0 until then.
    pub nullifier_shards: u16,
}

impl Policy {
    /// The bounds every stored policy satisfies.
    pub fn invariant(&self) -> Result<()> {
        require!(self.price > 0, ZkError::ZeroPrice);
        require!((1..=MAX_AGE_LIMIT).contains(&self.max_age), ZkError::InvalidPolicyParameter);
        require!((1..=CLOCK_WINDOW_LIMIT).contains(&self.clock_window), ZkError::InvalidPolicyParameter);
        Ok(())
    }

    /// Checks a proof's `now` against the cluster clock and returns until when its nullifier
    /// must stay recorded: after `now + max_age + clock_window` no proof of the same receipt can pass.
    pub fn check_now(&self, now: i64, clock: i64) -> Result<i64> {
        let window = self.clock_window as i64;
        require!(now > 0 && now.abs_diff(clock) <= window as u64, ZkError::NowOutsideWindow);
        now.checked_add(self.max_age as i64)
            .and_then(|t| t.checked_add(window))
            .ok_or_else(|| error!(ZkError::ArithmeticOverflow))
    }
}
