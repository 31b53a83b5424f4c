//! Multi-scalar multiplication over the proving key's fixed point sets.
//!
//! The bases never change, so at key load each base P gets a row 2^(c·k)·P for every window
//! k of width c ([`FixedBaseMsm`]). An MSM of n scalars then needs no per-window doubling
//! chains: each scalar is cut into signed c-bit digits ([`digits`]), each non-zero digit d
//! puts ±2^(c·k)·P into bucket |d|, and ONE bucket pass over all (point, digit) pairs
//! (summed in affine coordinates with batched inversions, [`bucket_sum`]) is reduced to
//! Σ d·bucket_d ([`reduce`]). Zero scalars and zero digits cost nothing, a scalar 1 costs
//! one addition: circom witnesses, full of bits, are cheap.

pub mod affine;
pub mod bucket_sum;
pub mod digits;
#[cfg(target_arch = "x86_64")]
pub mod ifma;
pub mod inverse;
pub mod reduce;

use affine::NormInverse;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup};
use ark_ff::{PrimeField, Zero};
use bucket_sum::BucketSums;
use rayon::prelude::*;
use zk402_circuit::Fr;

/// How the bucket additions run here: on AVX-512 IFMA lanes or scalar.
pub fn arithmetic() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    if ifma::available() {
        return "AVX-512 IFMA, 8 lanes";
    }
    "scalar (ark-ff)"
}

/// Widest window the tables support (2^(c−1) buckets per MSM).
pub const MAX_WINDOW: usize = 20;

/// A fixed set of bases with their window multiples, ready for MSMs against any scalars.
pub struct FixedBaseMsm<P: SWCurveConfig> {
    /// Window width c in bits.
    window: usize,
    /// Windows per scalar, ⌈255/c⌉.
    windows: usize,
    /// Row i (`windows` points) is 2^(c·k)·Pᵢ for k = 0, 1, …, as affine (x, y): 64 bytes, one
    /// cache line per point. Rows of bases at infinity are zeros and never read.
    table: Vec<[P::BaseField; 2]>,
    /// Whether base i is not the point at infinity.
    finite: Vec<bool>,
}

/// Relative cost of reducing one bucket (about two batched affine additions, see [`reduce`])
/// against one addition in the bucket pass, in tenths (measured: windows chosen with 1.5 and
/// 2.0 are the same, and fastest).
const REDUCE_COST_TENTHS: usize = 20;

/// The window width that minimises the work for up to `dense` non-trivial scalars:
/// dense·⌈255/c⌉ pair additions plus 2^(c−1) bucket reductions.
pub fn best_window(dense: usize) -> usize {
    (2..=MAX_WINDOW)
        .min_by_key(|&c| 10 * dense * digits::window_count(c) + REDUCE_COST_TENTHS * (1usize << (c - 1)))
        .unwrap_or(2)
}

impl<P: SWCurveConfig<ScalarField = Fr>> FixedBaseMsm<P>
where
    P::BaseField: NormInverse,
{
    /// Precomputes the window multiples of `bases`, with the window width [`best_window`]
    /// picks for as many scalars as there are bases not at infinity. Runs on the current
    /// rayon pool (key load, once).
    pub fn new(bases: &[Affine<P>]) -> FixedBaseMsm<P> {
        let used = bases.iter().filter(|b| !b.is_zero()).count();
        FixedBaseMsm::with_window(bases, best_window(used))
    }

    /// [`FixedBaseMsm::new`] with the window width `window`, clamped to 1..=[`MAX_WINDOW`].
    pub fn with_window(bases: &[Affine<P>], window: usize) -> FixedBaseMsm<P> {
        let window = window.clamp(1, MAX_WINDOW);
        let windows = digits::window_count(window);
        let rows: Vec<Projective<P>> = bases
            .par_iter()
            .flat_map_iter(|base| {
                let mut point = base.into_group();
                (0..windows).map(move |_| {
                    let current = point;
                    for _ in 0..window {
                        point.double_in_place();
                    }
                    current
                })
            })
            .collect();
        let table = Projective::normalize_batch(&rows).iter().map(|p| [p.x, p.y]).collect();
        let finite = bases.iter().map(|b| !b.is_zero()).collect();
        FixedBaseMsm { window, windows, table, finite }
    }

    /// Number of bases.
    pub fn len(&self) -> usize {
        self.finite.len()
    }

    /// Whether there are no bases.
    pub fn is_empty(&self) -> bool {
        self.finite.is_empty()
    }

    /// Window width in bits.
    pub fn window(&self) -> usize {
        self.window
    }

    /// The window multiples, `windows` points per base in base order (rows of bases at
    /// infinity are zeros), and which bases are finite: what [`FixedBaseMsm::from_parts`]
    /// takes back (the proving-key cache stores them).
    pub fn parts(&self) -> (&[[P::BaseField; 2]], &[bool]) {
        (&self.table, &self.finite)
    }

    /// Reassembles tables taken apart by [`FixedBaseMsm::parts`]; `None` when the window is
    /// out of range or the table does not hold ⌈255/window⌉ points per base.
    pub fn from_parts(window: usize, table: Vec<[P::BaseField; 2]>, finite: Vec<bool>) -> Option<FixedBaseMsm<P>> {
        if !(1..=MAX_WINDOW).contains(&window) {
            return None;
        }
        let windows = digits::window_count(window);
        (Some(table.len()) == finite.len().checked_mul(windows)).then_some(FixedBaseMsm {
            window,
            windows,
            table,
            finite,
        })
    }

    /// Σ `scalars[i]`·Pᵢ. Extra scalars past the last base are ignored (as arkworks does).
    pub fn msm(&self, scalars: &[Fr]) -> Projective<P> {
        let mut buckets = BucketSums::<P>::new(1 << (self.window - 1));
        for ((scalar, row), finite) in scalars.iter().zip(self.table.chunks_exact(self.windows)).zip(&self.finite) {
            if scalar.is_zero() || !finite {
                continue;
            }
            for (digit, [x, y]) in digits::signed_digits(&scalar.into_bigint(), self.window).zip(row) {
                if digit > 0 {
                    buckets.add(digit as usize - 1, Affine::new_unchecked(*x, *y));
                } else if digit < 0 {
                    buckets.add(digit.unsigned_abs() as usize - 1, Affine::new_unchecked(*x, -*y));
                }
            }
        }
        buckets.weighted_sum()
    }
}

