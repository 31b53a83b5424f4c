//! Independent checks with snarkjs: our wasm witness calculator computes the same witness as
//! `snarkjs wtns calculate`, and `snarkjs wtns check` agrees with our R1CS check on a valid
//! witness and on a cheating one.

mod common;

use common::Payment;
use zk402_circuit::Fr;
use zk402_circuit::artifacts::ArtifactPaths;
use zk402_circuit::field::fr_to_decimal;
use zk402_circuit::witness::{AssertPolicy, WitnessCalculator};
use zk402_circuit::wtns;

fn our_witness(p: &Payment, policy: AssertPolicy) -> Vec<Fr> {
    let wasm = std::fs::read(ArtifactPaths::committed().wasm).unwrap();
    p.assemble().witness(&mut WitnessCalculator::new(&wasm).unwrap(), policy).unwrap().values
}

fn snarkjs(args: &[&str]) -> std::process::Output {
    common::node_command("npx").args(["--no-install", "snarkjs"]).args(args).output().expect("npx runs")
}

#[test]
fn witness_matches_snarkjs() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = Payment::valid().assemble();
    let json: serde_json::Map<String, serde_json::Value> =
        inputs.signals().iter().map(|(n, v)| (n.to_string(), fr_to_decimal(v).into())).collect();
    let input_path = dir.path().join("input.json");
    std::fs::write(&input_path, serde_json::to_vec(&json).unwrap()).unwrap();
    let out_path = dir.path().join("snarkjs.wtns");
    let paths = ArtifactPaths::committed();
    let out = snarkjs(&[
        "wtns",
        "calculate",
        paths.wasm.to_str().unwrap(),
        input_path.to_str().unwrap(),
        out_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let theirs = wtns::read(&std::fs::read(&out_path).unwrap()).unwrap();
    assert_eq!(our_witness(&Payment::valid(), AssertPolicy::Enforce), theirs);
}

#[test]
fn snarkjs_r1cs_check_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let r1cs = ArtifactPaths::committed().r1cs;
    let cheat = Payment { amount: Fr::from(999_999u64), ..Payment::valid() };
    for (payment, accepted) in [(Payment::valid(), true), (cheat, false)] {
        let path = dir.path().join("w.wtns");
        std::fs::write(&path, wtns::write(&our_witness(&payment, AssertPolicy::Record))).unwrap();
        let out = snarkjs(&["wtns", "check", r1cs.to_str().unwrap(), path.to_str().unwrap()]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(stdout.contains("WITNESS IS CORRECT"), accepted, "snarkjs said: {stdout}");
    }
}
