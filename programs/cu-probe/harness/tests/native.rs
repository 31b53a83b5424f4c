//! The probe's host side on a real fixture (a fresh key and three proofs over the payment
//! circuit): the fixture file round-trips and is checked on load, every case the probe program
//! runs on SBF passes natively through the same code, and each tampering is rejected with its
//! specific code; snarkjs verifies the fixture's proofs. The SBF run itself is `measure.sh` (it needs the pinned nightly toolchain).

use std::sync::OnceLock;
use zk402_circuit::artifacts::ArtifactPaths;
use zk402_cu_probe::case::MAX_PROOFS;
use zk402_cu_probe::run::{Costs, run};
use zk402_cu_probe::{Case, Op, ProbeError};
use zk402_cu_probe_harness::fixture::{Fixture, FixtureError};
use zk402_cu_probe_harness::generate::generate;
use zk402_cu_probe_harness::report::Ops;
use zk402_cu_probe_harness::snarkjs::{self, SnarkjsError};
use zk402_verifier_core::VerifyError;
use zk402_verifier_core::encoding::R_BE;

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| generate(&ArtifactPaths::committed(), 3, 1_763_700_600).expect("fixture"))
}

fn tamper_c(case: &mut Case<'_>, i: usize) {
    let other = case.proof((i + 1) % case.len()).map(|(p, _)| if case.len() == 1 { p.a_neg } else { p.c });
    if let (Some(other), Some(proof)) = (other, case.proof_mut(i)) {
        proof.c = other;
    }
}

#[test]
fn fixture_has_the_payment_circuit_shape_and_round_trips() {
    let f = fixture();
    assert_eq!(f.ic.len(), 5, "4 public inputs");
    assert_eq!(f.folded_inputs.len(), 1, "policy_hash folded");
    assert!(f.proofs.iter().all(|(_, x)| x.len() == 3));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fixture.json");
    f.save(&path).unwrap();
    assert_eq!(Fixture::load(&path).unwrap().to_file(), f.to_file());
}

#[test]
fn fixture_load_rejects_inconsistent_files() {
    let good = fixture().to_file();
    let mut bad_base = good.clone();
    bad_base.base = good.vk.ic[0].clone();
    assert!(matches!(Fixture::from_file(&bad_base), Err(FixtureError::BaseMismatch)));
    let mut bad_hex = good.clone();
    bad_hex.vk.alpha_g1.pop();
    assert!(matches!(Fixture::from_file(&bad_hex), Err(FixtureError::Hex { field: "vk.alpha_g1", len: 64 })));
    let mut short = good.clone();
    short.proofs[1].inputs.pop();
    assert!(matches!(Fixture::from_file(&short), Err(FixtureError::InputCount { index: 1, expected: 3 })));
    let mut big = good;
    big.folded_inputs[0] = hex::encode(R_BE);
    assert!(matches!(Fixture::from_file(&big), Err(FixtureError::Core(VerifyError::InputNotInField))));
}

#[test]
fn every_probe_case_verifies_natively() {
    let f = fixture();
    assert_eq!(run(&f.single().unwrap().encode()), Ok(()));
    assert_eq!(run(&f.unfolded(Op::Verify).unwrap().case(f).encode()), Ok(()));
    assert_eq!(run(&f.unfolded(Op::PeerVerify).unwrap().case(f).encode()), Ok(()));
    for n in 1..=3 {
        assert_eq!(run(&f.batch(n).unwrap().encode()), Ok(()), "batch of {n}");
    }
    assert!(matches!(f.batch(4), Err(FixtureError::TooFewProofs { have: 3, need: 4 })));
}

#[test]
fn tampered_cases_are_rejected_with_their_codes() {
    let f = fixture();
    let mut single = f.single().unwrap();
    tamper_c(&mut single, 0);
    assert_eq!(run(&single.encode()), Err(ProbeError::Core(VerifyError::ProofInvalid)));

    let unfolded = f.unfolded(Op::PeerVerify).unwrap();
    let mut peer = unfolded.case(f);
    tamper_c(&mut peer, 0);
    assert_eq!(run(&peer.encode()), Err(ProbeError::Peer(1)));

    let mut batch = f.batch(3).unwrap();
    tamper_c(&mut batch, 2);
    assert_eq!(run(&batch.encode()), Err(ProbeError::Core(VerifyError::ProofInvalid)));

    let (proof, _) = f.single().unwrap().proof(0).map(|(p, x)| (*p, x)).unwrap();
    let too_big = [f.proofs[0].1[0], f.proofs[0].1[1], R_BE];
    let case = Case::single(Op::Verify, f.vk(), f.base, proof, &too_big);
    assert_eq!(run(&case.encode()), Err(ProbeError::Core(VerifyError::InputNotInField)));
    assert_eq!(ProbeError::Peer(1).code(), 101);
    assert_eq!(ProbeError::Core(VerifyError::ProofInvalid).code(), 5);
}

