//! Proofs between the prover's output (snarkjs `proof.json` + `public.json`) and the verifier
//! program's encoding (−A ‖ B ‖ C big-endian, 256 bytes; 128 bytes compressed), both ways.

use zk402_chain::program::submission_from_ark;
use zk402_circuit::field::{fr_from_be_bytes, fr_from_decimal};
use zk402_circuit::{Fr, PUBLIC_INPUTS};
use zk402_prover::proof::{ProofFormatError, ProofJson, SnarkjsProof, public_signals_json};
use zk402_verifier::instructions::ProofSubmission;
use zk402_verifier_core::ark::{compress, proof_to_ark};
use zk402_verifier_core::encoding::{COMPRESSED_PROOF_LEN, Proof};

/// Why a proof cannot be converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodingError {
    /// The proof JSON is not a valid Groth16 proof.
    #[error("proof: {0}")]
    Proof(#[from] ProofFormatError),
    /// The public signals are not four canonical field elements.
    #[error("public signals: {0}")]
    Signals(String),
    /// `now` is not a unix time the program accepts.
    #[error("public signal `now` is not a unix time the program accepts")]
    Now,
    /// The program bytes do not hold valid points.
    #[error("program proof bytes: {0:?}")]
    Bytes(zk402_verifier_core::VerifyError),
}

/// The public signals of a proof as field elements, checked: exactly four, canonical.
pub fn public_signals(json: &ProofJson) -> Result<[Fr; PUBLIC_INPUTS], EncodingError> {
    if json.public_signals.len() != PUBLIC_INPUTS {
        return Err(EncodingError::Signals(format!(
            "expected {PUBLIC_INPUTS} (policy_hash, now, nullifier, request_hash), got {}",
            json.public_signals.len()
        )));
    }
    let mut out = [Fr::from(0u64); PUBLIC_INPUTS];
    for (slot, text) in out.iter_mut().zip(&json.public_signals) {
        *slot = fr_from_decimal(text).map_err(|e| EncodingError::Signals(format!("{text:?}: {e}")))?;
    }
    Ok(out)
}

/// The `verify_payment` argument for a prover answer (policy_hash is the policy account's).
pub fn submission_from_json(json: &ProofJson) -> Result<ProofSubmission, EncodingError> {
    submission_from_ark(&json.proof.to_ark()?, &public_signals(json)?).map_err(|_| EncodingError::Now)
}

/// The snarkjs form of a submission, given the policy hash it was verified against.
pub fn submission_to_json(submission: &ProofSubmission, policy_hash: &Fr) -> Result<ProofJson, EncodingError> {
    let proof = proof_to_ark(&Proof::from_bytes(&submission.proof)).map_err(EncodingError::Bytes)?;
    let now = u64::try_from(submission.now).map_err(|_| EncodingError::Now)?;
    let field = |bytes: &[u8; 32]| fr_from_be_bytes(bytes).map_err(|e| EncodingError::Signals(e.to_string()));
    let signals = [*policy_hash, Fr::from(now), field(&submission.nullifier)?, field(&submission.request_hash)?];
    Ok(ProofJson { proof: SnarkjsProof::from_ark(&proof), public_signals: public_signals_json(&signals) })
}

/// The 128-byte compressed form of a submission's proof (for size-bound transports).
pub fn compressed_proof(submission: &ProofSubmission) -> Result<[u8; COMPRESSED_PROOF_LEN], EncodingError> {
    compress(&Proof::from_bytes(&submission.proof)).map_err(EncodingError::Bytes)
}
