//! Bucket accumulation in affine coordinates, sharing one field inversion among a batch of
//! additions into distinct buckets (Montgomery's simultaneous inversion): an addition then
//! costs about six multiplications, against eleven for a mixed Jacobian addition. A point for
//! a bucket that already has an addition pending in the batch goes to that bucket's Jacobian
//! overflow sum instead, so equal buckets (all scalars 1, say) never stall the batch.

use ark_ec::AffineRepr;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ff::{AdditiveGroup, Field, Zero};

/// Additions that share one inversion.
const BATCH: usize = 256;

/// Sums of points per bucket; [`BucketSums::weighted_sum`] returns Σ (b+1)·bucket_b.
pub struct BucketSums<P: SWCurveConfig> {
    sums: Vec<Affine<P>>,
    overflow: Vec<Projective<P>>,
    busy: Vec<bool>,
    pending: Vec<(usize, Affine<P>)>,
    inverses: Vec<P::BaseField>,
    prefix: Vec<P::BaseField>,
}

impl<P: SWCurveConfig> BucketSums<P> {
    /// `buckets` empty buckets.
    pub fn new(buckets: usize) -> BucketSums<P> {
        BucketSums {
            sums: vec![Affine::<P>::zero(); buckets],
            overflow: vec![Projective::<P>::zero(); buckets],
            busy: vec![false; buckets],
            pending: Vec::with_capacity(BATCH),
            inverses: Vec::with_capacity(BATCH),
            prefix: Vec::with_capacity(BATCH),
        }
    }

    /// Adds `point` to bucket `bucket` (< the bucket count).
    pub fn add(&mut self, bucket: usize, point: Affine<P>) {
        if self.busy[bucket] {
            self.overflow[bucket] += &point;
        } else if self.sums[bucket].infinity {
            self.sums[bucket] = point;
        } else {
            self.busy[bucket] = true;
            self.pending.push((bucket, point));
            if self.pending.len() == BATCH {
                self.flush();
            }
        }
    }

    /// Carries out the pending additions.
    fn flush(&mut self) {
        self.inverses.clear();
        self.inverses.extend(self.pending.iter().map(|(b, point)| denominator(&self.sums[*b], point)));
        invert_all(&mut self.inverses, &mut self.prefix);
        for ((b, point), inv) in self.pending.drain(..).zip(&self.inverses) {
            self.sums[b] = add_with_inverse(&self.sums[b], &point, inv);
            self.busy[b] = false;
        }
    }

    /// Σ (b+1)·bucket_b, by a running sum from the top bucket down.
    pub fn weighted_sum(mut self) -> Projective<P> {
        self.flush();
        let mut running = Projective::<P>::zero();
        let mut total = Projective::<P>::zero();
        for (sum, overflow) in self.sums.iter().zip(&self.overflow).rev() {
            running += sum;
            running += overflow;
            if !running.is_zero() {
                total += &running;
            }
        }
        total
    }
}

/// The value whose inverse the affine sum p + q needs: x_q − x_p for a chord, 2·y_p for a
/// tangent, zero when no inversion is needed (a summand or the result at infinity).
fn denominator<P: SWCurveConfig>(p: &Affine<P>, q: &Affine<P>) -> P::BaseField {
    if p.infinity || q.infinity {
        P::BaseField::zero()
    } else if p.x != q.x {
        q.x - p.x
    } else if p.y == q.y {
        p.y.double() // zero when p = −p (y = 0): then the sum is at infinity
    } else {
        P::BaseField::zero()
    }
}

