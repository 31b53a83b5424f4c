//! `zkey new`: the initial Groth16 key (delta = gamma = 1) of a circuit from its `.r1cs` and a
//! prepared `.ptau`, computed exactly as `snarkjs zkey new` does so that both produce the same
//! file, together with the circuit hash that every contribution's transcript starts from.

use crate::mpc::{Hash64, MpcParams};
use crate::points::{g1_uncompressed, g2_uncompressed};
use crate::progress::Progress;
use crate::ptau::Ptau;
use crate::zkey::{Coeff, Matrix, NEW_SECTION_ORDER, Zkey};
use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, g1, g2};
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::One;
use blake2::{Blake2b512, Digest};
use rayon::prelude::*;
use zk402_circuit::r1cs::R1cs;

/// Why a key cannot be made for this circuit and ptau.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NewKeyError {
    /// The ptau lacks sections 12–15.
    #[error("the ptau is not prepared for phase 2 (run `prepare` first)")]
    NotPrepared,
    /// The circuit needs a larger ptau.
    #[error("circuit needs 2^{needed} powers, the ptau has 2^{available}")]
    PtauTooSmall {
        /// Required power.
        needed: u32,
        /// The ptau's power.
        available: u32,
    },
}

/// A term of a wire's query point: a Lagrange point index and its coefficient.
type Terms = Vec<(usize, Fr)>;

/// Σ k·base over each wire's terms (GLV multiplications: ark-bn254's affine `*` does not use it).
fn combine<P: GLVConfig<ScalarField = Fr>>(bases: &[Affine<P>], wires: &[Terms]) -> Vec<Affine<P>> {
    let points: Vec<Projective<P>> = wires
        .par_iter()
        .map(|terms| {
            terms
                .iter()
                .map(
                    |(i, k)| {
                        if k.is_one() { bases[*i].into_group() } else { P::glv_mul_projective(bases[*i].into(), *k) }
                    },
                )
                .sum()
        })
        .collect();
    Projective::normalize_batch(&points)
}

/// The domain power snarkjs uses: ⌊log2(constraints + public)⌋ + 1.
pub fn domain_power(r1cs: &R1cs) -> u32 {
    let n = r1cs.constraints.len() + r1cs.n_public();
    (usize::BITS - 1 - n.max(1).leading_zeros()) + 1
}

