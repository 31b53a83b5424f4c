//! A merchant's payment policy and its commitment `policy_hash`, the circuit's first public input.

use crate::eddsa::PublicKey;
use crate::field::{Fr, key_limbs};
use crate::poseidon::poseidon;
use serde::{Deserialize, Serialize};

/// What a receipt must satisfy to pay for one access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Minimum amount paid, in the token's atomic units (USDC: 10^-6).
    pub min_amount: u64,
    /// The merchant's 32-byte Solana address the payment must have gone to.
    pub recipient: [u8; 32],
    /// Maximum age of the payment at proof time, in seconds.
    pub max_age: u64,
    /// The issuer key the merchant trusts to sign receipts.
    pub issuer: PublicKey,
}

impl Policy {
    /// Poseidon(min_amount, recipient_hi, recipient_lo, max_age, issuer_Ax, issuer_Ay).
    pub fn hash(&self) -> Fr {
        let (hi, lo) = key_limbs(&self.recipient);
        poseidon(&[Fr::from(self.min_amount), hi, lo, Fr::from(self.max_age), self.issuer.x, self.issuer.y])
    }
}