/// A uniformly random field element, for tests.
#[cfg(test)]
pub(crate) fn random_element<F: PrimeField>() -> F {
    let mut bytes = [0u8; 64];
    getrandom::fill(&mut bytes).unwrap();
    F::from_le_bytes_mod_order(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Affine, G1Projective, G2Affine, G2Projective};
    use ark_ec::scalar_mul::variable_base::VariableBaseMSM;
    use ark_ec::{CurveGroup, PrimeGroup};

    fn random_scalar() -> Fr {
        random_element()
    }

    fn random_points<G: CurveGroup<ScalarField = Fr> + PrimeGroup>(n: usize) -> Vec<G::Affine> {
        let points: Vec<G> = (0..n).map(|_| G::generator() * random_scalar()).collect();
        G::normalize_batch(&points)
    }

    /// Random scalars mixed with the edge values a witness has: 0, 1, 2, r−1, small integers.
    fn scalars(n: usize) -> Vec<Fr> {
        (0..n)
            .map(|i| match i % 7 {
                0 => Fr::from(0u64),
                1 => Fr::from(1u64),
                2 => -Fr::from(1u64),
                3 => Fr::from(i as u64),
                _ => random_scalar(),
            })
            .collect()
    }

    fn agrees<P: SWCurveConfig<ScalarField = Fr>>(bases: &[Affine<P>], scalars: &[Fr], window: usize)
    where
        P::BaseField: NormInverse,
    {
        let table = FixedBaseMsm::with_window(bases, window);
        let expected = Projective::<P>::msm(bases, scalars).unwrap();
        assert_eq!(table.msm(scalars), expected, "window {window}, {} bases", bases.len());
    }

    #[test]
    fn equals_arkworks_on_random_and_edge_inputs_in_g1() {
        let bases = random_points::<G1Projective>(300);
        let s = scalars(300);
        for window in [1, 2, 5, 8, 11, 13, 16] {
            agrees(&bases, &s, window);
        }
        // All zeros, all ones, all r−1, a single term, nothing at all.
        agrees(&bases, &[Fr::from(0u64); 300], 9);
        agrees(&bases, &[Fr::from(1u64); 300], 9);
        agrees(&bases, &[-Fr::from(1u64); 300], 9);
        agrees(&bases[..1], &[random_scalar()], 9);
        agrees::<ark_bn254::g1::Config>(&[], &[], 9);
        assert!(FixedBaseMsm::<ark_bn254::g1::Config>::new(&[]).msm(&[]).is_zero());
    }

    #[test]
    fn equals_arkworks_in_g2_with_bases_at_infinity_and_repeated_bases() {
        let mut bases = random_points::<G2Projective>(80);
        bases[3] = G2Affine::zero();
        bases[10] = bases[11]; // the same point twice: bucket sums meet doublings
        bases[20] = -bases[21]; // and cancellations
        let mut s = scalars(80);
        s[10] = s[11];
        s[20] = s[21];
        agrees(&bases, &s, 7);
        agrees(&bases, &s, MAX_WINDOW);
    }

    #[test]
    fn new_picks_a_window_for_the_size() {
        let bases: Vec<G1Affine> = random_points::<G1Projective>(64);
        let table = FixedBaseMsm::new(&bases);
        assert_eq!(table.len(), 64);
        assert!((2..=MAX_WINDOW).contains(&table.window()));
        assert!(best_window(8192) > best_window(100));
        // Scalars past the last base are ignored.
        let s = scalars(70);
        assert_eq!(table.msm(&s), G1Projective::msm(&bases, &s[..64]).unwrap());
    }
}
