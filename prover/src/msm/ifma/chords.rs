//! Batched affine chord additions over F_q, eight at a time ([`Fq8`]): bucket sum p plus point
//! p′ (both finite, x ≠ x′) is
//!
//! λ = (y′ − y)/(x′ − x),  x″ = λ² − x − x′,  y″ = λ·(x − x″) − y.
//!
//! Lane l of group g takes pair 8g + l, so the denominators form eight chains of products
//! (Montgomery's simultaneous inversion per lane); the eight chain products are inverted
//! together in ark-ff with one inversion. Six 8-lane multiplications per group of eight
//! additions, against six scalar ones per addition.

use super::fq8::{Fq8, Q, Q2, Q16, SCALED_ONE, Words};
use crate::msm::affine::Inverter;
use ark_bn254::Fq;
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ff::BigInt;

/// What the second pass needs of one group of eight pairs.
struct Group {
    x: Fq8,
    y: Fq8,
    /// x + x′, below 2q.
    x_sum: Fq8,
    /// y′ − y + q, below 2q.
    dy: Fq8,
    /// 16·(x′ − x) + 16q, scaled, below 32q.
    dx: Fq8,
    /// Product of the earlier groups' dx in this lane, scaled, below 2q.
    before: Fq8,
}

/// Scratch space kept across batches; made only where the CPU has AVX-512 F and IFMA.
pub struct ChordAdder {
    groups: Vec<Group>,
    inverter: Inverter,
}

impl ChordAdder {
    /// An adder, where the CPU has AVX-512 F and IFMA.
    pub fn detect() -> Option<ChordAdder> {
        let available = is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512ifma");
        available.then(|| ChordAdder { groups: Vec::new(), inverter: Inverter::with_capacity(8) })
    }

    /// For each `(bucket, point)` of `pairs`, `sums[bucket] += point`. The buckets must be
    /// distinct, and every pair a chord: both points finite, with different x.
    ///
    /// # Safety
    /// The CPU must have AVX-512 F and IFMA (as [`ChordAdder::detect`] checked).
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub unsafe fn add<P: SWCurveConfig<BaseField = Fq>>(
        &mut self,
        sums: &mut [Affine<P>],
        pairs: &[(usize, Affine<P>)],
    ) {
        if pairs.is_empty() {
            return;
        }
        let mut chain = Fq8::splat(SCALED_ONE);
        self.groups.clear();
        for group in 0..pairs.len().div_ceil(8) {
            let [x, y, x2, y2] = gather(sums, pairs, group);
            let (x8, x2_8) = (Fq8::from_words(&x, false), Fq8::from_words(&x2, false));
            let y8 = Fq8::from_words(&y, false);
            let dx = Fq8::from_words(&x2, true).sub(Fq8::from_words(&x, true), Q16);
            self.groups.push(Group {
                x: x8,
                y: y8,
                x_sum: x8.add(x2_8),
                dy: Fq8::from_words(&y2, false).sub(y8, Q),
                dx,
                before: chain,
            });
            chain = chain.mul(dx);
        }
        let mut inverse = self.invert_lanes(chain);
        for (group, g) in self.groups.iter().enumerate().rev() {
            let dx_inverse = inverse.mul(g.before);
            inverse = inverse.mul(g.dx);
            let lambda = dx_inverse.mul(g.dy); // plain, below q + 1/64·q
            let lambda16 = lambda.times_16();
            let x3 = lambda16.mul(lambda).sub(g.x_sum, Q2).reduce_below(Q2).reduce_below(Q);
            let y3 = lambda16.mul(g.x.sub(x3, Q)).sub(g.y, Q).reduce_below(Q2).reduce_below(Q);
            scatter(sums, pairs, group, &x3.to_words(), &y3.to_words());
        }
    }

