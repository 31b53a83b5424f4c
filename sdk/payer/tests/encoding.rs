//! Proof encodings round-trip with snarkjs JSON: prover answer → `verify_payment` bytes →
//! snarkjs JSON again, and the compressed form decompresses to the same points; malformed
//! answers are refused with a precise error.

use zk402_circuit::Fr;
use zk402_circuit::artifacts::ArtifactPaths;
use zk402_payer::encoding::{EncodingError, compressed_proof, submission_from_json, submission_to_json};
use zk402_prover::{ProofJson, Prover, sample};
use zk402_verifier_core::encoding::Proof;

fn proof() -> (ProofJson, Fr) {
    let zkey = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ceremony/test-ceremony/payment_final.zkey");
    let prover = Prover::load(&zkey, &ArtifactPaths::committed().wasm).expect("prover");
    let inputs = sample::payment(sample::unix_now(), 600, Fr::from(42u64)).expect("inputs");
    (prover.prove(&inputs).expect("proof").to_json(), inputs.policy_hash)
}

#[test]
fn round_trips_and_refuses_malformed_answers() {
    let (json, policy_hash) = proof();
    let submission = submission_from_json(&json).expect("submission");
    assert_eq!(submission_to_json(&submission, &policy_hash).expect("back to JSON"), json);
    let compressed = compressed_proof(&submission).expect("compressed");
    assert_eq!(Proof::from_compressed(&compressed).expect("decompressed"), Proof::from_bytes(&submission.proof));

    let mut short = json.clone();
    short.public_signals.pop();
    assert!(matches!(submission_from_json(&short), Err(EncodingError::Signals(_))));
    let mut padded = json.clone();
    padded.public_signals[0] = format!("0{}", padded.public_signals[0]);
    assert!(matches!(submission_from_json(&padded), Err(EncodingError::Signals(_))));
    let mut late = json.clone();
    late.public_signals[1] = "18446744073709551616".into();
    assert_eq!(submission_from_json(&late), Err(EncodingError::Now));
    let mut off_curve = json.clone();
    off_curve.proof.pi_a[1] = "5".into();
    assert!(matches!(submission_from_json(&off_curve), Err(EncodingError::Proof(_))));
    let mut garbage = submission.clone();
    garbage.proof[..64].fill(0xff);
    assert!(matches!(submission_to_json(&garbage, &policy_hash), Err(EncodingError::Bytes(_))));
}