#[test]
fn malformed_instruction_data_is_rejected() {
    let f = fixture();
    let data = f.batch(2).unwrap().encode();
    assert_eq!(run(&data[..data.len() - 1]), Err(ProbeError::Malformed), "truncated");
    assert_eq!(run(&[data.clone(), vec![0]].concat()), Err(ProbeError::Malformed), "trailing byte");
    let mut op = data.clone();
    op[0] = 9;
    assert_eq!(run(&op), Err(ProbeError::Malformed), "unknown op");
    let folded_at = 2 + 64 + 3 * 128 + 5 * 64;
    let mut folded = data.clone();
    folded[folded_at] = 5;
    assert_eq!(run(&folded), Err(ProbeError::Malformed), "more folded inputs than the key has");
    let mut single_of_two = data;
    single_of_two[0] = Op::Verify as u8;
    assert_eq!(run(&single_of_two), Err(ProbeError::Malformed), "single verify of two proofs");
    assert_eq!(run(&[]), Err(ProbeError::Malformed), "empty");

    let (proof, inputs) = (f.proofs[0].0, &f.proofs[0].1[..]);
    let many: Vec<_> = (0..=MAX_PROOFS).map(|_| (proof, inputs)).collect();
    assert_eq!(Case::new(Op::VerifyBatch, f.vk(), f.base, &many).err(), Some(ProbeError::Malformed));
}

#[test]
fn costs_round_trip_and_the_model_counts_syscalls() {
    let costs = Costs { verify: 87_037, record: 640, weights: 1_072, scalars: 13_793 };
    assert_eq!(Costs::from_bytes(&costs.to_bytes()), Some(costs));
    assert_eq!(Costs::from_bytes(&[0; 8]), None);
    let batch = Ops::batch(10, 3);
    assert_eq!((batch.pairs, batch.muls, batch.adds), (13, 23, 12), "2N+3 muls, N+3 pairs");
    assert_eq!(Ops::single(3).cost(), 36_364 + 3 * 12_121 + 3 * 3_840 + 3 * 334);
    assert_eq!(batch.cost(), 36_364 + 12 * 12_121 + 23 * 3_840 + 12 * 334);
}

fn snarkjs_verify(dir: &std::path::Path, proof: &serde_json::Value, public: &serde_json::Value) -> bool {
    let write = |name: &str, v: &serde_json::Value| std::fs::write(dir.join(name), v.to_string()).unwrap();
    write("vk.json", &snarkjs::vk_json(fixture()));
    write("proof.json", proof);
    write("public.json", public);
    let circuits = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../circuits");
    let out = std::process::Command::new("npx")
        .args(["--no-install", "snarkjs", "groth16", "verify"])
        .args([dir.join("vk.json"), dir.join("public.json"), dir.join("proof.json")])
        .current_dir(circuits)
        .output()
        .expect("npx (circuits/node_modules: npm ci --prefix circuits)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("OK!") || stdout.contains("Invalid proof"), "snarkjs: {stdout}");
    out.status.success() && stdout.contains("OK!")
}

#[test]
fn snarkjs_accepts_the_fixture_and_rejects_a_tampered_proof() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let (proof, public) = snarkjs::proof_json(f, 0).unwrap();
    assert!(snarkjs_verify(dir.path(), &proof, &public));
    let (other, _) = snarkjs::proof_json(f, 1).unwrap();
    let mut tampered = proof.clone();
    tampered["pi_c"] = other["pi_c"].clone();
    assert!(!snarkjs_verify(dir.path(), &tampered, &public));
}

#[test]
fn snarkjs_json_round_trips_and_is_checked() {
    let f = fixture();
    let vk = snarkjs::vk_json(f);
    let proofs: Vec<_> = (0..f.proofs.len()).map(|i| snarkjs::proof_json(f, i).unwrap()).collect();
    let back = snarkjs::fixture(f.source.clone(), &vk, &proofs, 1).unwrap();
    assert_eq!(back.to_file(), f.to_file());

    let mut bad = proofs.clone();
    bad[1].1[0] = serde_json::json!("1");
    assert!(matches!(snarkjs::fixture(String::new(), &vk, &bad, 1), Err(SnarkjsError::Shape(_))), "policy differs");
    let mut big = proofs.clone();
    big[0].0["pi_c"][0] = serde_json::json!(format!("0{}", big[0].0["pi_c"][0].as_str().unwrap()));
    assert!(matches!(snarkjs::fixture(String::new(), &vk, &big, 1), Err(SnarkjsError::Field("pi_c"))), "non-canonical");
    let mut shape = vk.clone();
    shape["vk_beta_2"][2] = serde_json::json!(["0", "0"]);
    assert!(matches!(snarkjs::fixture(String::new(), &shape, &proofs, 1), Err(SnarkjsError::Shape("vk_beta_2"))));
}
