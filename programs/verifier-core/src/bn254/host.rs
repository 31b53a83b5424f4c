//! Host backend: `solana-bn254`'s arkworks implementation of the syscalls.

use solana_bn254::compression::prelude::{alt_bn128_g1_decompress_be, alt_bn128_g2_decompress_be};
use solana_bn254::prelude::{alt_bn128_g1_addition_be, alt_bn128_g1_multiplication_be, alt_bn128_pairing_be};

pub(super) fn g1_add(input: &[u8; 128]) -> Option<[u8; 64]> {
    alt_bn128_g1_addition_be(input).ok()?.try_into().ok()
}

pub(super) fn g1_mul(input: &[u8; 96]) -> Option<[u8; 64]> {
    alt_bn128_g1_multiplication_be(input).ok()?.try_into().ok()
}

pub(super) fn pairing(input: &[u8]) -> Option<[u8; 32]> {
    alt_bn128_pairing_be(input).ok()?.try_into().ok()
}

pub(super) fn g1_decompress(input: &[u8; 32]) -> Option<[u8; 64]> {
    alt_bn128_g1_decompress_be(input).ok()
}

pub(super) fn g2_decompress(input: &[u8; 64]) -> Option<[u8; 128]> {
    alt_bn128_g2_decompress_be(input).ok()
}
