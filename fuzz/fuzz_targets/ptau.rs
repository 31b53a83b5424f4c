//! snarkjs `.ptau` (raw or prepared for phase 2) read by the ceremony. Never panics or
//! over-allocates; a file that parses is written back byte for byte.

#![no_main]

use libfuzzer_sys::fuzz_target;
use zk402_ceremony::ptau::Ptau;

fuzz_target!(|data: &[u8]| {
    if let Ok(ptau) = Ptau::read(data) {
        assert!(ptau.write() == data, "a parsed ptau is reproduced exactly");
    }
});
