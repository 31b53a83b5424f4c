//! Chord formulas over F_q² = F_q(u) with u² = −1 (G2), each coordinate as two [`Fq8`]: the
//! denominator is inverted through its norm, x⁻¹ = x̄·N(x)⁻¹; seventeen 8-lane
//! multiplications per eight additions, with the chain's three.

use super::chords::LaneFormulas;
use super::fq8::{Fq8, Q, Q2};
use ark_bn254::Fq2;
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};

/// Eight F_q² elements, (c0, c1).
type Fq2x8 = [Fq8; 2];

/// A group of eight G2 chords between the passes (plain form).
pub struct G2Group {
    x: Fq2x8,
    y: Fq2x8,
    /// x + x′, below 2q.
    x_sum: Fq2x8,
    /// y′ − y + q, below 2q.
    dy: Fq2x8,
    /// x′ − x + q, below 2q.
    dx: Fq2x8,
}

#[target_feature(enable = "avx512f")]
#[inline]
fn load(values: &[Fq2; 8]) -> Fq2x8 {
    [Fq8::from_values(&values.map(|v| v.c0), false), Fq8::from_values(&values.map(|v| v.c1), false)]
}

#[target_feature(enable = "avx512f")]
#[inline]
fn sub(a: Fq2x8, b: Fq2x8) -> Fq2x8 {
    [a[0].sub(b[0], Q), a[1].sub(b[1], Q)]
}

/// a·b for a scaled below 32q and b plain below 2q (or a below 16q, b below 4q): each product
/// below 2q, the result (plain) below 4q.
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn mul(a: Fq2x8, b: Fq2x8) -> Fq2x8 {
    [a[0].mul(b[0]).sub(a[1].mul(b[1]), Q2), a[0].mul(b[1]).add(a[1].mul(b[0]))]
}

#[target_feature(enable = "avx512f")]
#[inline]
fn times_16(a: Fq2x8) -> Fq2x8 {
    [a[0].times_16(), a[1].times_16()]
}

#[target_feature(enable = "avx512f")]
#[inline]
fn reduced(a: Fq2x8) -> Fq2x8 {
    [a[0].reduced(), a[1].reduced()]
}

impl LaneFormulas for Fq2 {
    type Group = G2Group;

    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn prepare<P: SWCurveConfig<BaseField = Fq2>>(pairs: [(&Affine<P>, &Affine<P>); 8]) -> (G2Group, Fq8) {
        let coordinate = |f: fn(&(&Affine<P>, &Affine<P>)) -> Fq2| load(&pairs.each_ref().map(f));
        let (x, y) = (coordinate(|(p, _)| p.x), coordinate(|(p, _)| p.y));
        let (x2, y2) = (coordinate(|(_, q)| q.x), coordinate(|(_, q)| q.y));
        let dx = sub(x2, x);
        // N(dx) = dx0² + dx1², plain below 4q, then below 2q, then scaled below 32q.
        let dx16 = times_16(dx);
        let norm = dx16[0].mul(dx[0]).add(dx16[1].mul(dx[1])).reduce_below(Q2).times_16();
        let x_sum = [x[0].add(x2[0]), x[1].add(x2[1])];
        (G2Group { x, y, x_sum, dy: sub(y2, y), dx }, norm)
    }

    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn finish(g: &G2Group, norm_inverse: Fq8) -> [(Fq2, Fq2); 8] {
        // dx⁻¹ = (dx0·N⁻¹, −dx1·N⁻¹): plain, below 1.05q and 2q.
        let zero = Fq8::splat([0; 5]);
        let dx_inverse = [g.dx[0].mul(norm_inverse), zero.sub(g.dx[1].mul(norm_inverse), Q2)];
        let lambda = reduced(mul(times_16(g.dy), dx_inverse));
        let lambda16 = times_16(lambda); // below 16q
        // λ² = ((λ0 + λ1)(λ0 − λ1), 2λ0λ1).
        let sum16 = lambda[0].add(lambda[1]).times_16(); // below 32q
        let square_0 = sum16.mul(lambda[0].sub(lambda[1], Q)); // below 2q
        let half_1 = lambda16[0].mul(lambda[1]); // below 1.2q
        let square_1 = half_1.add(half_1).reduce_below(Q2); // below 2q
        let x3 = reduced([square_0.sub(g.x_sum[0], Q2), square_1.sub(g.x_sum[1], Q2)]);
        // λ·(x − x″) below 2.8q per part before the offset; y″ below 4.4q before reduction.
        let product = mul(lambda16, sub(g.x, x3));
        let y3 = reduced(sub(product, g.y));
        let values = |v: Fq2x8| {
            let (c0, c1) = (v[0].to_values(), v[1].to_values());
            std::array::from_fn::<Fq2, 8, _>(|lane| Fq2::new(c0[lane], c1[lane]))
        };
        let (x3, y3) = (values(x3), values(y3));
        std::array::from_fn(|lane| (x3[lane], y3[lane]))
    }
}
