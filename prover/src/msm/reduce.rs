//! The bucket reduction Σ (b+1)·S_b, mostly in batched affine additions. A running sum costs
//! two Jacobian additions per bucket; instead, with b = hi·K + lo (K ≈ √buckets), the tree
//! sums U_hi = Σ_lo S_b and V_lo = Σ_hi S_b take about two batched affine additions per
//! bucket, and
//!
//! Σ (b+1)·S_b = K·(Σ (hi+1)·U_hi − T) + Σ (lo+1)·V_lo, with T = Σ_hi U_hi,
//!
//! leaves two running sums of about √buckets terms.

use super::affine::{BatchAdder, NormInverse};
use ark_ec::AdditiveGroup;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ff::Zero;

/// Below this many buckets the running sum is used as is.
const SPLIT_FROM: usize = 64;

/// Σ (b+1)·`sums[b]`.
pub fn weighted_sum<P: SWCurveConfig>(sums: &[Affine<P>], adder: &mut BatchAdder<P>) -> Projective<P>
where
    P::BaseField: NormInverse,
{
    let m = sums.len();
    if m < SPLIT_FROM || !m.is_power_of_two() {
        return running_sum(sums);
    }
    let k = 1usize << (m.trailing_zeros() / 2);
    let by_hi = group_sums(sums.to_vec(), k, adder);
    let by_lo: Vec<Affine<P>> = (0..k).flat_map(|lo| sums.iter().skip(lo).step_by(k).copied()).collect();
    let by_lo = group_sums(by_lo, m / k, adder);
    let total: Projective<P> = by_hi.iter().sum();
    let mut high = running_sum(&by_hi) - total;
    for _ in 0..k.trailing_zeros() {
        high.double_in_place();
    }
    high + running_sum(&by_lo)
}

/// Σ (i+1)·`points[i]` by a running sum from the top down, in Jacobian coordinates.
fn running_sum<P: SWCurveConfig>(points: &[Affine<P>]) -> Projective<P> {
    let mut running = Projective::<P>::zero();
    let mut total = Projective::<P>::zero();
    for point in points.iter().rev() {
        running += point;
        if !running.is_zero() {
            total += &running;
        }
    }
    total
}

/// The sum of each run of `group` consecutive points (`group` a power of two dividing the
/// length), pairing neighbours level by level, each level one batch of additions.
fn group_sums<P: SWCurveConfig>(mut points: Vec<Affine<P>>, group: usize, adder: &mut BatchAdder<P>) -> Vec<Affine<P>>
where
    P::BaseField: NormInverse,
{
    let mut size = group;
    while size > 1 {
        points = adder.add_neighbours(&points);
        size /= 2;
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Projective, G2Projective};
    use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};

    fn check<P: SWCurveConfig>(g: Projective<P>, m: usize)
    where
        P::BaseField: NormInverse,
    {
        // Points at infinity, repeats and cancelling pairs among the buckets.
        let sums: Vec<Affine<P>> = (0..m)
            .map(|b| match b % 11 {
                0 => Affine::<P>::zero(),
                1 => g.into_affine(),
                2 => (-g).into_affine(),
                _ => (g * P::ScalarField::from(b as u64 * 7919)).into_affine(),
            })
            .collect();
        let expected: Projective<P> =
            sums.iter().enumerate().map(|(b, s)| *s * P::ScalarField::from(b as u64 + 1)).sum();
        for mut adder in [BatchAdder::new(0), BatchAdder::scalar(0)] {
            assert_eq!(weighted_sum(&sums, &mut adder), expected, "{m} buckets");
        }
    }

    #[test]
    fn split_reduction_equals_the_weighted_sum() {
        for m in [0, 1, 5, 64, 128, 4096] {
            check(G1Projective::generator(), m);
        }
        for m in [32, 256] {
            check(G2Projective::generator(), m);
        }
    }
}
