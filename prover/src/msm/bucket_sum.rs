//! Bucket accumulation in affine coordinates, sharing one field inversion among a batch of
//! additions into distinct buckets (Montgomery's simultaneous inversion): an addition then
//! costs about six multiplications, against eleven for a mixed Jacobian addition. A point for
//! a bucket that already has an addition pending in the batch waits for a later batch (the top
//! windows of full-size scalars meet in a few buckets); once that queue is full, it goes to
//! the bucket's Jacobian overflow sum instead, so equal buckets (all scalars 1, say) never
//! stall the batch.

use super::affine::{BatchAdder, NormInverse};
use super::reduce;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::Zero;

/// Additions that share one inversion: a sixteenth of the buckets (fewer collisions with
/// busy buckets), within these bounds.
const BATCH: std::ops::RangeInclusive<usize> = 256..=1024;

/// Sums of points per bucket; [`BucketSums::weighted_sum`] returns Σ (b+1)·bucket_b.
pub struct BucketSums<P: SWCurveConfig> {
    sums: Vec<Affine<P>>,
    overflow: Vec<Projective<P>>,
    busy: Vec<bool>,
    pending: Vec<(usize, Affine<P>)>,
    deferred: Vec<(usize, Affine<P>)>,
    adder: BatchAdder<P>,
    /// Pending additions per batch, and the most points that may wait (as many).
    batch: usize,
}

impl<P: SWCurveConfig> BucketSums<P>
where
    P::BaseField: NormInverse,
{
    /// `buckets` empty buckets.
    pub fn new(buckets: usize) -> BucketSums<P> {
        let batch = (buckets / 16).clamp(*BATCH.start(), *BATCH.end());
        BucketSums {
            sums: vec![Affine::<P>::zero(); buckets],
            overflow: vec![Projective::<P>::zero(); buckets],
            busy: vec![false; buckets],
            pending: Vec::with_capacity(batch),
            deferred: Vec::with_capacity(batch),
            adder: BatchAdder::new(batch),
            batch,
        }
    }

    /// Adds `point` to bucket `bucket` (< the bucket count).
    pub fn add(&mut self, bucket: usize, point: Affine<P>) {
        if !self.busy[bucket] {
            self.schedule(bucket, point);
            // Deferred points may have filled the batch at the last flush.
            if self.pending.len() >= self.batch {
                self.flush();
            }
        } else if self.deferred.len() < self.batch {
            self.deferred.push((bucket, point));
        } else {
            self.overflow[bucket] += &point;
        }
    }

    /// Puts `point` into the free bucket `bucket`, or queues the addition for the next batch.
    fn schedule(&mut self, bucket: usize, point: Affine<P>) {
        if self.sums[bucket].infinity {
            self.sums[bucket] = point;
        } else {
            self.busy[bucket] = true;
            self.pending.push((bucket, point));
        }
    }

    /// Carries out the pending additions, then moves deferred points whose bucket is free
    /// into the next batch.
    fn flush(&mut self) {
        self.add_pending();
        let mut waiting = std::mem::take(&mut self.deferred);
        waiting.retain(|&(b, point)| {
            if self.busy[b] || self.pending.len() == self.batch {
                return true;
            }
            self.schedule(b, point);
            false
        });
        self.deferred = waiting;
    }

    /// Carries out the pending additions.
    fn add_pending(&mut self) {
        for (b, _) in &self.pending {
            self.busy[*b] = false;
        }
        self.adder.add_into(&mut self.sums, &mut self.pending);
    }

    /// Σ (b+1)·bucket_b (see [`reduce`]).
    pub fn weighted_sum(mut self) -> Projective<P> {
        // Deferred points keep their batches going until a batch is too small to amortise its
        // inversion; the rest go to the Jacobian sums.
        while self.pending.len() >= self.batch / 8 {
            self.flush();
        }
        self.add_pending();
        for (b, point) in std::mem::take(&mut self.deferred) {
            self.overflow[b] += &point;
        }
        self.fold_overflow();
        reduce::weighted_sum(&self.sums, &mut self.adder)
    }

    /// Adds the Jacobian overflow sums into the affine bucket sums (one batch: the buckets
    /// are distinct).
    fn fold_overflow(&mut self) {
        let spilled: Vec<usize> = (0..self.overflow.len()).filter(|b| !self.overflow[*b].is_zero()).collect();
        let jacobian: Vec<Projective<P>> = spilled.iter().map(|b| self.overflow[*b]).collect();
        self.pending.extend(spilled.into_iter().zip(Projective::normalize_batch(&jacobian)));
        self.add_pending();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Affine, G1Projective, G2Affine, G2Projective};
    use ark_ec::{CurveGroup, PrimeGroup};
    use zk402_circuit::Fr;

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
        buckets.push((0..2 * *BATCH.end() as u64 + 3).map(|k| p(k % 5 + 1)).collect());
        check(&buckets);
        let h = G2Projective::generator();
        let q = |k: u64| (h * Fr::from(k)).into_affine();
        let buckets: Vec<Vec<G2Affine>> = vec![vec![q(1), q(1), q(2)], vec![q(3), -q(3), q(8)], vec![]];
        check(&buckets);
    }

    /// Feeds the buckets' points interleaved (as an MSM does) and compares Σ (b+1)·bucket_b,
    /// with vector lanes (where the CPU and field have them) and without.
    fn check<P: SWCurveConfig>(buckets: &[Vec<Affine<P>>])
    where
        P::BaseField: NormInverse,
    {
        for lanes in [true, false] {
            let mut sums = BucketSums::<P>::new(buckets.len());
            if !lanes {
                sums.adder = BatchAdder::scalar(0);
            }
            check_sums(sums, buckets);
        }
    }

    fn check_sums<P: SWCurveConfig>(mut sums: BucketSums<P>, buckets: &[Vec<Affine<P>>])
    where
        P::BaseField: NormInverse,
    {
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
