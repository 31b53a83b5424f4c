//! Freshly generated, valid payment inputs for benchmarks, load runs and tests: a random
//! issuer key and payer secret, a receipt signed over a policy-conforming payment. Each call
//! makes new keys; nothing here is a fixed key.

use zk402_circuit::{Fr, PaymentInputs, Policy, ReceiptClaim, Secret, SigningKey};

/// Why sample inputs could not be made (the OS refused randomness).
#[derive(Debug, thiserror::Error)]
#[error("randomness: {0}")]
pub struct SampleError(String);

/// Credit 0 of a receipt of 1.5 USDC (one credit) paid `age` seconds before `now` to a random
/// recipient, under a policy of 1 USDC per request within one hour, signed by a new random
/// issuer, bound to `request_hash`.
pub fn payment(now: u64, age: u64, request_hash: Fr) -> Result<PaymentInputs, SampleError> {
    let random = |e: getrandom::Error| SampleError(e.to_string());
    let issuer = SigningKey::generate().map_err(random)?;
    let mut recipient = [0u8; 32];
    getrandom::fill(&mut recipient).map_err(random)?;
    let policy = Policy { price: 1_000_000, recipient, max_age: 3_600, issuer: issuer.public_key() };
    let secret = Secret::random().map_err(random)?;
    let claim = ReceiptClaim { amount: 1_500_000, recipient, paid_at: now - age, commitment: secret.commitment() };
    Ok(PaymentInputs::new(&policy, &claim.sign(&issuer), &secret, 0, now, request_hash))
}

/// The current unix time in seconds.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
