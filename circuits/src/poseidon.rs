//! Poseidon over BN254 with circomlib's parameters (`circomlib/circuits/poseidon.circom`).

use crate::field::Fr;
use light_poseidon::{Poseidon, PoseidonHasher};

/// Poseidon hash of `N` field elements (1 <= N <= 12), identical to circomlib's `Poseidon(N)`.
pub fn poseidon<const N: usize>(inputs: &[Fr; N]) -> Fr {
    const { assert!(N >= 1 && N <= 12, "circomlib Poseidon takes 1 to 12 inputs") };
    Poseidon::<Fr>::new_circom(N)
        .and_then(|mut hasher| hasher.hash(inputs))
        .expect("widths 1..=12 are supported and the input count matches")
}
