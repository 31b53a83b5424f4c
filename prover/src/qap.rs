//! circom/snarkjs's QAP reduction: the quotient's evaluations on the odd coset.
//!
//! With a(X), b(X), c(X) interpolating A·w, B·w and (A·w)∘(B·w) on the n-th roots of unity,
//! a·b − c vanishes on them, so h = (a·b − c)/Z. snarkjs's zkey H query already folds 1/Z
//! (constant −2 on the coset g·⟨ω⟩, g a primitive 2n-th root) and the Lagrange basis of that
//! coset into its points, so the prover's H scalars are simply a·b − c evaluated on the coset.
//! C's evaluations are A·w times B·w on the domain: circom's constraints in a zkey only carry
//! A and B, which is also why public inputs get their own rows (1·x_i · 0 = 0).

use crate::key::{Entry, ProvingKey};
use zk402_circuit::Fr;

/// The H-query scalars for a witness that has `key.n_vars` wires.
pub fn quotient_on_coset(key: &ProvingKey, witness: &[Fr]) -> Vec<Fr> {
    let n = key.fft.size();
    let mut a = matrix_times_witness(&key.a_entries, witness, n);
    let mut b = matrix_times_witness(&key.b_entries, witness, n);
    let mut c: Vec<Fr> = a.iter().zip(&b).map(|(x, y)| *x * y).collect();
    rayon::join(
        || key.fft.domain_to_coset(&mut a),
        || rayon::join(|| key.fft.domain_to_coset(&mut b), || key.fft.domain_to_coset(&mut c)),
    );
    a.iter().zip(&b).zip(&c).map(|((x, y), z)| *x * y - z).collect()
}

fn matrix_times_witness(entries: &[Entry], witness: &[Fr], n: usize) -> Vec<Fr> {
    let mut out = vec![Fr::from(0u64); n];
    for &(row, wire, value) in entries {
        let w = witness[wire as usize];
        // Most wires are bits: skip the multiplication for 0 and 1.
        if w == Fr::from(0u64) {
            continue;
        }
        out[row as usize] += if w == Fr::from(1u64) { value } else { value * w };
    }
    out
}
