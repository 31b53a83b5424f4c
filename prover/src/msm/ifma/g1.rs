//! Chord formulas over F_q (G1): six 8-lane multiplications per eight additions, with the
//! chain's three.

use super::chords::LaneFormulas;
use super::fq8::{Fq8, Q, Q2, Q16};
use ark_bn254::Fq;
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};

/// A group of eight G1 chords between the passes (plain form).
pub struct G1Group {
    x: Fq8,
    y: Fq8,
    /// x + x′, below 2q.
    x_sum: Fq8,
    /// y′ − y + q, below 2q.
    dy: Fq8,
}

impl LaneFormulas for Fq {
    type Group = G1Group;

    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn prepare<P: SWCurveConfig<BaseField = Fq>>(pairs: [(&Affine<P>, &Affine<P>); 8]) -> (G1Group, Fq8) {
        let coordinate = |f: fn(&(&Affine<P>, &Affine<P>)) -> Fq| pairs.each_ref().map(f);
        let (x, y) = (coordinate(|(p, _)| p.x), coordinate(|(p, _)| p.y));
        let (x2, y2) = (coordinate(|(_, q)| q.x), coordinate(|(_, q)| q.y));
        let (x8, y8, x2_8) = (Fq8::from_values(&x, false), Fq8::from_values(&y, false), Fq8::from_values(&x2, false));
        // The norm of x′ − x in F_q is itself: 16x′ − 16x + 16q, below 32q.
        let dx = Fq8::from_values(&x2, true).sub(Fq8::from_values(&x, true), Q16);
        let group = G1Group { x: x8, y: y8, x_sum: x8.add(x2_8), dy: Fq8::from_values(&y2, false).sub(y8, Q) };
        (group, dx)
    }

    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn finish(g: &G1Group, dx_inverse: Fq8) -> [(Fq, Fq); 8] {
        let lambda = dx_inverse.mul(g.dy); // plain, below 1.05q
        let lambda16 = lambda.times_16();
        // λ² below 1.21q; x″ below 3.21q before reduction.
        let x3 = lambda16.mul(lambda).sub(g.x_sum, Q2).reduce_below(Q2).reduce_below(Q);
        // λ·(x − x″ + q) below 1.4q; y″ below 2.4q before reduction.
        let y3 = lambda16.mul(g.x.sub(x3, Q)).sub(g.y, Q).reduce_below(Q2).reduce_below(Q);
        let (x3, y3) = (x3.to_values(), y3.to_values());
        std::array::from_fn(|lane| (x3[lane], y3[lane]))
    }
}
