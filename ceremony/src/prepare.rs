//! `prepare phase2`: the Lagrange-basis sections 12–15 of a `.ptau`, computed from the powers
//! by inverse FFTs over the group elements themselves (no secret needed): for a domain of
//! size n with generator ω, L_j(tau)·G = (1/n)·Σ_k ω^(−jk)·tau^k·G. Each FFT is radix-2,
//! in place, one twiddle multiplication per butterfly (none for the twiddle 1), and runs in
//! parallel both across butterflies and across the domain sizes. The twiddle multiplications
//! dominate; each uses the GLV endomorphism with width-4 NAF digits recoded once per twiddle
//! and affine odd-multiple tables normalized with one inversion per layer.

use crate::progress::Progress;
use crate::ptau::{Lagrange, Ptau};
use ark_bn254::{Fr, g1, g2};
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AdditiveGroup, CurveGroup};
use ark_ff::{BigInteger, Field, One, PrimeField, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rayon::prelude::*;

/// The generator of the multiplicative subgroup of order 2^`log_n`.
pub fn root_of_unity(log_n: u32) -> Fr {
    Radix2EvaluationDomain::<Fr>::new(1 << log_n).expect("power within BN254's 2-adicity").group_gen
}

/// Width of the signed-digit (wNAF) recoding of the GLV halves: digits ±1, ±3, ±5, ±7.
const WINDOW: usize = 4;

/// A scalar k = k1 + λ·k2 (GLV, halves of ~128 bits) with both halves in width-4 NAF, least
/// significant digit first and signs folded in. Recoded once per twiddle factor and shared by
/// every butterfly that uses it.
struct Recoded {
    k1: Vec<i64>,
    k2: Vec<i64>,
}

fn recode<P: GLVConfig<ScalarField = Fr>>(k: Fr) -> Recoded {
    let ((s1, k1), (s2, k2)) = P::scalar_decomposition(k);
    let digits = |positive: bool, x: Fr| -> Vec<i64> {
        let d = x.into_bigint().find_wnaf(WINDOW).expect("window within 2..64");
        if positive { d } else { d.into_iter().map(|x| -x).collect() }
    };
    Recoded { k1: digits(s1, k1), k2: digits(s2, k2) }
}

/// P, 3P, 5P, 7P.
fn odd_multiples<P: SWCurveConfig>(p: &Projective<P>) -> [Projective<P>; 4] {
    let d = p.double();
    let p3 = d + p;
    let p5 = p3 + d;
    [*p, p3, p5, p5 + d]
}

fn add_digit<P: GLVConfig>(acc: &mut Projective<P>, table: &[Affine<P>], d: i64, endomorphism: bool) {
    if d == 0 {
        return;
    }
    let mut p = table[(d.unsigned_abs() / 2) as usize];
    if endomorphism {
        p = P::endomorphism_affine(&p);
    }
    if d > 0 {
        *acc += p;
    } else {
        *acc -= p;
    }
}

/// k·P from P's affine odd multiples: ~127 doublings and ~50 mixed additions.
fn mul_recoded<P: GLVConfig>(table: &[Affine<P>], k: &Recoded) -> Projective<P> {
    let mut acc = Projective::<P>::zero();
    for i in (0..k.k1.len().max(k.k2.len())).rev() {
        acc.double_in_place();
        add_digit(&mut acc, table, k.k1.get(i).copied().unwrap_or(0), false);
        add_digit(&mut acc, table, k.k2.get(i).copied().unwrap_or(0), true);
    }
    acc
}

/// The affine odd-multiple tables of many points, with one batched inversion.
fn tables<'a, P: SWCurveConfig>(points: impl ParallelIterator<Item = &'a Projective<P>>) -> Vec<Affine<P>> {
    let proj: Vec<Projective<P>> = points.flat_map_iter(odd_multiples).collect();
    Projective::normalize_batch(&proj)
}

/// One radix-2 layer: blocks of 2m, butterflies (a, b) → (a + w^j·b, a − w^j·b).
fn layer<P: GLVConfig<ScalarField = Fr>>(v: &mut [Projective<P>], m: usize, w: Fr) {
    let twiddles: Vec<Recoded> = std::iter::successors(Some(Fr::one()), |t| Some(*t * w))
        .take(m)
        .skip(1)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(recode::<P>)
        .collect();
    let table = tables(v.par_chunks(2 * m).flat_map_iter(|block| &block[m + 1..]));
    let per_block = 4 * (m - 1);
    v.par_chunks_mut(2 * m).enumerate().for_each(|(b, block)| {
        let table = &table[b * per_block..(b + 1) * per_block];
        let (lo, hi) = block.split_at_mut(m);
        lo.par_iter_mut().zip(hi.par_iter_mut()).enumerate().for_each(|(j, (a, b))| {
            let t = if j == 0 { *b } else { mul_recoded(&table[4 * (j - 1)..4 * j], &twiddles[j - 1]) };
            *b = *a - t;
            *a += t;
        });
    });
}

/// In-place inverse FFT of group elements (length a power of two), scaled by 1/n.
fn ifft_in_place<P: GLVConfig<ScalarField = Fr>>(v: &mut [Projective<P>]) {
    let n = v.len();
    let log_n = n.trailing_zeros();
    if log_n == 0 {
        return;
    }
    for i in 0..n {
        let j = i.reverse_bits() >> (usize::BITS - log_n);
        if i < j {
            v.swap(i, j);
        }
    }
    let omega_inv = root_of_unity(log_n).inverse().expect("a root of unity is non-zero");
    let mut m = 1;
    while m < n {
        layer(v, m, omega_inv.pow([(n / (2 * m)) as u64]));
        m *= 2;
    }
    let n_inv = recode::<P>(Fr::from(n as u64).inverse().expect("n is invertible mod r"));
    let table = tables(v.par_iter());
    v.par_iter_mut().zip(table.par_chunks(4)).for_each(|(p, t)| *p = mul_recoded(t, &n_inv));
}

