//! snarkjs `proof.json` and the prover's answer `{proof, public_signals}`, parsed by
//! `prover/src/proof.rs` (compiled in from its source file: the prover crate itself would pull
//! wasmtime and axum into the instrumented build). Never panics; a proof whose points validate
//! is written back to the same JSON value.

#![no_main]

#[allow(dead_code)]
#[path = "../../prover/src/proof.rs"]
mod proof;

use libfuzzer_sys::fuzz_target;
use proof::{ProofJson, SnarkjsProof};

fn check(proof: &SnarkjsProof) {
    if let Ok(ark) = proof.to_ark() {
        let again = SnarkjsProof::from_ark(&ark);
        assert_eq!(&again, proof, "a valid proof JSON is canonical");
        assert_eq!(again.to_ark(), Ok(ark));
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(answer) = serde_json::from_slice::<ProofJson>(data) {
        check(&answer.proof);
        let json = serde_json::to_vec(&answer).expect("a parsed answer serialises");
        assert_eq!(serde_json::from_slice::<ProofJson>(&json).ok(), Some(answer));
    } else if let Ok(proof) = serde_json::from_slice::<SnarkjsProof>(data) {
        check(&proof);
    }
});
