//! A Groth16 verifying key in syscall encoding, borrowed from generated constants.

/// Verifying key: α in G1, β, γ, δ in G2, and IC[0..=n] in G1 for n public inputs.
#[derive(Debug, Clone, Copy)]
pub struct VerifyingKey<'a> {
    /// α ∈ G1.
    pub alpha_g1: &'a [u8; 64],
    /// β ∈ G2.
    pub beta_g2: &'a [u8; 128],
    /// γ ∈ G2.
    pub gamma_g2: &'a [u8; 128],
    /// δ ∈ G2.
    pub delta_g2: &'a [u8; 128],
    /// IC[0] and one point per public input.
    pub ic: &'a [[u8; 64]],
}

impl VerifyingKey<'_> {
    /// Number of public inputs the key takes.
    pub fn n_public(&self) -> usize {
        self.ic.len().saturating_sub(1)
    }

    /// SHA-256 over every point of the key, the first thing the batch transcript absorbs.
    pub fn digest(&self) -> [u8; 32] {
        let ic = self.ic.as_flattened();
        solana_sha256_hasher::hashv(&[b"zk402/vk/v1", self.alpha_g1, self.beta_g2, self.gamma_g2, self.delta_g2, ic])
            .to_bytes()
    }
}
