//! snarkjs `.zkey` (Groth16, contributed: ten sections) read by the ceremony and the prover.
//! Never panics or over-allocates; a file that parses is written back byte for byte.

#![no_main]

use libfuzzer_sys::fuzz_target;
use zk402_ceremony::zkey::Zkey;

fuzz_target!(|data: &[u8]| {
    if let Ok(zkey) = Zkey::read(data) {
        assert!(zkey.write() == data, "a parsed zkey is reproduced exactly");
    }
});
