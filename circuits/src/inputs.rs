//! Witness inputs of `payment.circom`: the seventeen input signals under the circuit's own names,
//! assembled from a policy, a receipt and the payer's secret, and a native check of every
//! constraint with a precise error.

use crate::eddsa::{PublicKey, Signature, SignatureError};
use crate::field::{Fr, key_limbs};
use crate::policy::Policy;
use crate::poseidon::poseidon;
use crate::receipt::{Receipt, Secret, nullifier_tag};
use crate::witness::{AssertPolicy, Witness, WitnessCalculator, WitnessError};
use StatementError::OutOfRange;
use ark_ff::{BigInteger, PrimeField};
use serde::{Deserialize, Serialize};

/// Number of public inputs, in order: policy_hash, now, nullifier, request_hash.
pub const PUBLIC_INPUTS: usize = 4;

/// Names of the circuit's input signals in declaration order (public first).
pub const INPUT_NAMES: [&str; 17] = [
    "policy_hash",
    "now",
    "nullifier",
    "request_hash",
    "price",
    "recipient_hi",
    "recipient_lo",
    "max_age",
    "issuer_Ax",
    "issuer_Ay",
    "amount",
    "paid_at",
    "secret",
    "R8x",
    "R8y",
    "S",
    "index",
];

/// Every input signal of the circuit. Field names (and JSON keys) are the circuit's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
pub struct PaymentInputs {
    /// Public: Poseidon of the policy fields.
    #[serde(with = "crate::serde_fr")]
    pub policy_hash: Fr,
    /// Public: unix seconds at proof time.
    #[serde(with = "crate::serde_fr")]
    pub now: Fr,
    /// Public: Poseidon(NULLIFIER_TAG, secret, index).
    #[serde(with = "crate::serde_fr")]
    pub nullifier: Fr,
    /// Public: the x402 challenge binding.
    #[serde(with = "crate::serde_fr")]
    pub request_hash: Fr,
    /// Policy: price of one request, one credit (atomic units).
    #[serde(with = "crate::serde_fr")]
    pub price: Fr,
    /// Policy and receipt: high 128 bits of the recipient address.
    #[serde(with = "crate::serde_fr")]
    pub recipient_hi: Fr,
    /// Policy and receipt: low 128 bits of the recipient address.
    #[serde(with = "crate::serde_fr")]
    pub recipient_lo: Fr,
    /// Policy: maximum payment age (seconds).
    #[serde(with = "crate::serde_fr")]
    pub max_age: Fr,
    /// Policy: issuer public key x.
    #[serde(with = "crate::serde_fr")]
    pub issuer_Ax: Fr,
    /// Policy: issuer public key y.
    #[serde(with = "crate::serde_fr")]
    pub issuer_Ay: Fr,
    /// Receipt: amount paid (atomic units).
    #[serde(with = "crate::serde_fr")]
    pub amount: Fr,
    /// Receipt: unix time of payment.
    #[serde(with = "crate::serde_fr")]
    pub paid_at: Fr,
    /// The payer's secret.
    #[serde(with = "crate::serde_fr")]
    pub secret: Fr,
    /// Signature R8 x.
    #[serde(with = "crate::serde_fr")]
    pub R8x: Fr,
    /// Signature R8 y.
    #[serde(with = "crate::serde_fr")]
    pub R8y: Fr,
    /// Signature scalar S.
    #[serde(with = "crate::serde_fr")]
    pub S: Fr,
    /// Which credit of the receipt is spent (0-based, below 2^32).
    #[serde(with = "crate::serde_fr")]
    pub index: Fr,
}

/// The constraint of the statement that a set of inputs breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    /// A value a comparator reads does not fit in 64 bits (the credit index: in 32 bits).
    #[error("{0} is out of range (64 bits; the index 32 bits)")]
    OutOfRange(&'static str),
    /// (index + 1) * price > amount: the receipt holds no credit `index`.
    #[error("the receipt does not pay for this credit: (index + 1) * price exceeds amount")]
    NoSuchCredit,
    /// paid_at > now.
    #[error("paid_at is later than now")]
    PaidInFuture,
    /// now - paid_at > max_age.
    #[error("receipt is older than the policy's max_age")]
    ReceiptTooOld,
    /// policy_hash does not commit to the policy fields.
    #[error("policy_hash does not match the policy fields")]
    PolicyHashMismatch,
    /// The issuer signature does not verify over the receipt message.
    #[error("issuer signature: {0}")]
    BadSignature(SignatureError),
    /// nullifier is not Poseidon(NULLIFIER_TAG, secret, index).
    #[error("nullifier does not match the secret and credit index")]
    NullifierMismatch,
}

