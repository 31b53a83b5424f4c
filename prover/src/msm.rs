//! Multi-scalar multiplication for circom witnesses: most wires hold 0 or 1 (bits of range
//! checks and comparators), so those terms are skipped or added without a scalar
//! multiplication, and only the remaining scalars go through Pippenger.

use ark_ec::AffineRepr;
use ark_ec::scalar_mul::variable_base::VariableBaseMSM;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ff::{One, PrimeField, Zero};
use zk402_circuit::Fr;

/// Σ scalars[i]·bases[i] over BN254 G1 or G2. `bases` and `scalars` have the same length.
/// Bases at infinity (wires a query does not use) are skipped too.
pub fn msm_skipping_bits<P: SWCurveConfig<ScalarField = Fr>>(bases: &[Affine<P>], scalars: &[Fr]) -> Projective<P> {
    debug_assert_eq!(bases.len(), scalars.len());
    let mut ones = Projective::<P>::zero();
    let mut dense_bases = Vec::new();
    let mut dense_scalars = Vec::new();
    for (base, scalar) in bases.iter().zip(scalars) {
        if scalar.is_zero() || base.is_zero() {
            continue;
        }
        if scalar.is_one() {
            ones += base;
        } else {
            dense_bases.push(*base);
            dense_scalars.push(scalar.into_bigint());
        }
    }
    ones + Projective::<P>::msm_bigint(&dense_bases, &dense_scalars)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Affine, G1Projective};
    use ark_ec::{CurveGroup, PrimeGroup};

    #[test]
    fn matches_the_naive_sum() {
        let g = G1Projective::generator();
        let bases: Vec<G1Affine> = (1..40u64).map(|i| (g * Fr::from(i * 7919)).into_affine()).collect();
        let scalars: Vec<Fr> = (0..39u64).map(|i| Fr::from(i % 3) - Fr::from(u64::from(i % 5 == 0))).collect();
        let naive: G1Projective = bases.iter().zip(&scalars).map(|(b, s)| *b * s).sum();
        assert_eq!(msm_skipping_bits(&bases, &scalars), naive);
    }
}
