//! snarkjs `.wtns` witness files. Never panics or over-allocates; a parsed witness survives a
//! write and read unchanged.

#![no_main]

use libfuzzer_sys::fuzz_target;
use zk402_circuit::wtns;

fuzz_target!(|data: &[u8]| {
    if let Ok(witness) = wtns::read(data) {
        assert_eq!(wtns::read(&wtns::write(&witness)), Ok(witness));
    }
});
