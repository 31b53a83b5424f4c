//! The library prover against snarkjs in both directions, and every refusal.

mod common;

use ark_ff::{One, Zero};
use common::{prover, snarkjs, snarkjs_verifies, valid_inputs, wasm_path, zkey_path};
use zk402_circuit::{Fr, SignatureError, StatementError};
use zk402_prover::prover::verify;
use zk402_prover::witness::WitnessEngine;
use zk402_prover::{ProofJson, ProveError, Prover, SnarkjsProof};

#[test]
fn proof_verifies_with_snarkjs_and_arkworks_in_design_order() {
    let inputs = valid_inputs();
    let proof = prover().prove(&inputs).unwrap();
    assert_eq!(proof.public_signals, [inputs.policy_hash, inputs.now, inputs.nullifier, inputs.request_hash]);
    assert!(verify(prover().key(), &proof.proof, &proof.public_signals));
    let json = proof.to_json();
    assert!(snarkjs_verifies(&json), "snarkjs rejected our proof");

    // The proof is bound to its public signals: another request_hash fails, in both verifiers.
    let mut rebound = proof.public_signals;
    rebound[3] += Fr::one();
    assert!(!verify(prover().key(), &proof.proof, &rebound));
    let mut json_rebound = json.clone();
    json_rebound.public_signals[3] = zk402_circuit::field::fr_to_decimal(&rebound[3]);
    assert!(!snarkjs_verifies(&json_rebound), "snarkjs accepted a re-bound proof");
}

#[test]
fn snarkjs_proof_verifies_with_our_key() {
    let inputs = valid_inputs();
    let dir = tempfile::tempdir().unwrap();
    let (input, proof_path, public_path) =
        (dir.path().join("input.json"), dir.path().join("proof.json"), dir.path().join("public.json"));
    std::fs::write(&input, serde_json::to_vec(&inputs).unwrap()).unwrap();
    let s = |p: &std::path::Path| p.to_str().unwrap().to_owned();
    let out = snarkjs(&[
        "groth16",
        "fullprove",
        &s(&input),
        &s(&wasm_path()),
        &s(&zkey_path()),
        &s(&proof_path),
        &s(&public_path),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let proof: SnarkjsProof = serde_json::from_slice(&std::fs::read(&proof_path).unwrap()).unwrap();
    let public: Vec<String> = serde_json::from_slice(&std::fs::read(&public_path).unwrap()).unwrap();
    let ours = ProofJson { proof: proof.clone(), public_signals: public.clone() };
    assert!(snarkjs_verifies(&ours), "fixture sanity: snarkjs verifies its own proof");
    let public: Vec<Fr> = public.iter().map(|s| zk402_circuit::field::fr_from_decimal(s).unwrap()).collect();
    assert_eq!(public, inputs.public_signals(), "snarkjs orders public signals as DESIGN.md does");
    assert!(verify(prover().key(), &proof.to_ark().unwrap(), &public));
}

/// Changes one input so that one check fails.
type Breaker = Box<dyn Fn(&mut zk402_circuit::PaymentInputs)>;

#[test]
fn statement_errors_name_the_failed_check() {
    let cases: Vec<(Breaker, StatementError)> = vec![
        (Box::new(|i| i.amount = Fr::from(u64::MAX) + Fr::one()), StatementError::OutOfRange("amount")),
        (Box::new(|i| i.price = Fr::from(2_000_000u64)), StatementError::NoSuchCredit),
        (Box::new(|i| i.paid_at = i.now + Fr::one()), StatementError::PaidInFuture),
        (Box::new(|i| i.now += Fr::from(3_600u64)), StatementError::ReceiptTooOld),
        (Box::new(|i| i.policy_hash += Fr::one()), StatementError::PolicyHashMismatch),
        (Box::new(|i| i.secret += Fr::one()), StatementError::BadSignature(SignatureError::Invalid)),
        (Box::new(|i| i.nullifier += Fr::one()), StatementError::NullifierMismatch),
    ];
    for (breaks, expected) in cases {
        let mut inputs = valid_inputs();
        breaks(&mut inputs);
        match prover().prove(&inputs) {
            Err(ProveError::Statement(e)) => assert_eq!(e, expected),
            other => panic!("expected {expected:?}, got {other:?}"),
        }
    }
}

#[test]
fn a_witness_that_breaks_a_constraint_never_yields_a_proof() {
    let p = prover();
    let witness = p.witness(&valid_inputs()).unwrap();
    // A private wire changed after the fact: exactly what an unchecked calculator could hand over.
    let mut bad = witness.clone();
    let last = bad.len() - 1;
    bad[last] += Fr::one();
    assert!(matches!(p.prove_witness(&bad), Err(ProveError::SelfCheckFailed)));
    let mut bad = witness.clone();
    bad[0] = Fr::zero();
    assert!(matches!(p.prove_witness(&bad), Err(ProveError::WitnessShape(_))));
    assert!(matches!(p.prove_witness(&witness[1..]), Err(ProveError::WitnessShape(_))));
    assert!(p.prove_witness(&witness).is_ok());
}

#[test]
fn bad_key_or_circuit_files_are_errors() {
    let zkey = std::fs::read(zkey_path()).unwrap();
    let wasm = std::fs::read(wasm_path()).unwrap();
    assert!(Prover::from_bytes(&zkey[..zkey.len() / 2], &wasm, WitnessEngine::Auto).is_err());
    assert!(Prover::from_bytes(&zkey, &wasm[..100], WitnessEngine::Auto).is_err());
    assert!(Prover::from_bytes(b"not a zkey", &wasm, WitnessEngine::Auto).is_err());
}

#[test]
fn a_zkey_whose_point_sets_do_not_fit_its_header_is_refused() {
    let mut zkey = zk402_ceremony::Zkey::read(&std::fs::read(zkey_path()).unwrap()).unwrap();
    zkey.h.pop();
    let refused = zk402_prover::key::ProvingKey::from_zkey(zkey, [0; 32]);
    assert!(matches!(refused, Err(zk402_prover::key::KeyError::Shape("H"))));
}
