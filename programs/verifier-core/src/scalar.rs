//! Σ wᵢ·xᵢ mod r for 128-bit weights and 256-bit big-endian inputs, without a field library:
//! schoolbook products into a 512-bit accumulator, then Montgomery reduction. This is the
//! scalar work of a batch (one sum per public input), cheap in SBF next to a G1 multiplication.
//! Products are formed from 32-bit halves ([`mac`]): upstream LLVM's BPF backend cannot emit
//! the `__multi3` call a 128-bit multiplication lowers to.

/// r as little-endian 64-bit limbs.
const R: [u64; 4] = [0x43e1_f593_f000_0001, 0x2833_e848_79b9_7091, 0xb850_45b6_8181_585d, 0x3064_4e72_e131_a029];
/// −r⁻¹ mod 2⁶⁴.
const INV: u64 = 0xc2e1_f593_efff_ffff;
/// R² mod r for R = 2²⁵⁶.
const R2: [u64; 4] = [0x1bb8_e645_ae21_6da7, 0x53fe_3ab1_e35c_59e3, 0x8c49_833d_53bb_8085, 0x0216_d0b1_7f4e_44a5];

const LOW32: u64 = 0xffff_ffff;

/// a·b + c + d as (low, high) 64-bit words (never overflows: at most 2¹²⁸ − 1).
#[inline(always)]
fn mac(a: u64, b: u64, c: u64, d: u64) -> (u64, u64) {
    let (a0, a1, b0, b1) = (a & LOW32, a >> 32, b & LOW32, b >> 32);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    let mid = (p00 >> 32) + (p01 & LOW32) + (p10 & LOW32);
    let lo = (p00 & LOW32) | (mid << 32);
    let hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    let (lo, o1) = lo.overflowing_add(c);
    let (lo, o2) = lo.overflowing_add(d);
    (lo, hi + u64::from(o1) + u64::from(o2))
}

/// Adds `carry` into `limbs[from..]`.
#[inline(always)]
fn propagate(limbs: &mut [u64], from: usize, mut carry: u64) {
    for limb in limbs.iter_mut().skip(from) {
        if carry == 0 {
            break;
        }
        let (s, o) = limb.overflowing_add(carry);
        *limb = s;
        carry = u64::from(o);
    }
}

/// A running Σ wᵢ·xᵢ (exact, up to 2¹²⁸ terms of < 2³⁸⁴ each).
#[derive(Debug, Clone, Default)]
pub struct Accumulator {
    limbs: [u64; 8],
}

impl Accumulator {
    /// An empty sum.
    pub const fn new() -> Accumulator {
        Accumulator { limbs: [0; 8] }
    }

    /// Adds w·x for a 32-byte big-endian x.
    pub fn add_product(&mut self, w: u128, x_be: &[u8; 32]) {
        let x = limbs_from_be(x_be);
        let w = [w as u64, (w >> 64) as u64];
        for (i, wi) in w.iter().enumerate() {
            let mut carry = 0;
            for (j, xj) in x.iter().enumerate() {
                (self.limbs[i + j], carry) = mac(*wi, *xj, self.limbs[i + j], carry);
            }
            propagate(&mut self.limbs, i + 4, carry);
        }
    }

    /// The sum mod r, as a 32-byte big-endian scalar.
    pub fn reduce(&self) -> [u8; 32] {
        // redc(T) = T·R⁻¹; multiplying by R² in Montgomery form gives T·R⁻¹·R²·R⁻¹ = T mod r.
        limbs_to_be(&mont_mul(&redc(self.limbs), &R2))
    }
}

/// Σ wᵢ for 128-bit weights as a 32-byte big-endian integer. For fewer than 2¹²⁵ weights it is
/// below 2²⁵³ < r, a canonical scalar with no reduction.
pub fn weight_sum(weights: &[u128]) -> [u8; 32] {
    let (mut lo, mut hi) = (0u128, 0u128);
    for w in weights {
        let (sum, carry) = lo.overflowing_add(*w);
        lo = sum;
        hi += u128::from(carry);
    }
    let mut out = [0u8; 32];
    out[..16].copy_from_slice(&hi.to_be_bytes());
    out[16..].copy_from_slice(&lo.to_be_bytes());
    out
}

