//! Signed fixed-width digits of a scalar, the per-window coefficients of the bucket method.

use ark_ff::BigInt;

/// Bits in the largest scalar (elements of F_r are below 2^254); one more bit leaves room for
/// the carry the signed recoding pushes into the top window.
pub const SCALAR_BITS: usize = 255;

/// Windows of `width` bits needed for any scalar below 2^254 in signed form.
pub fn window_count(width: usize) -> usize {
    SCALAR_BITS.div_ceil(width)
}

/// The signed base-2^`width` digits of `scalar` (< 2^254, `1 <= width <= 32`), lowest first:
/// Σ dₖ·2^(width·k) = scalar with every dₖ in (−2^(width−1), 2^(width−1)], so one bucket per
/// magnitude 1..=2^(width−1) suffices (a negative digit adds the negated point).
pub fn signed_digits(scalar: &BigInt<4>, width: usize) -> impl Iterator<Item = i64> + '_ {
    debug_assert!((1..=32).contains(&width));
    let mask = (1u64 << width) - 1;
    let half = 1u64 << (width - 1);
    let windows = window_count(width);
    let mut carry = 0u64;
    (0..windows).map(move |k| {
        let bit = k * width;
        let (limb, shift) = (bit / 64, bit % 64);
        let mut bits = scalar.0.get(limb).map_or(0, |l| l >> shift);
        if shift + width > 64 {
            bits |= scalar.0.get(limb + 1).map_or(0, |l| l << (64 - shift));
        }
        let coefficient = (bits & mask) + carry;
        // The top window holds at most width−1 bits plus the carry: never recentred.
        if k + 1 < windows && coefficient > half {
            carry = 1;
            coefficient as i64 - (1i64 << width)
        } else {
            carry = 0;
            coefficient as i64
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{BigInteger, PrimeField};
    use zk402_circuit::Fr;

    fn recompose(digits: &[i64], width: usize) -> Fr {
        let radix = Fr::from(1u64 << width);
        digits.iter().rev().fold(Fr::from(0u64), |acc, d| {
            acc * radix + if *d < 0 { -Fr::from(d.unsigned_abs()) } else { Fr::from(*d as u64) }
        })
    }

    #[test]
    fn digits_recompose_the_scalar_and_stay_in_range() {
        let minus_one = -Fr::from(1u64);
        let mut top = BigInt::<4>::zero();
        top.0[3] = 1 << 61; // 2^253
        let cases = [
            Fr::from(0u64),
            Fr::from(1u64),
            Fr::from(2u64),
            minus_one,
            Fr::from_bigint(top).unwrap(),
            Fr::from(u64::MAX),
            Fr::from(0x8000u64),
        ];
        let mut rng = [0u8; 64];
        for width in 1..=20 {
            getrandom::fill(&mut rng).unwrap();
            let random = Fr::from_le_bytes_mod_order(&rng);
            for scalar in cases.iter().chain([&random]) {
                let digits: Vec<i64> = signed_digits(&scalar.into_bigint(), width).collect();
                assert_eq!(digits.len(), window_count(width));
                let half = 1i64 << (width - 1);
                assert!(digits.iter().all(|d| -half < *d && *d <= half), "width {width}: {digits:?}");
                assert_eq!(recompose(&digits, width), *scalar, "width {width}");
            }
        }
        assert!(signed_digits(&Fr::from(0u64).into_bigint(), 13).all(|d| d == 0));
        assert!(minus_one.into_bigint().num_bits() <= 254);
    }
}
