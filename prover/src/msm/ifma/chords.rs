//! Batched affine chord additions, eight at a time: bucket sum p plus point p′ (both finite,
//! x ≠ x′) is
//!
//! λ = (y′ − y)/(x′ − x),  x″ = λ² − x − x′,  y″ = λ·(x − x″) − y.
//!
//! Lane l of group g takes pair 8g + l, so the denominators' norms in F_q form eight chains
//! of products (Montgomery's simultaneous inversion per lane); the eight chain products are
//! inverted together with one F_q inversion. The formulas per coordinate field are
//! [`LaneFormulas`] (F_q for G1, F_q² for G2).

use super::fq8::{Fq8, Q, SCALED_ONE};
use crate::msm::affine::Inverter;
use ark_bn254::Fq;
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ff::Field;

/// Chord formulas over one coordinate field, eight additions at a time.
pub trait LaneFormulas: Field {
    /// What the second pass needs of a group of eight pairs.
    type Group;

    /// The group's data for the chords p + p′ of `pairs` (canonical coordinates), and the
    /// norms N(x′ − x) in F_q (non-zero), scaled, below 32q.
    ///
    /// # Safety
    /// The CPU must have AVX-512 F and IFMA.
    unsafe fn prepare<P: SWCurveConfig<BaseField = Self>>(pairs: [(&Affine<P>, &Affine<P>); 8]) -> (Self::Group, Fq8);

    /// The sums (x″, y″), canonical, given the inverses of the norms, scaled, below 2q.
    ///
    /// # Safety
    /// The CPU must have AVX-512 F and IFMA.
    unsafe fn finish(group: &Self::Group, norm_inverse: Fq8) -> [(Self, Self); 8];
}

/// One group of eight pairs between the passes.
struct Prepared<G> {
    group: G,
    /// N(x′ − x), scaled, below 32q.
    norm: Fq8,
    /// Product of the earlier groups' norms in this lane, scaled, below 2q.
    before: Fq8,
}

/// Scratch space kept across batches; made only where the CPU has AVX-512 F and IFMA.
pub struct ChordAdder<F: LaneFormulas> {
    groups: Vec<Prepared<F::Group>>,
    inverter: Inverter,
}

impl<F: LaneFormulas> ChordAdder<F> {
    /// An adder, where the lanes run ([`super::available`]).
    pub fn detect() -> Option<ChordAdder<F>> {
        super::available().then(|| ChordAdder { groups: Vec::new(), inverter: Inverter::with_capacity(8) })
    }

    /// For each `(bucket, point)` of `pairs`, `sums[bucket] += point`. The buckets must be
    /// distinct, and every pair a chord: both points finite, with different x.
    ///
    /// # Safety
    /// The CPU must have AVX-512 F and IFMA (as [`ChordAdder::detect`] checked).
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub unsafe fn add<P: SWCurveConfig<BaseField = F>>(
        &mut self,
        sums: &mut [Affine<P>],
        pairs: &[(usize, Affine<P>)],
    ) {
        if pairs.is_empty() {
            return;
        }
        let mut chain = Fq8::splat(SCALED_ONE);
        self.groups.clear();
        for group in pairs.chunks(8) {
            // Lanes past the last pair repeat the group's first: a non-zero norm, no result.
            let lanes = std::array::from_fn(|lane| {
                let (bucket, point) = group.get(lane).unwrap_or(&group[0]);
                (&sums[*bucket], point)
            });
            // SAFETY: the CPU has AVX-512 F and IFMA (this function's contract).
            let (group, norm) = unsafe { F::prepare(lanes) };
            self.groups.push(Prepared { group, norm, before: chain });
            chain = chain.mul(norm);
        }
        let mut inverse = self.invert_lanes(chain);
        for (prepared, group) in self.groups.iter().zip(pairs.chunks(8)).rev() {
            let norm_inverse = inverse.mul(prepared.before);
            inverse = inverse.mul(prepared.norm);
            // SAFETY: as above.
            let results = unsafe { F::finish(&prepared.group, norm_inverse) };
            for ((bucket, _), (x, y)) in group.iter().zip(results) {
                sums[*bucket] = Affine::new_unchecked(x, y);
            }
        }
    }

    /// The scaled inverses of the eight lanes' chain products (scaled, below 2q, non-zero),
    /// with one F_q inversion.
    #[target_feature(enable = "avx512f")]
    fn invert_lanes(&mut self, chain: Fq8) -> Fq8 {
        // Read as ark-ff's plain form, a scaled c is 16c; 256·(16c)⁻¹ is c⁻¹ scaled.
        let mut products = chain.reduce_below(Q).to_values();
        self.inverter.invert_all(&mut products);
        let rescale = Fq::from(256u64);
        Fq8::from_values(&products.map(|c| c * rescale), false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::short_weierstrass::Projective;
    use ark_ec::{CurveGroup, PrimeGroup};
    use zk402_circuit::Fr;

    fn random_points<P: SWCurveConfig<ScalarField = Fr>>(n: usize) -> Vec<Affine<P>> {
        let points: Vec<Projective<P>> =
            (0..n).map(|_| Projective::<P>::generator() * crate::msm::random_element::<Fr>()).collect();
        Projective::normalize_batch(&points)
    }

    /// Full groups, a partial last group, a single pair; buckets not in pair order.
    fn check<P: SWCurveConfig<ScalarField = Fr>>()
    where
        P::BaseField: LaneFormulas,
    {
        let Some(mut adder) = ChordAdder::<P::BaseField>::detect() else { return };
        for n in [1, 7, 8, 9, 64, 257] {
            let mut sums = random_points::<P>(n + 3);
            let before = sums.clone();
            let pairs: Vec<(usize, Affine<P>)> =
                random_points::<P>(n).into_iter().enumerate().map(|(i, p)| ((i * 7 + 2) % (n + 3), p)).collect();
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

    #[test]
    fn chord_sums_match_arkworks_in_g1_and_g2() {
        check::<ark_bn254::g1::Config>();
        check::<ark_bn254::g2::Config>();
    }
}
