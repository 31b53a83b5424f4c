//! From the circuit's and prover's types to the program's encodings.

use ark_bn254::Bn254;
use zk402_circuit::field::{fr_from_be_bytes, fr_to_be_bytes};
use zk402_circuit::{Fr, PUBLIC_INPUTS, PublicKey};
use zk402_verifier::instructions::ProofSubmission;
use zk402_verifier_core::ark::{input_from_fr, proof_from_ark};

/// Why a proof cannot be submitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmissionError {
    /// The `now` public signal is not a unix time the program can read (it must fit in an i64).
    #[error("public signal `now` is not a unix time")]
    NowOutOfRange,
}

/// An issuer key as the program stores it: Ax ‖ Ay, 32-byte big-endian each.
pub fn issuer_bytes(key: &PublicKey) -> [u8; 64] {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&fr_to_be_bytes(&key.x));
    out[32..].copy_from_slice(&fr_to_be_bytes(&key.y));
    out
}

/// The inverse of [`issuer_bytes`]: the key a policy account stores, `None` when a coordinate is
/// not below r (the program refuses such keys, so a stored policy always decodes).
pub fn issuer_key(bytes: &[u8; 64]) -> Option<PublicKey> {
    let coordinate = |half: &[u8]| fr_from_be_bytes(half.try_into().ok()?).ok();
    Some(PublicKey { x: coordinate(&bytes[..32])?, y: coordinate(&bytes[32..])? })
}

/// A Groth16 proof and its public signals (verifier order: policy_hash, now, nullifier,
/// request_hash) as `verify_payment` takes them: A negated, points and inputs big-endian;
/// policy_hash is left out (the program reads it from the policy account).
pub fn submission_from_ark(
    proof: &ark_groth16::Proof<Bn254>,
    public_signals: &[Fr; PUBLIC_INPUTS],
) -> Result<ProofSubmission, SubmissionError> {
    let now_input = input_from_fr(&public_signals[1]);
    let (high, low) = now_input.split_at(24);
    let low: [u8; 8] = low.try_into().map_err(|_| SubmissionError::NowOutOfRange)?;
    let now = i64::try_from(u64::from_be_bytes(low)).map_err(|_| SubmissionError::NowOutOfRange)?;
    if high.iter().any(|b| *b != 0) {
        return Err(SubmissionError::NowOutOfRange);
    }
    Ok(ProofSubmission {
        proof: proof_from_ark(proof).to_bytes(),
        now,
        nullifier: input_from_fr(&public_signals[2]),
        request_hash: input_from_fr(&public_signals[3]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::AffineRepr;

    fn proof() -> ark_groth16::Proof<Bn254> {
        ark_groth16::Proof {
            a: ark_bn254::G1Affine::generator(),
            b: ark_bn254::G2Affine::generator(),
            c: ark_bn254::G1Affine::generator(),
        }
    }

    #[test]
    fn issuer_keys_round_trip_and_out_of_field_coordinates_are_refused() {
        let key = zk402_circuit::SigningKey::from_seed(&[3; 32]).public_key();
        assert_eq!(issuer_key(&issuer_bytes(&key)), Some(key));
        let mut bytes = issuer_bytes(&key);
        bytes[32..].fill(0xff);
        assert_eq!(issuer_key(&bytes), None);
    }

    #[test]
    fn inputs_are_big_endian_and_now_must_be_a_unix_time() {
        let signals = [Fr::from(1u64), Fr::from(1_795_000_000u64), Fr::from(3u64), Fr::from(4u64)];
        let s = submission_from_ark(&proof(), &signals).unwrap();
        assert_eq!(s.now, 1_795_000_000);
        assert_eq!(s.nullifier[31], 3);
        assert_eq!(s.request_hash[31], 4);
        assert_eq!(s.nullifier[..31], [0; 31]);

        let too_big = [signals[0], Fr::from(u64::MAX), signals[2], signals[3]];
        assert_eq!(submission_from_ark(&proof(), &too_big).unwrap_err(), SubmissionError::NowOutOfRange);
        let wide = [signals[0], -Fr::from(1u64), signals[2], signals[3]];
        assert_eq!(submission_from_ark(&proof(), &wide).unwrap_err(), SubmissionError::NowOutOfRange);
    }
}
