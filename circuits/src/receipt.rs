//! Payment receipts: what the issuer signs, the payer's secret, and the nullifier derived from it.

use crate::eddsa::{PublicKey, Signature, SignatureError, SigningKey};
use crate::field::{Fr, key_limbs};
use crate::poseidon::poseidon;
use ark_ff::PrimeField;
use serde::{Deserialize, Serialize};

/// Domain tag of the nullifier hash: the ASCII bytes `zk402/nullifier/v2` read big-endian
/// (the circuit's `NULLIFIER_TAG()`; v1 hashed no credit index).
pub const NULLIFIER_TAG: &[u8] = b"zk402/nullifier/v2";

/// The payer's random secret behind one receipt. Only Poseidon(secret) leaves the payer, and
/// one nullifier per spent credit.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Secret(#[serde(with = "crate::serde_fr")] Fr);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// A uniformly random field element from the operating system's RNG.
    pub fn random() -> Result<Secret, getrandom::Error> {
        let mut bytes = [0u8; 64];
        getrandom::fill(&mut bytes)?;
        Ok(Secret(Fr::from_le_bytes_mod_order(&bytes)))
    }

    /// Wraps a known field element (tests, or a secret restored from storage).
    pub fn from_fr(x: Fr) -> Secret {
        Secret(x)
    }

    /// The secret field element (a private circuit input).
    pub fn expose(&self) -> Fr {
        self.0
    }

    /// Poseidon(secret): the commitment the issuer signs.
    pub fn commitment(&self) -> Fr {
        poseidon(&[self.0])
    }

    /// Poseidon(NULLIFIER_TAG, secret, index): the public nullifier that marks credit `index`
    /// of the receipt spent. Without `secret`, the nullifiers of two credits are unlinkable.
    pub fn nullifier(&self, index: u32) -> Fr {
        poseidon(&[nullifier_tag(), self.0, Fr::from(index)])
    }
}

/// [`NULLIFIER_TAG`] as a field element.
pub fn nullifier_tag() -> Fr {
    Fr::from_be_bytes_mod_order(NULLIFIER_TAG)
}

/// The facts an issuer attests to: `amount` atomic units paid to `recipient` at `paid_at`,
/// for the payer who holds the secret behind `commitment`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptClaim {
    /// Amount paid, in the token's atomic units.
    pub amount: u64,
    /// The merchant's 32-byte Solana address that received the payment.
    pub recipient: [u8; 32],
    /// Unix time of the payment (seconds), as confirmed on chain.
    pub paid_at: u64,
    /// Poseidon(secret), supplied by the payer.
    #[serde(with = "crate::serde_fr")]
    pub commitment: Fr,
}

impl ReceiptClaim {
    /// The signed message: Poseidon(amount, recipient_hi, recipient_lo, paid_at, commitment).
    pub fn message(&self) -> Fr {
        let (hi, lo) = key_limbs(&self.recipient);
        poseidon(&[Fr::from(self.amount), hi, lo, Fr::from(self.paid_at), self.commitment])
    }

    /// Signs the claim with the issuer key.
    pub fn sign(self, issuer: &SigningKey) -> Receipt {
        Receipt { signature: issuer.sign(&self.message()), claim: self }
    }
}

/// A claim with the issuer's signature over its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// What was attested.
    pub claim: ReceiptClaim,
    /// The issuer's EdDSA-Poseidon signature over `claim.message()`.
    pub signature: Signature,
}

impl Receipt {
    /// Checks the issuer's signature.
    pub fn verify(&self, issuer: &PublicKey) -> Result<(), SignatureError> {
        issuer.verify(&self.claim.message(), &self.signature)
    }
}

/// What a payer sends a receipt issuer: the signature (base58) of its confirmed payment
/// transaction and the commitment Poseidon(secret) to sign. The issuer answers a [`Receipt`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    /// The payment transaction's signature, base58.
    pub transaction: String,
    /// Poseidon(secret) of the payer's fresh secret.
    #[serde(with = "crate::serde_fr")]
    pub commitment: Fr,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::fr_from_decimal;

    #[test]
    fn nullifier_tag_matches_the_circuit_constant() {
        assert_eq!(nullifier_tag(), fr_from_decimal("10664178467039198920903984601052163005707826").unwrap());
    }

    #[test]
    fn each_credit_has_its_own_nullifier() {
        let secret = Secret::random().unwrap();
        let nullifiers: std::collections::HashSet<_> = (0..16).map(|i| secret.nullifier(i)).collect();
        assert_eq!(nullifiers.len(), 16);
        assert_ne!(secret.nullifier(0), Secret::random().unwrap().nullifier(0));
    }

    #[test]
    fn secrets_are_distinct_and_hidden_in_debug() {
        let (a, b) = (Secret::random().unwrap(), Secret::random().unwrap());
        assert_ne!(a, b);
        assert_eq!(format!("{a:?}"), "Secret(..)");
    }
}
