//! G1 and G2 bucket additions on AVX-512 IFMA, eight field elements per instruction, where
//! the CPU has it (checked at run time; elsewhere the scalar path runs). The only unsafe code
//! of the crate: SIMD loads and stores of plain arrays, and calls into functions compiled for
//! AVX-512, made only after the CPU was seen to have it.
#![allow(unsafe_code)]

mod chords;
mod fq8;
mod g1;
mod g2;

pub use chords::{ChordAdder, LaneFormulas};

use super::affine::ChordBatch;
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};

/// Whether the IFMA lanes run: the CPU has AVX-512 F and IFMA, and `ZK402_PROVER_IFMA` is not
/// `off` (a switch for measuring the scalar path on the same machine).
pub fn available() -> bool {
    is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512ifma")
        && std::env::var_os("ZK402_PROVER_IFMA").is_none_or(|v| v != "off")
}

/// Chord additions on IFMA lanes over P's coordinate field, where the CPU has them.
pub fn chord_batch<P: SWCurveConfig>() -> Option<Box<dyn ChordBatch<P>>>
where
    P::BaseField: LaneFormulas,
{
    ChordAdder::<P::BaseField>::detect().map(|adder| Box::new(adder) as Box<dyn ChordBatch<P>>)
}

impl<P: SWCurveConfig> ChordBatch<P> for ChordAdder<P::BaseField>
where
    P::BaseField: LaneFormulas,
{
    fn add(&mut self, sums: &mut [Affine<P>], pairs: &[(usize, Affine<P>)]) {
        // SAFETY: a ChordAdder exists only where `detect` found AVX-512 F and IFMA.
        unsafe { ChordAdder::add(self, sums, pairs) }
    }
}
