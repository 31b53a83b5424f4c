//! The four alt_bn128 operations verification needs, as fixed-size byte functions: syscalls on
//! Solana, `solana-bn254`'s host implementation elsewhere (identical semantics).

#[cfg(not(target_os = "solana"))]
mod host;
#[cfg(target_os = "solana")]
mod syscalls;

#[cfg(not(target_os = "solana"))]
use host as backend;
#[cfg(target_os = "solana")]
use syscalls as backend;

use crate::error::VerifyError;

/// Size of one pairing pair (G1 ‖ G2).
pub const PAIR_LEN: usize = 192;

/// p + q in G1.
pub fn g1_add(p: &[u8; 64], q: &[u8; 64]) -> Result<[u8; 64], VerifyError> {
    let mut input = [0u8; 128];
    input[..64].copy_from_slice(p);
    input[64..].copy_from_slice(q);
    backend::g1_add(&input).ok_or(VerifyError::InvalidG1Point)
}

/// k·p in G1 for a 32-byte big-endian scalar k.
pub fn g1_mul(p: &[u8; 64], k: &[u8; 32]) -> Result<[u8; 64], VerifyError> {
    let mut input = [0u8; 96];
    input[..64].copy_from_slice(p);
    input[64..].copy_from_slice(k);
    backend::g1_mul(&input).ok_or(VerifyError::InvalidG1Point)
}

/// Checks ∏ e(G1_i, G2_i) = 1 over concatenated pairs.
pub fn pairing_check(pairs: &[u8]) -> Result<(), VerifyError> {
    let out = backend::pairing(pairs).ok_or(VerifyError::InvalidPairingInput)?;
    let mut one = [0u8; 32];
    one[31] = 1;
    if out == one { Ok(()) } else { Err(VerifyError::ProofInvalid) }
}

/// Decompresses a G1 point. The identity has one encoding, all zero: the decompression
/// operation also maps any input with the infinity flag set to it, whatever its other bits,
/// and such spellings are refused so that a proof has exactly one compressed form.
pub fn g1_decompress(p: &[u8; 32]) -> Result<[u8; 64], VerifyError> {
    let point = backend::g1_decompress(p).ok_or(VerifyError::DecompressionFailed)?;
    canonical(p, point)
}

/// Decompresses a G2 point (the identity only from all-zero bytes, as for G1).
pub fn g2_decompress(p: &[u8; 64]) -> Result<[u8; 128], VerifyError> {
    let point = backend::g2_decompress(p).ok_or(VerifyError::DecompressionFailed)?;
    canonical(p, point)
}

/// `point` unless it is the identity decoded from bytes that are not all zero.
fn canonical<const C: usize, const U: usize>(compressed: &[u8; C], point: [u8; U]) -> Result<[u8; U], VerifyError> {
    let identity = point.iter().all(|b| *b == 0);
    if identity && compressed.iter().any(|b| *b != 0) { Err(VerifyError::DecompressionFailed) } else { Ok(point) }
}
