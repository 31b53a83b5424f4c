//! The 128-byte compressed on-chain proof (batch path). Never panics. Decompression checks the
//! curve equation only (a G2 point off the prime-order subgroup decompresses, as the
//! `alt_bn128` syscall does); such a proof must still never verify, because the pairing
//! syscall checks subgroup membership. A proof whose points are all valid has exactly one
//! compressed spelling.

#![no_main]

use libfuzzer_sys::fuzz_target;
use zk402_verifier::verification::verifying_key;
use zk402_verifier_core::ark::{compress, proof_to_ark};
use zk402_verifier_core::encoding::{COMPRESSED_PROOF_LEN, Proof};
use zk402_verifier_core::{InputBase, verify};

fuzz_target!(|input: ([u8; COMPRESSED_PROOF_LEN], [[u8; 32]; 4])| {
    let (bytes, inputs) = input;
    let Ok(proof) = Proof::from_compressed(&bytes) else { return };
    if proof_to_ark(&proof).is_ok() {
        assert_eq!(compress(&proof), Ok(bytes), "accepted compressed proofs are canonical");
    }
    let vk = verifying_key();
    if let Ok(base) = InputBase::fold(&vk, &inputs[..1]) {
        assert!(verify(&vk, &base, &proof, &inputs[1..]).is_err(), "fuzzed proof verified");
    }
});
