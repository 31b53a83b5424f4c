//! The 256-byte on-chain proof (−A ‖ B ‖ C) and its public inputs, as `verify_payment` and a
//! proof buffer entry hand them to the verifier. Never panics; bytes round-trip; points that
//! decode round-trip through arkworks and through compression; no input verifies against the
//! program's key (a forged proof would be a soundness failure, not a fuzzing artefact).

#![no_main]

use libfuzzer_sys::fuzz_target;
use zk402_verifier::verification::verifying_key;
use zk402_verifier_core::ark::{compress, proof_from_ark, proof_to_ark};
use zk402_verifier_core::encoding::{PROOF_LEN, Proof};
use zk402_verifier_core::{InputBase, verify};

fuzz_target!(|input: ([u8; PROOF_LEN], [[u8; 32]; 4])| {
    let (bytes, inputs) = input;
    let proof = Proof::from_bytes(&bytes);
    assert_eq!(proof.to_bytes(), bytes);
    if let Ok(ark) = proof_to_ark(&proof) {
        assert_eq!(proof_from_ark(&ark), proof, "decoded points re-encode to the same bytes");
        let compressed = compress(&proof).expect("valid points compress");
        assert_eq!(Proof::from_compressed(&compressed), Ok(proof));
    }
    let vk = verifying_key();
    let base = InputBase::fold(&vk, &inputs[..1]);
    if let Ok(base) = base {
        assert!(verify(&vk, &base, &proof, &inputs[1..]).is_err(), "fuzzed proof verified");
    }
});
