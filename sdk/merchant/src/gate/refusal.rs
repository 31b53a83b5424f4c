//! Why the gate refused a payment (answered 402), with stable codes.

use zk402_facilitator::Invalid;

/// A payment the gate refused. The payer may pay again against the fresh challenge that comes
/// with the refusal (with another credit, or the same one if its proof was refused before its
/// nullifier was reserved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The payment answers a challenge for another URL than this request's.
    ResourceMismatch,
    /// The payment answers a challenge for another HTTP method than this request's.
    MethodMismatch,
    /// The facilitator found the payment invalid.
    Invalid(Invalid),
    /// The facilitator could not settle the proof (reason code).
    Settlement(String),
}

impl Refusal {
    /// The gate's own refusal codes (the facilitator's are [`Invalid::code`] and
    /// `zk402_facilitator::metrics::FAILURE_REASONS`).
    pub const OWN: [&'static str; 2] = ["resource_mismatch", "method_mismatch"];

    /// Stable machine-readable code (snake_case).
    pub fn code(&self) -> &str {
        match self {
            Refusal::ResourceMismatch => Refusal::OWN[0],
            Refusal::MethodMismatch => Refusal::OWN[1],
            Refusal::Invalid(invalid) => invalid.code(),
            Refusal::Settlement(reason) => reason,
        }
    }

    /// A sentence for the payer.
    pub fn message(&self) -> String {
        match self {
            Refusal::ResourceMismatch => "the challenge was issued for another resource".into(),
            Refusal::MethodMismatch => "the challenge was issued for another HTTP method".into(),
            Refusal::Invalid(invalid) => invalid.to_string(),
            Refusal::Settlement(reason) => format!("the proof could not be settled on chain: {reason}"),
        }
    }
}
