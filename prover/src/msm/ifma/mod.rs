//! G1 bucket additions on AVX-512 IFMA, eight field elements per instruction, where the CPU
//! has it (checked at run time; elsewhere the scalar path runs). The only unsafe code of the
//! crate: SIMD loads and stores of plain arrays, and calls into functions compiled for
//! AVX-512, made only after the CPU was seen to have it.
#![allow(unsafe_code)]

mod chords;
mod fq8;

pub use chords::ChordAdder;

use super::affine::ChordBatch;
use ark_bn254::Fq;
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};

impl<P: SWCurveConfig<BaseField = Fq>> ChordBatch<P> for ChordAdder {
    fn add(&mut self, sums: &mut [Affine<P>], pairs: &[(usize, Affine<P>)]) {
        // SAFETY: a ChordAdder exists only where `detect` found AVX-512 F and IFMA.
        unsafe { ChordAdder::add(self, sums, pairs) }
    }
}
