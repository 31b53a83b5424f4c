//! The QAP's move from the n-th roots of unity ⟨ω⟩ to the odd coset g·⟨ω⟩ (g a primitive
//! 2n-th root, g² = ω): an inverse NTT, a scaling of coefficient i by gⁱ/n, a forward NTT.
//! Twiddles are precomputed per level and no bit-reversal pass runs: the inverse transform
//! is decimation in frequency (natural order in, bit-reversed out), the scaling is applied in
//! bit-reversed order, and the forward transform is decimation in time (bit-reversed in,
//! natural order out).

use ark_ff::{FftField, Field};
use zk402_circuit::Fr;

/// Precomputed twiddles and coset factors for one domain size.
pub struct CosetFft {
    /// For each half-size h = 1, 2, 4, …, n/2: ω_{2h}^j for j < h, starting at index h − 1.
    forward: Vec<Fr>,
    /// The same for ω⁻¹.
    inverse: Vec<Fr>,
    /// At position p: g^bitrev(p) / n.
    scale: Vec<Fr>,
}

impl CosetFft {
    /// Tables for n = `size` (a power of two); `None` when F_r has no primitive 2n-th root.
    pub fn new(size: usize) -> Option<CosetFft> {
        if !size.is_power_of_two() {
            return None;
        }
        let g = Fr::get_root_of_unity(2 * size as u64)?;
        let omega = g.square();
        let omega_inv = omega.inverse()?;
        let n_inv = Fr::from(size as u64).inverse()?;
        let bits = size.trailing_zeros();
        let mut powers = Vec::with_capacity(size);
        let mut power = n_inv;
        for _ in 0..size {
            powers.push(power);
            power *= g;
        }
        let scale = (0..size).map(|p| powers[bit_reverse(p, bits)]).collect();
        Some(CosetFft { forward: twiddles(omega, size), inverse: twiddles(omega_inv, size), scale })
    }

    /// The domain size n.
    pub fn size(&self) -> usize {
        self.scale.len()
    }

    /// Evaluations on ⟨ω⟩ in place → evaluations on g·⟨ω⟩, both in natural order.
    ///
    /// # Panics
    /// If `values` does not hold exactly n elements.
    pub fn domain_to_coset(&self, values: &mut [Fr]) {
        assert_eq!(values.len(), self.size(), "one value per point of the domain");
        decimate_in_frequency(values, &self.inverse);
        for (x, s) in values.iter_mut().zip(&self.scale) {
            *x *= s;
        }
        decimate_in_time(values, &self.forward);
    }
}

/// Per-level twiddle tables for the primitive n-th root `root` (see [`CosetFft::forward`]).
fn twiddles(root: Fr, n: usize) -> Vec<Fr> {
    let mut out = Vec::with_capacity(n.saturating_sub(1));
    let mut h = 1;
    while h < n {
        let step = root.pow([(n / (2 * h)) as u64]);
        let mut w = Fr::ONE;
        for _ in 0..h {
            out.push(w);
            w *= step;
        }
        h *= 2;
    }
    out
}

fn bit_reverse(i: usize, bits: u32) -> usize {
    if bits == 0 { 0 } else { i.reverse_bits() >> (usize::BITS - bits) }
}

/// Gentleman–Sande butterflies: natural order in, bit-reversed transform out.
fn decimate_in_frequency(x: &mut [Fr], twiddles: &[Fr]) {
    let mut h = x.len() / 2;
    while h >= 1 {
        let w = &twiddles[h - 1..2 * h - 1];
        for block in x.chunks_exact_mut(2 * h) {
            let (lo, hi) = block.split_at_mut(h);
            // The first twiddle is 1.
            let d = lo[0] - hi[0];
            lo[0] += hi[0];
            hi[0] = d;
            for ((u, v), w) in lo.iter_mut().zip(hi.iter_mut()).zip(w).skip(1) {
                let d = *u - *v;
                *u += *v;
                *v = d * w;
            }
        }
        h /= 2;
    }
}

/// Cooley–Tukey butterflies: bit-reversed order in, natural-order transform out.
fn decimate_in_time(x: &mut [Fr], twiddles: &[Fr]) {
    let mut h = 1;
    while h < x.len() {
        let w = &twiddles[h - 1..2 * h - 1];
        for block in x.chunks_exact_mut(2 * h) {
            let (lo, hi) = block.split_at_mut(h);
            // The first twiddle is 1.
            let t = hi[0];
            hi[0] = lo[0] - t;
            lo[0] += t;
            for ((u, v), w) in lo.iter_mut().zip(hi.iter_mut()).zip(w).skip(1) {
                let t = *v * w;
                *v = *u - t;
                *u += t;
            }
        }
        h *= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{PrimeField, Zero};
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};

    fn random(n: usize) -> Vec<Fr> {
        let mut bytes = vec![0u8; 64 * n];
        getrandom::fill(&mut bytes).unwrap();
        bytes.chunks(64).map(Fr::from_le_bytes_mod_order).collect()
    }

    /// Interpolates on ⟨ω⟩ and evaluates at g·ωⁱ by the O(n²) definitions.
    fn naive(values: &[Fr]) -> Vec<Fr> {
        let n = values.len();
        let g = Fr::get_root_of_unity(2 * n as u64).unwrap();
        let omega = g.square();
        let n_inv = Fr::from(n as u64).inverse().unwrap();
        let coeffs: Vec<Fr> = (0..n)
            .map(|k| {
                let w = omega.inverse().unwrap().pow([k as u64]);
                values.iter().enumerate().map(|(i, v)| *v * w.pow([i as u64])).sum::<Fr>() * n_inv
            })
            .collect();
        (0..n)
            .map(|i| {
                let x = g * omega.pow([i as u64]);
                coeffs.iter().rev().fold(Fr::zero(), |acc, c| acc * x + c)
            })
            .collect()
    }

    #[test]
    fn matches_the_definition_on_small_domains() {
        for n in [1, 2, 4, 8, 32] {
            let values = random(n);
            let mut out = values.clone();
            CosetFft::new(n).unwrap().domain_to_coset(&mut out);
            assert_eq!(out, naive(&values), "n = {n}");
        }
    }

    #[test]
    fn matches_arkworks_coset_transform() {
        let n = 4096;
        let values = random(n);
        let mut ours = values.clone();
        CosetFft::new(n).unwrap().domain_to_coset(&mut ours);
        let domain = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
        let coset = domain.get_coset(Fr::get_root_of_unity(2 * n as u64).unwrap()).unwrap();
        let mut theirs = values;
        domain.ifft_in_place(&mut theirs);
        coset.fft_in_place(&mut theirs);
        assert_eq!(ours, theirs);
    }

    #[test]
    fn sizes_without_a_coset_are_refused() {
        assert!(CosetFft::new(3).is_none());
        assert!(CosetFft::new(1 << 28).is_none());
        assert!(CosetFft::new(1 << 10).is_some());
    }
}
