//! Why a proof is rejected. Codes are stable: add variants only at the end.

/// A verification failure. Every failure is an error: there is no `Ok(false)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum VerifyError {
    /// A public input is not below the scalar field modulus r.
    InputNotInField = 1,
    /// The number of public inputs does not match the verifying key.
    WrongInputCount = 2,
    /// A G1 point (proof A or C, or a key point) is not a valid curve point.
    InvalidG1Point = 3,
    /// The pairing syscall rejected its input (a G2 point off the curve or the subgroup).
    InvalidPairingInput = 4,
    /// The pairing equation does not hold: the proof (or a proof of the batch) is invalid.
    ProofInvalid = 5,
    /// A compressed point does not decompress to a curve point.
    DecompressionFailed = 6,
    /// A batch with no proofs.
    EmptyBatch = 7,
}

impl VerifyError {
    /// The stable numeric code.
    pub fn code(self) -> u32 {
        self as u32
    }
}

impl core::fmt::Display for VerifyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            VerifyError::InputNotInField => "public input is not below the scalar field modulus",
            VerifyError::WrongInputCount => "wrong number of public inputs for the verifying key",
            VerifyError::InvalidG1Point => "a G1 point is not on the curve",
            VerifyError::InvalidPairingInput => "the pairing rejected its input (invalid G2 point)",
            VerifyError::ProofInvalid => "the proof does not verify",
            VerifyError::DecompressionFailed => "a compressed point does not decompress",
            VerifyError::EmptyBatch => "the batch has no proofs",
        })
    }
}
