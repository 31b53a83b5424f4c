//! `PaymentVerified` events from a transaction's log lines.

use anchor_lang::{AnchorDeserialize, Discriminator};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use zk402_verifier::events::PaymentVerified;

/// The `PaymentVerified` events in `logs`, in order. A validator logs an event as
/// `Program data: <base64>`; the in-process runtime as `Program log: Program data: <base64>`;
/// both are read. Lines that are not well-formed events of this type are skipped.
pub fn payment_events(logs: &[String]) -> Vec<PaymentVerified> {
    logs.iter()
        .map(|line| line.strip_prefix("Program log: ").unwrap_or(line))
        .filter_map(|line| line.strip_prefix("Program data: "))
        .filter_map(|fields| fields.split(' ').next())
        .filter_map(|field| STANDARD.decode(field).ok())
        .filter_map(|bytes| decode_event(&bytes))
        .collect()
}

fn decode_event(bytes: &[u8]) -> Option<PaymentVerified> {
    let mut body = bytes.strip_prefix(PaymentVerified::DISCRIMINATOR)?;
    let event = PaymentVerified::deserialize(&mut body).ok()?;
    body.is_empty().then_some(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::Event;
    use anchor_lang::prelude::Pubkey;

    fn event() -> PaymentVerified {
        PaymentVerified { policy: Pubkey::new_unique(), nullifier: [7; 32], request_hash: [9; 32], now: 1_795_000_000 }
    }

    #[test]
    fn both_log_forms_are_read_and_garbage_is_skipped() {
        let data = STANDARD.encode(event().data());
        let logs = vec![
            "Program 6ko1pTwu6bQRMWLcpcQyRzGPdnALrK3gp8gM3V5Jtszy invoke [1]".to_string(),
            format!("Program data: {data}"),
            format!("Program log: Program data: {data}"),
            "Program data: !!not base64!!".to_string(),
            format!("Program data: {}", STANDARD.encode([1, 2, 3])),
            format!("Program data: {}", STANDARD.encode(&event().data()[..40])),
            format!("Program data: {}", STANDARD.encode([event().data(), vec![0]].concat())),
        ];
        let events = payment_events(&logs);
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].nullifier, [7; 32]);
        assert_eq!(events[1].request_hash, [9; 32]);
        assert_eq!(events[1].now, 1_795_000_000);
    }
}
