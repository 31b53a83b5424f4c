//! The prover's input JSON (`zk402-prover prove --input`; the body of `POST /v1/proofs` is
//! checked field by field with the same `fr_from_decimal` before it becomes these inputs).
//! Never panics; whatever parses serialises back to an equal value, and a field element
//! parses only from its one canonical decimal spelling.

#![no_main]

use libfuzzer_sys::fuzz_target;
use zk402_circuit::PaymentInputs;
use zk402_circuit::field::{fr_from_decimal, fr_to_decimal};

fuzz_target!(|data: &[u8]| {
    if let Ok(inputs) = serde_json::from_slice::<PaymentInputs>(data) {
        let json = serde_json::to_string(&inputs).expect("parsed inputs serialise");
        let back: PaymentInputs = serde_json::from_str(&json).expect("serialised inputs parse");
        assert_eq!(back, inputs);
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(x) = fr_from_decimal(text)
    {
        assert_eq!(fr_to_decimal(&x), text, "only the canonical spelling parses");
    }
});