/// p + q given the inverse of [`denominator`]`(p, q)`.
fn add_with_inverse<P: SWCurveConfig>(p: &Affine<P>, q: &Affine<P>, inv: &P::BaseField) -> Affine<P> {
    if p.infinity {
        return *q;
    }
    if q.infinity {
        return *p;
    }
    let (lambda, x) = if p.x != q.x {
        let lambda = (q.y - p.y) * inv;
        (lambda, lambda.square() - p.x - q.x)
    } else if p.y == q.y && !p.y.is_zero() {
        let x2 = p.x.square();
        let lambda = (x2.double() + x2 + P::mul_by_a(p.x)) * inv;
        (lambda, lambda.square() - p.x.double())
    } else {
        return Affine::<P>::zero();
    };
    let y = lambda * (p.x - x) - p.y;
    Affine::new_unchecked(x, y)
}

/// Inverts every non-zero element in place with one field inversion; zeros stay zero.
/// `prefix` is scratch space kept by the caller across rounds.
fn invert_all<F: Field>(values: &mut [F], prefix: &mut Vec<F>) {
    prefix.clear();
    let mut product = F::one();
    for v in values.iter() {
        prefix.push(product);
        if !v.is_zero() {
            product *= v;
        }
    }
    // A product of non-zero field elements is non-zero.
    let mut inverse = product.inverse().unwrap_or_default();
    for (v, before) in values.iter_mut().zip(prefix.iter()).rev() {
        if !v.is_zero() {
            let inv = inverse * before;
            inverse *= *v;
            *v = inv;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fq, G1Affine, G1Projective, G2Affine, G2Projective};
    use ark_ec::{CurveGroup, PrimeGroup};
    use zk402_circuit::Fr;

    #[test]
    fn inverts_non_zero_elements_and_keeps_zeros() {
        let mut values = vec![Fq::from(3u64), Fq::zero(), Fq::from(7u64), Fq::from(1u64)];
        invert_all(&mut values, &mut Vec::new());
        assert_eq!(
            values,
            vec![Fq::from(3u64).inverse().unwrap(), Fq::zero(), Fq::from(7u64).inverse().unwrap(), Fq::from(1u64)]
        );
    }

    /// Buckets with every special case: doubling, p + (−p), points at infinity, one point,
    /// none, and more points for one bucket than a batch holds.
    #[test]
    fn weighted_sums_match_projective_sums() {
        let g = G1Projective::generator();
        let p = |k: u64| (g * Fr::from(k)).into_affine();
        let mut buckets: Vec<Vec<G1Affine>> = vec![
            vec![p(1), p(2), p(3)],
            vec![p(5), p(5)],
            vec![p(9), -p(9)],
            vec![],
            vec![G1Affine::zero(), p(4), G1Affine::zero()],
            vec![p(7)],
            vec![p(6), p(6), -p(12), p(1), p(1), p(1), p(1), p(2)],
            vec![G1Affine::zero(), G1Affine::zero()],
        ];
        buckets.push((0..2 * BATCH as u64 + 3).map(|k| p(k % 5 + 1)).collect());
        check(&buckets);
        let h = G2Projective::generator();
        let q = |k: u64| (h * Fr::from(k)).into_affine();
        let buckets: Vec<Vec<G2Affine>> = vec![vec![q(1), q(1), q(2)], vec![q(3), -q(3), q(8)], vec![]];
        check(&buckets);
    }

    /// Feeds the buckets' points interleaved (as an MSM does) and compares Σ (b+1)·bucket_b.
    fn check<P: SWCurveConfig>(buckets: &[Vec<Affine<P>>]) {
        let mut sums = BucketSums::<P>::new(buckets.len());
        let longest = buckets.iter().map(Vec::len).max().unwrap_or(0);
        for j in 0..longest {
            for (b, bucket) in buckets.iter().enumerate() {
                if let Some(point) = bucket.get(j) {
                    sums.add(b, *point);
                }
            }
        }
        let expected: Projective<P> = buckets
            .iter()
            .enumerate()
            .map(|(b, bucket)| bucket.iter().copied().sum::<Projective<P>>() * P::ScalarField::from(b as u64 + 1))
            .sum();
        assert_eq!(sums.weighted_sum(), expected);
    }
}
