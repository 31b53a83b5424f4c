//! A merchant's payment policy and its commitment `policy_hash`, the circuit's first public input.

use crate::eddsa::PublicKey;
use crate::field::{Fr, key_limbs};
use crate::poseidon::poseidon;
use serde::{Deserialize, Serialize};

/// What a receipt must satisfy to pay for access: a receipt for `amount` holds
/// floor(amount / price) credits, one per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Price of one request (one credit), in the token's atomic units (USDC: 10^-6). Never 0:
    /// the verifier program refuses a policy that would give infinite credits.
    pub price: u64,
    /// The merchant's 32-byte Solana address the payment must have gone to.
    pub recipient: [u8; 32],
    /// Maximum age of the payment at proof time, in seconds.
    pub max_age: u64,
    /// The issuer key the merchant trusts to sign receipts.
    pub issuer: PublicKey,
}

/// The most credits one receipt can hold: the circuit bounds the credit index below 2^32.
pub const MAX_CREDITS: u64 = 1 << 32;

impl Policy {
    /// Poseidon(price, recipient_hi, recipient_lo, max_age, issuer_Ax, issuer_Ay).
    pub fn hash(&self) -> Fr {
        let (hi, lo) = key_limbs(&self.recipient);
        poseidon(&[Fr::from(self.price), hi, lo, Fr::from(self.max_age), self.issuer.x, self.issuer.y])
    }

    /// How many requests a receipt for `amount` pays: floor(amount / price), at most
    /// [`MAX_CREDITS`]; 0 for a price of 0 (a policy no verifier accepts).
    pub fn credits(&self, amount: u64) -> u64 {
        amount.checked_div(self.price).map_or(0, |n| n.min(MAX_CREDITS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(price: u64) -> Policy {
        Policy { price, recipient: [1; 32], max_age: 60, issuer: PublicKey { x: Fr::from(1u64), y: Fr::from(2u64) } }
    }

    #[test]
    fn credits_are_the_whole_prices_paid() {
        assert_eq!(policy(1_000).credits(999), 0);
        assert_eq!(policy(1_000).credits(1_999), 1, "less than two prices is the single-use case");
        assert_eq!(policy(1_000).credits(10_000), 10);
        assert_eq!(policy(1).credits(u64::MAX), MAX_CREDITS, "the index stays below 2^32");
        assert_eq!(policy(0).credits(1_000), 0, "price 0 is refused, never infinite");
    }
}
