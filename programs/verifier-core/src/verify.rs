//! Single-proof verification: e(−A, B)·e(α, β)·e(L, γ)·e(C, δ) = 1 with
//! L = IC₀ + Σ xⱼ·ICⱼ₊₁.

use crate::bn254::{PAIR_LEN, g1_add, g1_mul, pairing_check};
use crate::encoding::{Proof, check_inputs};
use crate::error::VerifyError;
use crate::vk::VerifyingKey;

/// IC₀ + Σ_{j<k} xⱼ·ICⱼ₊₁ for the first `k` public inputs: inputs that are fixed for a policy
/// (here `policy_hash`) folded once, so each verification pays only for the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputBase {
    /// The partial sum, a G1 point.
    pub point: [u8; 64],
    /// How many leading public inputs it includes.
    pub folded: usize,
}

impl InputBase {
    /// Folds the leading public inputs into IC₀.
    pub fn fold(vk: &VerifyingKey<'_>, leading: &[[u8; 32]]) -> Result<InputBase, VerifyError> {
        if leading.len() > vk.n_public() {
            return Err(VerifyError::WrongInputCount);
        }
        check_inputs(leading)?;
        let point = vk.ic.first().ok_or(VerifyError::WrongInputCount)?;
        let point = accumulate(*point, &vk.ic[1..], leading)?;
        Ok(InputBase { point, folded: leading.len() })
    }

    /// The IC points of the inputs not folded.
    pub(crate) fn remaining_ic<'a>(&self, vk: &VerifyingKey<'a>) -> &'a [[u8; 64]] {
        vk.ic.get(self.folded + 1..).unwrap_or(&[])
    }
}

/// acc + Σ xⱼ·pointsⱼ.
pub(crate) fn accumulate(
    mut acc: [u8; 64],
    points: &[[u8; 64]],
    scalars: &[[u8; 32]],
) -> Result<[u8; 64], VerifyError> {
    for (p, x) in points.iter().zip(scalars) {
        acc = g1_add(&acc, &g1_mul(p, x)?)?;
    }
    Ok(acc)
}

/// Verifies one proof; `inputs` are the public inputs after those folded into `base`.
pub fn verify(vk: &VerifyingKey<'_>, base: &InputBase, proof: &Proof, inputs: &[[u8; 32]]) -> Result<(), VerifyError> {
    let ic = base.remaining_ic(vk);
    if inputs.len() != ic.len() {
        return Err(VerifyError::WrongInputCount);
    }
    check_inputs(inputs)?;
    let l = accumulate(base.point, ic, inputs)?;
    let mut pairs = [0u8; 4 * PAIR_LEN];
    let g1s: [&[u8; 64]; 4] = [&proof.a_neg, vk.alpha_g1, &l, &proof.c];
    let g2s: [&[u8; 128]; 4] = [&proof.b, vk.beta_g2, vk.gamma_g2, vk.delta_g2];
    for (i, (g1, g2)) in g1s.iter().zip(g2s).enumerate() {
        pairs[i * PAIR_LEN..i * PAIR_LEN + 64].copy_from_slice(*g1);
        pairs[i * PAIR_LEN + 64..(i + 1) * PAIR_LEN].copy_from_slice(g2);
    }
    pairing_check(&pairs)
}
