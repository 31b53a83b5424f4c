//! Events the merchant reads to confirm access.

use anchor_lang::prelude::*;

/// One proof verified and its nullifier recorded.
#[event]
pub struct PaymentVerified {
    /// The policy account the proof satisfied.
    pub policy: Pubkey,
    /// The receipt's nullifier (public input 3), big-endian.
    pub nullifier: [u8; 32],
    /// The x402 challenge binding (public input 4), big-endian.
    pub request_hash: [u8; 32],
    /// The proof's `now` (public input 2), unix seconds.
    pub now: i64,
}

/// Logs an event exactly as `emit!` does on chain (`sol_log_data` of discriminator ‖ Borsh,
/// shown as "Program data: <base64>"). Anchor's `emit!` does nothing off chain; this routes
/// host builds — the native tests and the sdk's in-process runtime — through the syscall stubs,
/// so their logs carry the events a merchant reads.
pub fn emit<E: anchor_lang::Event>(event: &E) {
    let data = event.data();
    #[cfg(target_os = "solana")]
    anchor_lang::solana_program::log::sol_log_data(&[&data]);
    #[cfg(not(target_os = "solana"))]
    solana_sysvar::program_stubs::sol_log_data(&[&data]);
}
