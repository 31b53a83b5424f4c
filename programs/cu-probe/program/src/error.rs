//! Why a probe instruction failed, as the program's custom error code.

use zk402_verifier_core::VerifyError;

/// Offset of groth16-solana's error codes in the custom error space.
pub const PEER_ERROR_BASE: u32 = 100;
/// Custom error code of malformed instruction data.
pub const MALFORMED_CODE: u32 = 200;
/// Custom error code of a refused recording into the nullifier shard.
pub const RECORD_CODE: u32 = 201;

/// A probe failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeError {
    /// zk402-verifier-core rejected the case (code = [`VerifyError::code`], 1..).
    Core(VerifyError),
    /// groth16-solana rejected the case (code = [`PEER_ERROR_BASE`] + its own code).
    Peer(u32),
    /// The instruction data does not decode as a case ([`MALFORMED_CODE`]).
    Malformed,
    /// The nullifier shard refused a nullifier ([`RECORD_CODE`]).
    Record,
}

impl ProbeError {
    /// The program's custom error code (`ProgramError::Custom`).
    pub fn code(self) -> u32 {
        match self {
            ProbeError::Core(e) => e.code(),
            ProbeError::Peer(code) => PEER_ERROR_BASE + code,
            ProbeError::Malformed => MALFORMED_CODE,
            ProbeError::Record => RECORD_CODE,
        }
    }
}

impl From<VerifyError> for ProbeError {
    fn from(e: VerifyError) -> ProbeError {
        ProbeError::Core(e)
    }
}
