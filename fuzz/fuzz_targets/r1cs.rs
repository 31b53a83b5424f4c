//! circom `.r1cs` read by the circuit crate (and through it the ceremony). Never panics or
//! over-allocates; a parsed system can be checked against a witness without panicking.

#![no_main]

use libfuzzer_sys::fuzz_target;
use zk402_circuit::Fr;
use zk402_circuit::r1cs::R1cs;

fuzz_target!(|data: &[u8]| {
    if let Ok(r1cs) = R1cs::parse(data) {
        assert!(r1cs.n_public() < r1cs.n_wires as usize);
        let mut witness = vec![Fr::from(0u64); r1cs.n_wires as usize];
        witness[0] = Fr::from(1u64);
        let _ = r1cs.unsatisfied(&witness);
        let _ = r1cs.check(&witness[1..]);
    }
});
