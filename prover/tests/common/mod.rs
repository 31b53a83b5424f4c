//! Shared fixtures: a proving key for the committed circuit, one loaded prover per test
//! binary, and snarkjs as the independent verifier.
//!
//! The zkey comes from `ZK402_TEST_ZKEY` if set, else the committed test ceremony
//! (`ceremony/test-ceremony/payment_final.zkey`), else it is made once per machine with
//! snarkjs (new 2^13 powers of tau, one contribution each phase) under the target dir,
//! keyed by the r1cs hash — a few minutes the first time, then reused.

#![allow(dead_code, missing_docs)]

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};
use zk402_circuit::artifacts::ArtifactPaths;
use zk402_circuit::{Fr, PaymentInputs};
use zk402_prover::{ProofJson, Prover, sample};

pub fn circuits_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../circuits")
}

pub fn wasm_path() -> PathBuf {
    ArtifactPaths::committed().wasm
}

/// Runs `snarkjs` from circuits/ (its npm peers), failing the test on a non-zero exit.
pub fn snarkjs(args: &[&str]) -> std::process::Output {
    assert!(circuits_dir().join("node_modules").is_dir(), "run `npm ci --prefix circuits` first");
    Command::new("npx")
        .current_dir(circuits_dir())
        .args(["--no-install", "snarkjs"])
        .args(args)
        .output()
        .expect("running npx snarkjs")
}

fn run_ok(args: &[&str]) {
    let out = snarkjs(args);
    assert!(out.status.success(), "snarkjs {args:?} failed:\n{}", String::from_utf8_lossy(&out.stdout));
}

fn random_entropy() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("randomness");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The test proving key (see the module docs).
pub fn zkey_path() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        if let Some(path) = std::env::var_os("ZK402_TEST_ZKEY") {
            return PathBuf::from(path);
        }
        let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ceremony/test-ceremony/payment_final.zkey");
        if committed.is_file() {
            return committed;
        }
        let r1cs = std::fs::read(ArtifactPaths::committed().r1cs).expect("committed r1cs");
        let tag: String = Sha256::digest(&r1cs)[..8].iter().map(|b| format!("{b:02x}")).collect();
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("zk402-prover-zkey-{tag}"));
        let zkey = dir.join("payment.zkey");
        if zkey.is_file() {
            return zkey;
        }
        let work = dir.with_extension(format!("tmp{}", std::process::id()));
        std::fs::create_dir_all(&work).expect("fixture dir");
        let p = |name: &str| work.join(name).to_str().expect("utf-8 path").to_owned();
        let r1cs_path = ArtifactPaths::committed().r1cs.to_str().expect("utf-8 path").to_owned();
        eprintln!("making a test zkey with snarkjs in {} (a few minutes, once)", dir.display());
        run_ok(&["powersoftau", "new", "bn128", "13", &p("0.ptau")]);
        run_ok(&[
            "powersoftau",
            "contribute",
            &p("0.ptau"),
            &p("1.ptau"),
            "--name=test",
            &format!("-e={}", random_entropy()),
        ]);
        run_ok(&["powersoftau", "prepare", "phase2", &p("1.ptau"), &p("final.ptau")]);
        run_ok(&["groth16", "setup", &r1cs_path, &p("final.ptau"), &p("0.zkey")]);
        run_ok(&[
            "zkey",
            "contribute",
            &p("0.zkey"),
            &p("payment.zkey"),
            "--name=test",
            &format!("-e={}", random_entropy()),
        ]);
        std::fs::create_dir_all(&dir).expect("fixture dir");
        std::fs::rename(work.join("payment.zkey"), &zkey).expect("moving the zkey into place");
        let _ = std::fs::remove_dir_all(&work);
        zkey
    })
    .clone()
}

/// snarkjs's verification key for the test zkey, exported once per test binary into the
/// target's scratch directory (never beside a committed zkey).
pub fn vk_path() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let zkey = zkey_path();
        let vk = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("payment-vk-{}.json", std::process::id()));
        run_ok(&["zkey", "export", "verificationkey", zkey.to_str().unwrap(), vk.to_str().unwrap()]);
        vk
    })
    .clone()
}

/// One prover per test binary.
pub fn prover() -> Arc<Prover> {
    static PROVER: OnceLock<Arc<Prover>> = OnceLock::new();
    PROVER.get_or_init(|| Arc::new(Prover::load(&zkey_path(), &wasm_path()).expect("loading the prover"))).clone()
}

/// Fresh valid inputs (new issuer and secret each call).
pub fn valid_inputs() -> PaymentInputs {
    sample::payment(sample::unix_now(), 600, Fr::from(0xabcdefu64)).expect("sample inputs")
}

/// `snarkjs groth16 verify` on a proof and its public signals.
pub fn snarkjs_verifies(proof: &ProofJson) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let proof_path = dir.path().join("proof.json");
    let public_path = dir.path().join("public.json");
    std::fs::write(&proof_path, serde_json::to_vec(&proof.proof).unwrap()).unwrap();
    std::fs::write(&public_path, serde_json::to_vec(&proof.public_signals).unwrap()).unwrap();
    let out = snarkjs(&[
        "groth16",
        "verify",
        vk_path().to_str().unwrap(),
        public_path.to_str().unwrap(),
        proof_path.to_str().unwrap(),
    ]);
    out.status.success() && String::from_utf8_lossy(&out.stdout).contains("OK")
}