    /// The scaled inverses of the eight lanes' chain products (scaled, non-zero), with one
    /// inversion in ark-ff.
    #[target_feature(enable = "avx512f")]
    fn invert_lanes(&mut self, chain: Fq8) -> Fq8 {
        // Read as ark-ff's plain form, a scaled c is 16c; 256·(16c)⁻¹ is c⁻¹ scaled.
        let mut products = lanes(&chain.reduce_below(Q).to_words());
        self.inverter.invert_all(&mut products);
        let rescale = Fq::from(256u64);
        Fq8::from_words(&to_lanes(&products.map(|c| c * rescale)), false)
    }
}

/// The eight pairs of group `group` as words of x, y (bucket sum) and x′, y′ (point); lanes
/// past the last pair repeat the group's first.
fn gather<P: SWCurveConfig<BaseField = Fq>>(
    sums: &[Affine<P>],
    pairs: &[(usize, Affine<P>)],
    group: usize,
) -> [Words; 4] {
    let lanes: [[Fq; 4]; 8] = std::array::from_fn(|lane| {
        let (bucket, point) = pairs.get(8 * group + lane).unwrap_or(&pairs[8 * group]);
        let sum = &sums[*bucket];
        [sum.x, sum.y, point.x, point.y]
    });
    std::array::from_fn(|coordinate| {
        std::array::from_fn(|k| std::array::from_fn(|lane| lanes[lane][coordinate].0.0[k]))
    })
}

/// Writes the canonical results of group `group` into the pairs' buckets.
fn scatter<P: SWCurveConfig<BaseField = Fq>>(
    sums: &mut [Affine<P>],
    pairs: &[(usize, Affine<P>)],
    group: usize,
    x: &Words,
    y: &Words,
) {
    let (xs, ys) = (lanes(x), lanes(y));
    for ((pair, x), y) in pairs[8 * group..].iter().zip(xs).zip(ys) {
        sums[pair.0] = Affine::new_unchecked(x, y);
    }
}

/// The eight canonical values of `words`.
fn lanes(words: &Words) -> [Fq; 8] {
    std::array::from_fn(|lane| Fq::new_unchecked(BigInt(std::array::from_fn(|k| words[k][lane]))))
}

/// The words of eight values.
fn to_lanes(values: &[Fq; 8]) -> Words {
    std::array::from_fn(|k| std::array::from_fn(|lane| values[lane].0.0[k]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Affine, G1Projective};
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::PrimeField;
    use zk402_circuit::Fr;

    fn random_points(n: usize) -> Vec<G1Affine> {
        let points: Vec<G1Projective> = (0..n)
            .map(|_| {
                let mut bytes = [0u8; 64];
                getrandom::fill(&mut bytes).unwrap();
                G1Projective::generator() * Fr::from_le_bytes_mod_order(&bytes)
            })
            .collect();
        G1Projective::normalize_batch(&points)
    }

    /// Full groups, a partial last group, a single pair; buckets not in pair order.
    #[test]
    fn chord_sums_match_arkworks() {
        let Some(mut adder) = ChordAdder::detect() else { return };
        for n in [1, 7, 8, 9, 64, 257] {
            let mut sums = random_points(n + 3);
            let before = sums.clone();
            let pairs: Vec<(usize, G1Affine)> =
                random_points(n).into_iter().enumerate().map(|(i, p)| ((i * 7 + 2) % (n + 3), p)).collect();
            let mut buckets: Vec<usize> = pairs.iter().map(|(b, _)| *b).collect();
            buckets.sort();
            buckets.dedup();
            assert_eq!(buckets.len(), n, "7 is prime to n + 3: distinct buckets");
            // SAFETY: `detect` found AVX-512 F and IFMA.
            unsafe { adder.add(&mut sums, &pairs) };
            let mut expected = before.clone();
            for (b, p) in &pairs {
                expected[*b] = (before[*b] + p).into_affine();
            }
            assert_eq!(sums, expected, "{n} pairs");
        }
    }
}