/// Builds the initial key and its circuit hash.
pub fn new_zkey(r1cs: &R1cs, ptau: &Ptau, progress: &Progress) -> Result<Zkey, NewKeyError> {
    let lagrange = ptau.lagrange.as_ref().ok_or(NewKeyError::NotPrepared)?;
    let power = domain_power(r1cs);
    if power > ptau.power {
        return Err(NewKeyError::PtauTooSmall { needed: power, available: ptau.power });
    }
    let n_vars = r1cs.n_wires as usize;
    let n_public = r1cs.n_public();
    let n_constraints = r1cs.constraints.len();
    let domain_size = 1usize << power;

    progress.step("collecting constraint terms");
    let (mut a, mut b) = (vec![Terms::new(); n_vars], vec![Terms::new(); n_vars]);
    // The IC/C query: beta·A + alpha·B + C, each over its own Lagrange section.
    let (mut ca, mut cb, mut cc) = (vec![Terms::new(); n_vars], vec![Terms::new(); n_vars], vec![Terms::new(); n_vars]);
    let mut coeffs = Vec::new();
    for (row, constraint) in r1cs.constraints.iter().enumerate() {
        for (wire, k) in &constraint.a {
            a[*wire as usize].push((row, *k));
            ca[*wire as usize].push((row, *k));
            coeffs.push(Coeff { matrix: Matrix::A, constraint: row as u32, signal: *wire, value: *k });
        }
        for (wire, k) in &constraint.b {
            b[*wire as usize].push((row, *k));
            cb[*wire as usize].push((row, *k));
            coeffs.push(Coeff { matrix: Matrix::B, constraint: row as u32, signal: *wire, value: *k });
        }
        for (wire, k) in &constraint.c {
            cc[*wire as usize].push((row, *k));
        }
    }
    // Extra rows binding each public input (and wire 0) so its A polynomials are independent.
    for s in 0..=n_public {
        let row = n_constraints + s;
        a[s].push((row, Fr::one()));
        ca[s].push((row, Fr::one()));
        coeffs.push(Coeff { matrix: Matrix::A, constraint: row as u32, signal: s as u32, value: Fr::one() });
    }

    let tau_l1 = Ptau::lagrange_slice(&lagrange.tau_g1, power);
    let tau_l2 = Ptau::lagrange_slice(&lagrange.tau_g2, power);
    let alpha_l1 = Ptau::lagrange_slice(&lagrange.alpha_tau_g1, power);
    let beta_l1 = Ptau::lagrange_slice(&lagrange.beta_tau_g1, power);

    progress.step("A, B1, B2 queries");
    let a_points = combine::<g1::Config>(tau_l1, &a);
    let b1 = combine::<g1::Config>(tau_l1, &b);
    let b2 = combine::<g2::Config>(tau_l2, &b);
    progress.step("IC and C queries");
    let ic_c: Vec<G1Affine> = {
        let parts = [
            combine::<g1::Config>(beta_l1, &ca),
            combine::<g1::Config>(alpha_l1, &cb),
            combine::<g1::Config>(tau_l1, &cc),
        ];
        let sums: Vec<G1Projective> = (0..n_vars).map(|i| parts.iter().map(|p| p[i].into_group()).sum()).collect();
        G1Projective::normalize_batch(&sums)
    };
    let (ic, c) = (ic_c[..=n_public].to_vec(), ic_c[n_public + 1..].to_vec());
    progress.step("H query");
    let h: Vec<G1Affine> =
        Ptau::lagrange_slice(&lagrange.tau_g1, power + 1).iter().skip(1).step_by(2).copied().collect();

    let mut zkey = Zkey {
        n_vars: r1cs.n_wires,
        n_public: n_public as u32,
        domain_size: domain_size as u32,
        alpha_g1: ptau.alpha_tau_g1[0],
        beta_g1: ptau.beta_tau_g1[0],
        beta_g2: ptau.beta_g2,
        gamma_g2: G2Affine::generator(),
        delta_g1: G1Affine::generator(),
        delta_g2: G2Affine::generator(),
        ic,
        coeffs,
        a: a_points,
        b1,
        b2,
        c,
        h,
        mpc: MpcParams { cs_hash: [0; 64], contributions: Vec::new() },
        section_order: NEW_SECTION_ORDER,
    };
    progress.step("circuit hash");
    zkey.mpc.cs_hash = circuit_hash(&zkey, &ptau.tau_g1);
    Ok(zkey)
}

fn hash_g1s(h: &mut Blake2b512, points: &[G1Affine]) {
    h.update((points.len() as u32).to_be_bytes());
    points.iter().for_each(|p| h.update(g1_uncompressed(p)));
}

/// The circuit hash of an initial key, as `snarkjs zkey new` computes it: the header points,
/// then IC, the H points as (tau^(n+i) − tau^i)·G1, C, A, B1 and B2, each list prefixed with
/// its length (u32 big-endian) and every point in uncompressed form.
pub fn circuit_hash(zkey: &Zkey, tau_g1: &[G1Affine]) -> Hash64 {
    let mut h = Blake2b512::new();
    h.update(g1_uncompressed(&zkey.alpha_g1));
    h.update(g1_uncompressed(&zkey.beta_g1));
    h.update(g2_uncompressed(&zkey.beta_g2));
    h.update(g2_uncompressed(&G2Affine::generator()));
    h.update(g1_uncompressed(&G1Affine::generator()));
    h.update(g2_uncompressed(&G2Affine::generator()));
    hash_g1s(&mut h, &zkey.ic);
    let n = zkey.domain_size as usize;
    let h_points: Vec<G1Projective> = (0..n - 1).map(|i| tau_g1[i + n].into_group() - tau_g1[i]).collect();
    hash_g1s(&mut h, &G1Projective::normalize_batch(&h_points));
    hash_g1s(&mut h, &zkey.c);
    hash_g1s(&mut h, &zkey.a);
    hash_g1s(&mut h, &zkey.b1);
    h.update((zkey.b2.len() as u32).to_be_bytes());
    zkey.b2.iter().for_each(|p| h.update(g2_uncompressed(p)));
    h.finalize().into()
}