/// Montgomery reduction of T < r·2²⁵⁶: T·2⁻²⁵⁶ mod r.
fn redc(t: [u64; 8]) -> [u64; 4] {
    let mut t = [t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], 0];
    for i in 0..4 {
        let m = t[i].wrapping_mul(INV);
        let mut carry = 0;
        for j in 0..4 {
            (t[i + j], carry) = mac(m, R[j], t[i + j], carry);
        }
        propagate(&mut t, i + 4, carry);
    }
    // The result is below 2r < 2²⁵⁶, so t[8] is zero; one subtraction makes it canonical.
    sub_r_if_needed([t[4], t[5], t[6], t[7]])
}

fn mont_mul(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let mut t = [0u64; 8];
    for i in 0..4 {
        let mut carry = 0;
        for j in 0..4 {
            (t[i + j], carry) = mac(a[i], b[j], t[i + j], carry);
        }
        t[i + 4] = carry;
    }
    redc(t)
}

fn sub_r_if_needed(x: [u64; 4]) -> [u64; 4] {
    let ge = x.iter().rev().zip(R.iter().rev()).find(|(a, b)| a != b).is_none_or(|(a, b)| a > b);
    if !ge {
        return x;
    }
    let mut out = [0u64; 4];
    let mut borrow = false;
    for i in 0..4 {
        let (d, b1) = x[i].overflowing_sub(R[i]);
        let (d, b2) = d.overflowing_sub(u64::from(borrow));
        out[i] = d;
        borrow = b1 || b2;
    }
    out
}

fn limbs_from_be(x: &[u8; 32]) -> [u64; 4] {
    let mut out = [0u64; 4];
    for (i, limb) in out.iter_mut().enumerate() {
        let start = 32 - 8 * (i + 1);
        *limb = u64::from_be_bytes(x[start..start + 8].try_into().unwrap_or([0; 8]));
    }
    out
}

fn limbs_to_be(x: &[u64; 4]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, limb) in x.iter().enumerate() {
        let start = 32 - 8 * (i + 1);
        out[start..start + 8].copy_from_slice(&limb.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::Fr;
    use ark_ff::{BigInteger, Field, PrimeField, UniformRand};

    fn be(x: &Fr) -> [u8; 32] {
        x.into_bigint().to_bytes_be().try_into().unwrap()
    }

    #[test]
    fn constants_match_arkworks() {
        let r = <Fr as PrimeField>::MODULUS;
        assert_eq!(r.0, R);
        assert_eq!(INV, inv64(r.0[0]).wrapping_neg());
        let r2 = Fr::from(2u64).pow([512]).into_bigint();
        assert_eq!(r2.0, R2);
    }

    fn inv64(x: u64) -> u64 {
        // Newton iteration for x⁻¹ mod 2⁶⁴ (x odd).
        let mut y = 1u64;
        for _ in 0..7 {
            y = y.wrapping_mul(2u64.wrapping_sub(x.wrapping_mul(y)));
        }
        y
    }

    #[test]
    fn weighted_sums_match_field_arithmetic() {
        let mut rng = ark_std::test_rng();
        for n in [1usize, 2, 10, 64] {
            let mut acc = Accumulator::new();
            let mut expected = Fr::from(0u64);
            for _ in 0..n {
                let w = u128::rand(&mut rng);
                let x = Fr::rand(&mut rng);
                acc.add_product(w, &be(&x));
                expected += Fr::from(w) * x;
            }
            assert_eq!(acc.reduce(), be(&expected), "n = {n}");
        }
    }

    #[test]
    fn weight_sums_are_exact_integers() {
        let w = [u128::MAX, u128::MAX, 5];
        let expected = Fr::from(u128::MAX) * Fr::from(2u64) + Fr::from(5u64);
        assert_eq!(weight_sum(&w), be(&expected));
        assert_eq!(weight_sum(&[]), [0u8; 32]);
    }

    #[test]
    fn extremes_reduce_correctly() {
        let r_minus_1 = -Fr::from(1u64);
        let mut acc = Accumulator::new();
        for _ in 0..16 {
            acc.add_product(u128::MAX, &be(&r_minus_1));
        }
        assert_eq!(acc.reduce(), be(&(Fr::from(u128::MAX) * r_minus_1 * Fr::from(16u64))));
        assert_eq!(Accumulator::new().reduce(), [0u8; 32]);
    }
}
