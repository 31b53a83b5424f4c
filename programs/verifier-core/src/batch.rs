//! Batch verification: N proofs under one key in a single pairing check of N+3 pairs.
//!
//! With weights wᵢ (w₀ = 1, the others 128-bit, derived Fiat–Shamir from the key, the folded
//! base, every proof and every input) the N equations combine into
//! ∏ e(wᵢ·(−Aᵢ), Bᵢ) · e(W·α, β) · e(W·base + Σⱼ Sⱼ·ICⱼ, γ) · e(Σ wᵢ·Cᵢ, δ) = 1,
//! where W = Σ wᵢ and Sⱼ = Σ wᵢ·xᵢⱼ mod r. An invalid proof makes the product ≠ 1 except with
//! probability about 2⁻¹²⁷ over the weights, which the prover cannot choose. Cost: 2N+2+k G1
//! multiplications for k unfolded inputs, instead of N·(k + 4 pairs).

use crate::bn254::{PAIR_LEN, g1_add, g1_mul, pairing_check};
use crate::encoding::{Proof, check_inputs};
use crate::error::VerifyError;
use crate::scalar::{Accumulator, weight_sum};
use crate::verify::InputBase;
use crate::vk::VerifyingKey;
use alloc::vec::Vec;

/// Domain separator of the batch transcript.
const TRANSCRIPT_TAG: &[u8] = b"zk402/batch/v1";

/// One proof of a batch and its public inputs after the folded ones.
#[derive(Debug, Clone, Copy)]
pub struct BatchItem<'a> {
    /// The proof.
    pub proof: &'a Proof,
    /// Its unfolded public inputs.
    pub inputs: &'a [[u8; 32]],
}

/// The Fiat–Shamir weights of a batch: w₀ = 1, then 128-bit odd values.
///
/// The transcript is a hash chain, one SHA-256 call per proof (the tag, the key digest, the
/// base and the counts first): no `Vec` of parts that grows, since a growth path computes a
/// runtime-checked layout size, which upstream LLVM's BPF backend lowers to an unsupported
/// `__multi3` call.
pub fn weights(vk: &VerifyingKey<'_>, base: &InputBase, items: &[BatchItem<'_>]) -> Vec<u128> {
    let vk_digest = vk.digest();
    let folded = (base.folded as u32).to_be_bytes();
    let count = (items.len() as u32).to_be_bytes();
    let mut seed = solana_sha256_hasher::hashv(&[TRANSCRIPT_TAG, &vk_digest, &base.point, &folded, &count]).to_bytes();
    for item in items {
        let parts: [&[u8]; 5] = [&seed, &item.proof.a_neg, &item.proof.b, &item.proof.c, item.inputs.as_flattened()];
        seed = solana_sha256_hasher::hashv(&parts).to_bytes();
    }
    let mut w = alloc::vec![0u128; items.len()];
    for (i, wi) in w.iter_mut().enumerate() {
        *wi = if i == 0 {
            1
        } else {
            let h = solana_sha256_hasher::hashv(&[&seed, &(i as u32).to_be_bytes()]).to_bytes();
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(&h[..16]);
            u128::from_be_bytes(bytes) | 1
        };
    }
    w
}

/// Verifies every proof of the batch or none.
pub fn verify_batch(vk: &VerifyingKey<'_>, base: &InputBase, items: &[BatchItem<'_>]) -> Result<(), VerifyError> {
    if items.is_empty() {
        return Err(VerifyError::EmptyBatch);
    }
    let ic = base.remaining_ic(vk);
    for item in items {
        if item.inputs.len() != ic.len() {
            return Err(VerifyError::WrongInputCount);
        }
        check_inputs(item.inputs)?;
    }
    let w = weights(vk, base, items);

    // W = Σ wᵢ; L = W·base + Σⱼ Sⱼ·ICⱼ with Sⱼ = Σ wᵢ·xᵢⱼ, one input at a time.
    let total = weight_sum(&w);
    let mut l_sum = g1_mul(&base.point, &total)?;
    for (j, point) in ic.iter().enumerate() {
        let mut sum = Accumulator::new();
        for (item, wi) in items.iter().zip(&w) {
            sum.add_product(*wi, &item.inputs[j]);
        }
        l_sum = g1_add(&l_sum, &g1_mul(point, &sum.reduce())?)?;
    }

    let mut pairs = alloc::vec![0u8; (items.len() + 3) * PAIR_LEN];
    let mut c_sum = items[0].proof.c;
    for (i, (item, wi)) in items.iter().zip(&w).enumerate() {
        let a = if i == 0 { item.proof.a_neg } else { g1_mul(&item.proof.a_neg, &scalar(*wi))? };
        if i > 0 {
            c_sum = g1_add(&c_sum, &g1_mul(&item.proof.c, &scalar(*wi))?)?;
        }
        pairs[i * PAIR_LEN..i * PAIR_LEN + 64].copy_from_slice(&a);
        pairs[i * PAIR_LEN + 64..(i + 1) * PAIR_LEN].copy_from_slice(&item.proof.b);
    }
    let alpha = g1_mul(vk.alpha_g1, &total)?;
    let n = items.len();
    for (k, (g1, g2)) in [(&alpha, vk.beta_g2), (&l_sum, vk.gamma_g2), (&c_sum, vk.delta_g2)].into_iter().enumerate() {
        let at = (n + k) * PAIR_LEN;
        pairs[at..at + 64].copy_from_slice(g1);
        pairs[at + 64..at + PAIR_LEN].copy_from_slice(g2);
    }
    pairing_check(&pairs)
}

/// A 128-bit weight as a 32-byte big-endian scalar.
fn scalar(w: u128) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[16..].copy_from_slice(&w.to_be_bytes());
    out
}
