//! Solana backend: the `sol_alt_bn128_group_op` and `sol_alt_bn128_compression` syscalls,
//! big-endian operation codes. The only unsafe code of the crate.
#![allow(unsafe_code)]

use solana_define_syscall::definitions::{sol_alt_bn128_compression, sol_alt_bn128_group_op};

const G1_ADD_BE: u64 = 0;
const G1_MUL_BE: u64 = 2;
const PAIRING_BE: u64 = 3;
const G1_DECOMPRESS_BE: u64 = 1;
const G2_DECOMPRESS_BE: u64 = 3;

fn group_op<const N: usize>(op: u64, input: &[u8]) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    // SAFETY: `input` is a live slice of the given length and `out` a writable buffer of the
    // size the runtime writes for this operation (64 bytes for add/mul, 32 for pairing).
    let rc = unsafe { sol_alt_bn128_group_op(op, input.as_ptr(), input.len() as u64, out.as_mut_ptr()) };
    (rc == 0).then_some(out)
}

fn compression_op<const N: usize>(op: u64, input: &[u8]) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    // SAFETY: as above; decompression writes 64 (G1) or 128 (G2) bytes.
    let rc = unsafe { sol_alt_bn128_compression(op, input.as_ptr(), input.len() as u64, out.as_mut_ptr()) };
    (rc == 0).then_some(out)
}

pub(super) fn g1_add(input: &[u8; 128]) -> Option<[u8; 64]> {
    group_op(G1_ADD_BE, input)
}

pub(super) fn g1_mul(input: &[u8; 96]) -> Option<[u8; 64]> {
    group_op(G1_MUL_BE, input)
}

pub(super) fn pairing(input: &[u8]) -> Option<[u8; 32]> {
    group_op(PAIRING_BE, input)
}

pub(super) fn g1_decompress(input: &[u8; 32]) -> Option<[u8; 64]> {
    compression_op(G1_DECOMPRESS_BE, input)
}

pub(super) fn g2_decompress(input: &[u8; 64]) -> Option<[u8; 128]> {
    compression_op(G2_DECOMPRESS_BE, input)
}