/// The concatenated Lagrange bases for p = 0..=last: the inverse FFT of the first 2^p points
/// (missing points taken as zero).
fn lagrange_section<P: GLVConfig<ScalarField = Fr>>(points: &[Affine<P>], last: u32) -> Vec<Affine<P>> {
    let parts: Vec<Vec<Affine<P>>> = (0..=last)
        .into_par_iter()
        .map(|p| {
            let mut v: Vec<Projective<P>> = points.iter().take(1 << p).map(|a| (*a).into()).collect();
            v.resize(1 << p, Projective::zero());
            ifft_in_place(&mut v);
            Projective::normalize_batch(&v)
        })
        .collect();
    parts.concat()
}

/// Adds (or recomputes) sections 12–15.
pub fn prepare(ptau: &mut Ptau, progress: &Progress) {
    let power = ptau.power;
    progress.step("Lagrange bases: tau·G1 and tau·G2");
    let (tau_g1, tau_g2) = rayon::join(
        || lagrange_section::<g1::Config>(&ptau.tau_g1, power + 1),
        || lagrange_section::<g2::Config>(&ptau.tau_g2, power),
    );
    progress.step("Lagrange bases: alpha·tau·G1 and beta·tau·G1");
    let (alpha_tau_g1, beta_tau_g1) = rayon::join(
        || lagrange_section::<g1::Config>(&ptau.alpha_tau_g1, power),
        || lagrange_section::<g1::Config>(&ptau.beta_tau_g1, power),
    );
    progress.step("Lagrange bases done");
    ptau.lagrange = Some(Lagrange { tau_g1, tau_g2, alpha_tau_g1, beta_tau_g1 });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contribute::Entropy;
    use crate::phase1::{contribute, derive_key, first_challenge, new_accumulator};
    use ark_bn254::{G1Projective, G2Projective};
    use ark_ec::PrimeGroup;
    use ark_ec::scalar_mul::ScalarMul;
    use ark_ff::Zero;

    /// Lagrange scalars for p = 0..=last from known powers (the oracle: field FFTs only).
    fn lagrange_scalars(scalars: &[Fr], last: u32) -> Vec<Fr> {
        (0..=last)
            .flat_map(|p| {
                let mut v: Vec<Fr> = scalars.iter().copied().take(1 << p).collect();
                v.resize(1 << p, Fr::zero());
                Radix2EvaluationDomain::<Fr>::new(1 << p).unwrap().ifft(&v)
            })
            .collect()
    }

    #[test]
    fn group_fft_prepare_equals_lagrange_bases_computed_from_the_known_secrets() {
        let seed = b"prepare oracle".to_vec();
        let mut ptau = new_accumulator(4).unwrap();
        contribute(&mut ptau, &Entropy::InsecureTest { seed: seed.clone() }, None).unwrap();
        let mut rng = Entropy::InsecureTest { seed }.rng().unwrap();
        let (s, _) = derive_key(&mut rng, &first_challenge(4));
        let n = 1usize << 4;
        let tau: Vec<Fr> = std::iter::successors(Some(Fr::one()), |t| Some(*t * s.tau)).take(2 * n - 1).collect();
        let scaled = |k: Fr| tau[..n].iter().map(|t| *t * k).collect::<Vec<_>>();
        let (g1, g2) = (G1Projective::generator(), G2Projective::generator());
        prepare(&mut ptau, &Progress::silent());
        let l = ptau.lagrange.clone().unwrap();
        assert_eq!(l.tau_g1, g1.batch_mul(&lagrange_scalars(&tau, 5)));
        assert_eq!(l.tau_g2, g2.batch_mul(&lagrange_scalars(&tau[..n], 4)));
        assert_eq!(l.alpha_tau_g1, g1.batch_mul(&lagrange_scalars(&scaled(s.alpha), 4)));
        assert_eq!(l.beta_tau_g1, g1.batch_mul(&lagrange_scalars(&scaled(s.beta), 4)));
        assert_eq!(Ptau::read(&ptau.write()).unwrap(), ptau);
    }

    fn recoded_multiplication_matches<P: GLVConfig<ScalarField = Fr>>() {
        let base = Projective::<P>::generator() * Fr::from(12345u64);
        let table = tables(rayon::iter::once(&base));
        for k in [Fr::one(), -Fr::one(), Fr::from(7u64), root_of_unity(13), root_of_unity(13).inverse().unwrap()] {
            assert_eq!(mul_recoded(&table, &recode::<P>(k)), base * k);
        }
    }

    #[test]
    fn glv_wnaf_multiplication_equals_plain_multiplication_in_g1_and_g2() {
        recoded_multiplication_matches::<g1::Config>();
        recoded_multiplication_matches::<g2::Config>();
    }

    #[test]
    fn ifft_of_a_single_point_is_itself_and_of_constant_powers_is_a_delta() {
        let g = G1Projective::generator();
        let mut one = vec![g];
        ifft_in_place(&mut one);
        assert_eq!(one, vec![g]);
        // tau = 1: all powers equal G, so L_0(1)·G = G and the others vanish.
        let mut v = vec![g; 8];
        ifft_in_place(&mut v);
        assert_eq!(v[0], g);
        assert!(v[1..].iter().all(|p| p.is_zero()));
    }
}
