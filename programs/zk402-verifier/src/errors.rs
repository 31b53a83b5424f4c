//! Program errors. Codes follow position: add variants only at the end.

use anchor_lang::prelude::*;

/// Why an instruction failed.
#[error_code]
pub enum ZkError {
    /// A coordinate of the issuer key is not below the scalar field modulus.
    #[msg("issuer key coordinate is not a field element")]
    InvalidIssuerKey,
    /// max_age or clock_window is zero or above its limit.
    #[msg("policy parameter out of range")]
    InvalidPolicyParameter,
    /// update_policy may lower max_age but never raise it (records already set would expire early).
    #[msg("max_age cannot be raised")]
    MaxAgeRaised,
    /// update_policy may lower clock_window but never raise it.
    #[msg("clock_window cannot be raised")]
    ClockWindowRaised,
    /// The proof's `now` is further from the cluster clock than the policy's clock window.
    #[msg("now is outside the clock window")]
    NowOutsideWindow,
    /// A public input is not below the scalar field modulus.
    #[msg("public input is not a field element")]
    InvalidPublicInput,
    /// A proof point is not a valid curve point.
    #[msg("proof encoding is invalid")]
    InvalidProofEncoding,
    /// The pairing check failed: the proof (or one proof of the batch) is invalid.
    #[msg("proof does not verify")]
    ProofInvalid,
    /// The nullifier already has a record: the receipt was spent.
    #[msg("nullifier already used")]
    NullifierAlreadyUsed,
    /// The nullifier account is not the canonical record address of the nullifier.
    #[msg("nullifier account does not match the nullifier")]
    NullifierAccountMismatch,
    /// The record's receipt could still be proved: it cannot be closed yet.
    #[msg("nullifier record has not expired")]
    RecordNotExpired,
    /// A batch must hold between 1 and 10 proofs.
    #[msg("batch size out of range")]
    BatchSizeInvalid,
    /// A buffer write falls outside the buffer.
    #[msg("write outside the proof buffer")]
    BufferOutOfBounds,
    /// The remaining accounts do not match the batch entries.
    #[msg("one nullifier account per batch entry is required")]
    BatchAccountsMismatch,
    /// The proof buffer was opened for another policy.
    #[msg("proof buffer belongs to another policy")]
    PolicyMismatch,
    /// A time computation overflowed.
    #[msg("arithmetic overflow")]
    ArithmeticOverflow,
}

impl From<zk402_verifier_core::VerifyError> for ZkError {
    fn from(e: zk402_verifier_core::VerifyError) -> ZkError {
        use zk402_verifier_core::VerifyError as V;
        match e {
            V::InputNotInField | V::WrongInputCount => ZkError::InvalidPublicInput,
            V::InvalidG1Point | V::InvalidPairingInput | V::DecompressionFailed => ZkError::InvalidProofEncoding,
            V::ProofInvalid => ZkError::ProofInvalid,
            V::EmptyBatch => ZkError::BatchSizeInvalid,
        }
    }
}
