//! Why the gate refused a payment (answered 402), with stable codes.

/// A payment the gate refused. The payer may pay again against the fresh challenge that comes
/// with the refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// The challenge was never issued here, or was purged.
    ChallengeUnknown,
    /// The challenge expired.
    ChallengeExpired,
    /// The challenge already paid for a request.
    ChallengeUsed,
    /// Another attempt with the same challenge is being checked.
    ChallengeInUse,
    /// The payload names another network.
    NetworkMismatch,
    /// The payload, challenge, transaction or record names another policy.
    PolicyMismatch,
    /// The payload names another verifier program.
    ProgramMismatch,
    /// The challenge was issued for another resource.
    ResourceMismatch,
    /// The payload's or the event's request hash is not the challenge's.
    RequestHashMismatch,
    /// The cluster does not know the transaction.
    TransactionNotFound,
    /// The transaction failed on chain.
    TransactionFailed,
    /// The transaction did not call the verifier program with the policy account.
    ProgramNotInvoked,
    /// The verifier program emitted no `PaymentVerified` event for the policy.
    EventMissing,
    /// The event's nullifier is not the payload's.
    NullifierMismatch,
    /// The nullifier has no record on chain.
    NullifierMissing,
}

impl Refusal {
    /// Every refusal, for metrics.
    pub const ALL: [Refusal; 15] = [
        Refusal::ChallengeUnknown,
        Refusal::ChallengeExpired,
        Refusal::ChallengeUsed,
        Refusal::ChallengeInUse,
        Refusal::NetworkMismatch,
        Refusal::PolicyMismatch,
        Refusal::ProgramMismatch,
        Refusal::ResourceMismatch,
        Refusal::RequestHashMismatch,
        Refusal::TransactionNotFound,
        Refusal::TransactionFailed,
        Refusal::ProgramNotInvoked,
        Refusal::EventMissing,
        Refusal::NullifierMismatch,
        Refusal::NullifierMissing,
    ];

    /// Stable machine-readable code (snake_case).
    pub fn code(self) -> &'static str {
        match self {
            Refusal::ChallengeUnknown => "challenge_unknown",
            Refusal::ChallengeExpired => "challenge_expired",
            Refusal::ChallengeUsed => "challenge_used",
            Refusal::ChallengeInUse => "challenge_in_use",
            Refusal::NetworkMismatch => "network_mismatch",
            Refusal::PolicyMismatch => "policy_mismatch",
            Refusal::ProgramMismatch => "program_mismatch",
            Refusal::ResourceMismatch => "resource_mismatch",
            Refusal::RequestHashMismatch => "request_hash_mismatch",
            Refusal::TransactionNotFound => "transaction_not_found",
            Refusal::TransactionFailed => "transaction_failed",
            Refusal::ProgramNotInvoked => "program_not_invoked",
            Refusal::EventMissing => "event_missing",
            Refusal::NullifierMismatch => "nullifier_mismatch",
            Refusal::NullifierMissing => "nullifier_missing",
        }
    }

    /// A sentence for the payer.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::ChallengeUnknown => "the challenge is unknown (never issued here, or purged after expiry)",
            Refusal::ChallengeExpired => "the challenge expired",
            Refusal::ChallengeUsed => "the challenge was already used",
            Refusal::ChallengeInUse => "another payment with this challenge is being checked",
            Refusal::NetworkMismatch => "the payment is for another network",
            Refusal::PolicyMismatch => "the payment is for another policy",
            Refusal::ProgramMismatch => "the payment names another verifier program",
            Refusal::ResourceMismatch => "the challenge was issued for another resource",
            Refusal::RequestHashMismatch => "the request hash does not match the challenge",
            Refusal::TransactionNotFound => "the verifying transaction was not found on chain",
            Refusal::TransactionFailed => "the verifying transaction failed on chain",
            Refusal::ProgramNotInvoked => "the transaction did not call the verifier program with this policy",
            Refusal::EventMissing => "the transaction has no PaymentVerified event for this policy",
            Refusal::NullifierMismatch => "the verified nullifier is not the payload's",
            Refusal::NullifierMissing => "the nullifier has no record on chain",
        }
    }
}
