//! The x402 header values (`zk402_x402::decode_header_bytes`) as a client or the gate reads
//! them: `PAYMENT-REQUIRED` (a `PaymentRequired`), `PAYMENT-SIGNATURE` (a `PaymentPayload`) and
//! `PAYMENT-RESPONSE` (a `SettlementResponse`). Every input is tried as all three. Never
//! panics; whatever decodes re-encodes to a header that decodes to an equal message, and that
//! encoding is stable (encoding the re-decoded message gives the same bytes).

#![no_main]

use libfuzzer_sys::fuzz_target;
use zk402_x402::{HeaderMessage, PaymentPayload, PaymentRequired, SettlementResponse, decode_header_bytes, encode_header};

fn round_trip<T: HeaderMessage + PartialEq + std::fmt::Debug>(data: &[u8]) {
    if let Ok(message) = decode_header_bytes::<T>(data) {
        let header = encode_header(&message);
        let back: T = decode_header_bytes(header.as_bytes()).expect("an encoded header decodes");
        assert_eq!(back, message);
        assert_eq!(encode_header(&back), header, "one encoding per message");
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip::<PaymentRequired>(data);
    round_trip::<PaymentPayload>(data);
    round_trip::<SettlementResponse>(data);
});
