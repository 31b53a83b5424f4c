//! Phase 1 (powers of tau) for tests and demos: a fresh ptau from known secrets, and
//! `prepare phase2` — the Lagrange-basis sections snarkjs's `zkey new` reads — for any ptau.
//!
//! A ptau made here is single-party (whoever runs it knows tau); production setups import a
//! public multi-party ptau and only prepare it.

use crate::progress::Progress;
use crate::ptau::{Lagrange, Ptau};
use ark_bn254::{Fr, G1Projective, G2Projective};
use ark_ec::{CurveGroup, PrimeGroup, scalar_mul::ScalarMul};
use ark_ff::{Field, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};

/// The three phase-1 secrets.
#[derive(Debug, Clone, Copy)]
pub struct Phase1Secrets {
    /// tau, the evaluation point.
    pub tau: Fr,
    /// alpha.
    pub alpha: Fr,
    /// beta.
    pub beta: Fr,
}

fn powers(x: Fr, n: usize) -> Vec<Fr> {
    std::iter::successors(Some(Fr::ONE), |p| Some(*p * x)).take(n).collect()
}

fn domain(p: u32) -> Radix2EvaluationDomain<Fr> {
    Radix2EvaluationDomain::new(1 << p).expect("power within BN254's 2-adicity")
}

/// The Lagrange section scalars: for each p in 0..=last, the inverse FFT of the first 2^p of
/// `scalars` (missing entries taken as zero), concatenated.
fn lagrange_scalars(scalars: &[Fr], last: u32) -> Vec<Fr> {
    (0..=last)
        .flat_map(|p| {
            let mut v: Vec<Fr> = scalars.iter().copied().take(1 << p).collect();
            v.resize(1 << p, Fr::zero());
            domain(p).ifft(&v)
        })
        .collect()
}

/// A prepared ptau of 2^`power` from known secrets (fixed-base multiplications only).
pub fn new_ptau(power: u32, s: &Phase1Secrets, progress: &Progress) -> Ptau {
    let n = 1usize << power;
    let g1 = G1Projective::generator();
    let g2 = G2Projective::generator();
    let tau = powers(s.tau, 2 * n - 1);
    let scaled = |k: Fr| tau[..n].iter().map(|t| *t * k).collect::<Vec<_>>();
    let (alpha_tau, beta_tau) = (scaled(s.alpha), scaled(s.beta));
    progress.step("powers of tau");
    let tau_g1 = g1.batch_mul(&tau);
    let tau_g2 = g2.batch_mul(&tau[..n]);
    let alpha_tau_g1 = g1.batch_mul(&alpha_tau);
    let beta_tau_g1 = g1.batch_mul(&beta_tau);
    progress.step("Lagrange bases");
    let lagrange = Lagrange {
        tau_g1: g1.batch_mul(&lagrange_scalars(&tau, power + 1)),
        tau_g2: g2.batch_mul(&lagrange_scalars(&tau[..n], power)),
        alpha_tau_g1: g1.batch_mul(&lagrange_scalars(&alpha_tau, power)),
        beta_tau_g1: g1.batch_mul(&lagrange_scalars(&beta_tau, power)),
    };
    Ptau {
        power,
        ceremony_power: power,
        tau_g1,
        tau_g2,
        alpha_tau_g1,
        beta_tau_g1,
        beta_g2: (g2 * s.beta).into_affine(),
        contributions: 0u32.to_le_bytes().to_vec(),
        lagrange: Some(lagrange),
    }
}

/// Inverse FFTs over group points for p = 0..=last, concatenated (missing points are zero).
fn lagrange_points<G: CurveGroup<ScalarField = Fr>>(
    points: &[G::Affine],
    last: u32,
    progress: &Progress,
) -> Vec<G::Affine> {
    let mut out = Vec::with_capacity((1 << (last + 1)) - 1);
    for p in 0..=last {
        progress.step(&format!("Lagrange basis 2^{p}"));
        let mut v: Vec<G> = points.iter().take(1 << p).map(|a| (*a).into()).collect();
        v.resize(1 << p, G::zero());
        out.extend(G::normalize_batch(&domain(p).ifft(&v)));
    }
    out
}

/// `prepare phase2`: adds sections 12–15 computed from the powers by inverse FFTs in the group.
pub fn prepare(ptau: &mut Ptau, progress: &Progress) {
    let power = ptau.power;
    ptau.lagrange = Some(Lagrange {
        tau_g1: lagrange_points::<G1Projective>(&ptau.tau_g1, power + 1, progress),
        tau_g2: lagrange_points::<G2Projective>(&ptau.tau_g2, power, progress),
        alpha_tau_g1: lagrange_points::<G1Projective>(&ptau.alpha_tau_g1, power, progress),
        beta_tau_g1: lagrange_points::<G1Projective>(&ptau.beta_tau_g1, power, progress),
    });
}

impl Phase1Secrets {
    /// Draws tau, alpha, beta from a ChaCha stream.
    pub fn from_rng(rng: &mut crate::chacha::ChaCha) -> Phase1Secrets {
        use crate::keygen::fr_from_rng;
        Phase1Secrets { tau: fr_from_rng(rng), alpha: fr_from_rng(rng), beta: fr_from_rng(rng) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chacha::ChaCha;

    #[test]
    fn prepare_by_group_fft_equals_lagrange_bases_from_the_secrets_and_files_round_trip() {
        let secrets = Phase1Secrets::from_rng(&mut ChaCha::from_hash(&[7; 32]));
        let direct = new_ptau(3, &secrets, &Progress::silent());
        let mut prepared = direct.clone();
        prepared.lagrange = None;
        let unprepared = Ptau::read(&prepared.write()).unwrap();
        assert_eq!(unprepared, prepared);
        prepare(&mut prepared, &Progress::silent());
        assert_eq!(prepared, direct);
        assert_eq!(Ptau::read(&direct.write()).unwrap(), direct);
    }
}