impl PaymentInputs {
    /// Assembles the inputs for spending credit `index` of `receipt` (whose commitment is
    /// `secret`'s) under `policy`, at time `now`, for the challenge hashed to `request_hash`.
    /// The recipient limbs come from the policy; nothing is checked here (see
    /// [`PaymentInputs::check`]).
    pub fn new(
        policy: &Policy,
        receipt: &Receipt,
        secret: &Secret,
        index: u32,
        now: u64,
        request_hash: Fr,
    ) -> PaymentInputs {
        let (recipient_hi, recipient_lo) = key_limbs(&policy.recipient);
        PaymentInputs {
            policy_hash: policy.hash(),
            now: Fr::from(now),
            nullifier: secret.nullifier(index),
            request_hash,
            price: Fr::from(policy.price),
            recipient_hi,
            recipient_lo,
            max_age: Fr::from(policy.max_age),
            issuer_Ax: policy.issuer.x,
            issuer_Ay: policy.issuer.y,
            amount: Fr::from(receipt.claim.amount),
            paid_at: Fr::from(receipt.claim.paid_at),
            secret: secret.expose(),
            R8x: receipt.signature.r8x,
            R8y: receipt.signature.r8y,
            S: receipt.signature.s,
            index: Fr::from(index),
        }
    }

    /// The input signals by name, in the circuit's declaration order (public first).
    pub fn signals(&self) -> [(&'static str, Fr); 17] {
        let values = [
            self.policy_hash,
            self.now,
            self.nullifier,
            self.request_hash,
            self.price,
            self.recipient_hi,
            self.recipient_lo,
            self.max_age,
            self.issuer_Ax,
            self.issuer_Ay,
            self.amount,
            self.paid_at,
            self.secret,
            self.R8x,
            self.R8y,
            self.S,
            self.index,
        ];
        std::array::from_fn(|i| (INPUT_NAMES[i], values[i]))
    }

    /// The public signals in the order the verifier takes them.
    pub fn public_signals(&self) -> [Fr; PUBLIC_INPUTS] {
        [self.policy_hash, self.now, self.nullifier, self.request_hash]
    }

    /// Runs circom's witness calculator on these inputs.
    pub fn witness(&self, calc: &mut WitnessCalculator, policy: AssertPolicy) -> Result<Witness, WitnessError> {
        let signals = self.signals();
        let named: Vec<(&str, &[Fr])> =
            signals.iter().map(|(name, value)| (*name, std::slice::from_ref(value))).collect();
        calc.calculate(&named, policy)
    }

    /// Checks every constraint of the statement natively, in the circuit's order, and names the
    /// first one that fails.
    pub fn check(&self) -> Result<(), StatementError> {
        let amount = as_u64(&self.amount, "amount")?;
        let price = as_u64(&self.price, "price")?;
        let paid_at = as_u64(&self.paid_at, "paid_at")?;
        let now = as_u64(&self.now, "now")?;
        let max_age = as_u64(&self.max_age, "max_age")?;
        let index = as_u64(&self.index, "index").and_then(|i| u32::try_from(i).map_err(|_| OutOfRange("index")))?;
        if (u128::from(index) + 1) * u128::from(price) > u128::from(amount) {
            return Err(StatementError::NoSuchCredit);
        }
        if paid_at > now {
            return Err(StatementError::PaidInFuture);
        }
        if now - paid_at > max_age {
            return Err(StatementError::ReceiptTooOld);
        }
        let policy = [self.price, self.recipient_hi, self.recipient_lo, self.max_age, self.issuer_Ax, self.issuer_Ay];
        if poseidon(&policy) != self.policy_hash {
            return Err(StatementError::PolicyHashMismatch);
        }
        let message =
            poseidon(&[self.amount, self.recipient_hi, self.recipient_lo, self.paid_at, poseidon(&[self.secret])]);
        let issuer = PublicKey { x: self.issuer_Ax, y: self.issuer_Ay };
        let signature = Signature { r8x: self.R8x, r8y: self.R8y, s: self.S };
        issuer.verify(&message, &signature).map_err(StatementError::BadSignature)?;
        if poseidon(&[nullifier_tag(), self.secret, self.index]) != self.nullifier {
            return Err(StatementError::NullifierMismatch);
        }
        Ok(())
    }
}

fn as_u64(x: &Fr, name: &'static str) -> Result<u64, StatementError> {
    let big = x.into_bigint();
    if big.num_bits() > 64 { Err(OutOfRange(name)) } else { Ok(big.0[0]) }
}
