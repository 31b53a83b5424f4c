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
    /// Retired with the per-nullifier records (kept so later codes keep their numbers).
    #[msg("retired: nullifier account does not match the nullifier")]
    NullifierAccountMismatch,
    /// Retired with the per-nullifier records (kept so later codes keep their numbers).
    #[msg("retired: nullifier record has not expired")]
    RecordNotExpired,
    /// A batch must hold between 1 and 10 proofs.
    #[msg("batch size out of range")]
    BatchSizeInvalid,
    /// A buffer write falls outside the buffer.
    #[msg("write outside the proof buffer")]
    BufferOutOfBounds,
    /// The remaining accounts are not 1 to 10 shards covering every entry's nullifier.
    #[msg("the shards of the batch's nullifiers are required (1 to 10 accounts)")]
    BatchAccountsMismatch,
    /// The proof buffer was opened for another policy.
    #[msg("proof buffer belongs to another policy")]
    PolicyMismatch,
    /// A time computation overflowed.
    #[msg("arithmetic overflow")]
    ArithmeticOverflow,
    /// Every cell the nullifier may occupy in its shard is live: the set needs more capacity.
    #[msg("nullifier shard is full")]
    NullifierShardFull,
    /// The shard account belongs to another policy.
    #[msg("nullifier shard belongs to another policy")]
    ShardPolicyMismatch,
    /// The shard account is not the shard the nullifier hashes to.
    #[msg("wrong nullifier shard for this nullifier")]
    WrongShard,
    /// The account is not a nullifier shard of this program (owner, discriminator or size).
    #[msg("not a nullifier shard account")]
    InvalidShardAccount,
    /// The capacity is not a power of two in range, or the account is not exactly its size.
    #[msg("invalid nullifier shard capacity or account size")]
    InvalidShardCapacity,
    /// An entry of the shard could still be live: it cannot be closed yet.
    #[msg("nullifier shard has unexpired entries")]
    ShardNotExpired,
    /// The policy has no nullifier set yet (`create_nullifier_shard` first).
    #[msg("policy has no nullifier set")]
    NoNullifierSet,
    /// The shard count differs from the policy's, or is 0 or above the limit, or the index is
    /// not below it.
    #[msg("invalid nullifier shard count or index")]
    InvalidShardIndex,
    /// The shard account is not at the address derived for (authority, policy_id, index).
    #[msg("nullifier shard address does not match")]
    ShardAddressMismatch,
    /// Only the shard's authority may close it.
    #[msg("signer is not the shard's authority")]
    NotShardAuthority,
    /// A price of 0 would make every receipt hold unlimited credits.
    #[msg("price must be at least 1 atomic unit")]
    ZeroPrice,
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

impl From<zk402_nullifier_set::SetError> for ZkError {
    fn from(e: zk402_nullifier_set::SetError) -> ZkError {
        use zk402_nullifier_set::SetError as S;
        match e {
            S::AlreadyRecorded => ZkError::NullifierAlreadyUsed,
            S::Full => ZkError::NullifierShardFull,
            S::InvalidCapacity | S::WrongSize => ZkError::InvalidShardCapacity,
            S::Misaligned => ZkError::InvalidShardAccount,
            S::ExpiryOutOfRange => ZkError::ArithmeticOverflow,
            S::InvalidShardCount => ZkError::InvalidShardIndex,
            S::PolicyMismatch => ZkError::ShardPolicyMismatch,
            S::WrongShard => ZkError::WrongShard,
        }
    }
}
