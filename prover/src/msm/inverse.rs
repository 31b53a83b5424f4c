//! F_q inversion by the binary extended GCD with Pornin's 64-bit approximations ("Optimized
//! Binary GCD for Modular Inversion", 2020): 31 steps of the binary GCD at a time on 64-bit
//! words (the low 31 and top 33 bits of each operand), then one update of the full-size
//! values by the accumulated 2×2 matrix, the Bézout coefficients divided by 2^31 modulo q
//! Montgomery-style. About four times as fast as ark-ff's inversion here (1.5 against
//! 6 µs); variable time, like ark-ff's (the MSM's bucket contents are already
//! data-dependent).

use ark_bn254::{Fq, FqConfig};
use ark_ff::{BigInt, Field, MontConfig, PrimeField};
use std::sync::LazyLock;

/// Steps per outer iteration.
const STEPS: u32 = 31;

/// Outer iterations after which the approximations are given up (the GCD removes 2·254 − 1
/// bits, about 31 per iteration: at most 16 iterations seen over 20,000 random values).
const MAX_ITERATIONS: usize = 64;

/// The modulus.
const Q: [u64; 4] = Fq::MODULUS.0;

/// −q⁻¹ mod 2^31.
const Q_INV: u64 = <FqConfig as MontConfig<4>>::INV & ((1 << STEPS) - 1);

/// The field element 2^512 (ark-ff's R²), whose representation is R³ mod q: it turns the
/// integer inverse of a representation x·R into (x⁻¹)·R.
static R_SQUARED: LazyLock<Fq> = LazyLock::new(|| Fq::from(2u64).pow([512]));

/// x⁻¹, or `None` for zero.
pub fn inverse(x: &Fq) -> Option<Fq> {
    inverse_within(x, MAX_ITERATIONS)
}

fn inverse_within(x: &Fq, iterations: usize) -> Option<Fq> {
    match integer_inverse(&x.0.0, iterations) {
        // The integer inverse of x·R is x⁻¹·R⁻¹: read as a representation, x⁻¹·R⁻², times R².
        Some(inverse) => Some(Fq::new_unchecked(BigInt(inverse)) * *R_SQUARED),
        // Zero, or (never seen) approximations that did not converge.
        None => x.inverse(),
    }
}

/// y⁻¹ mod q for an integer y < q; `None` when y = 0, or when `iterations` outer
/// iterations did not reach the GCD.
fn integer_inverse(y: &[u64; 4], iterations: usize) -> Option<[u64; 4]> {
    // Invariants: a ≡ u·y and b ≡ v·y (mod q), b odd.
    let (mut a, mut b) = (*y, Q);
    let (mut u, mut v) = ([1, 0, 0, 0], [0u64; 4]);
    for _ in 0..iterations {
        if a == [0; 4] {
            return (b == [1, 0, 0, 0]).then_some(v);
        }
        let n = bit_length(&a).max(bit_length(&b)).max(64);
        let [mut f0, mut g0, mut f1, mut g1] = steps(approximate(&a, n), approximate(&b, n));
        let (new_a, a_negative) = shifted_combination(&a, f0, &b, g0);
        let (new_b, b_negative) = shifted_combination(&a, f1, &b, g1);
        if a_negative {
            (f0, g0) = (-f0, -g0);
        }
        if b_negative {
            (f1, g1) = (-f1, -g1);
        }
        (a, b) = (new_a, new_b);
        (u, v) = (divided_combination(&u, f0, &v, g0), divided_combination(&u, f1, &v, g1));
    }
    None
}

fn bit_length(x: &[u64; 4]) -> u32 {
    x.iter().rposition(|w| *w != 0).map_or(0, |i| 64 * i as u32 + 64 - x[i].leading_zeros())
}

/// The low 31 bits of x below its top 33 bits of an n-bit window.
fn approximate(x: &[u64; 4], n: u32) -> u64 {
    let low = x[0] & ((1 << STEPS) - 1);
    let shift = n - 33;
    let (word, bit) = ((shift / 64) as usize, shift % 64);
    let mut top = x[word] >> bit;
    if bit > 31 && word + 1 < 4 {
        top |= x[word + 1] << (64 - bit);
    }
    low | ((top & ((1 << 33) - 1)) << STEPS)
}

/// 31 binary-GCD steps on the approximations: [f0, g0, f1, g1] with
/// a′ = (f0·a + g0·b)/2^31 and b′ = (f1·a + g1·b)/2^31. Branch-free: the branches of the
/// binary GCD are data-dependent coin flips that a predictor mostly misses.
fn steps(mut a: u64, mut b: u64) -> [i64; 4] {
    let (mut f0, mut g0, mut f1, mut g1) = (1i64, 0i64, 0i64, 1i64);
    for _ in 0..STEPS {
        // All ones where a is odd, and where, besides, a < b (then a and b swap first).
        let odd = (a & 1).wrapping_neg();
        let swap = odd & ((a < b) as u64).wrapping_neg();
        let t = (a ^ b) & swap;
        (a, b) = (a ^ t, b ^ t);
        let t = (f0 ^ f1) & swap as i64;
        (f0, f1) = (f0 ^ t, f1 ^ t);
        let t = (g0 ^ g1) & swap as i64;
        (g0, g1) = (g0 ^ t, g1 ^ t);
        // If a is odd: a − b (even).
        a = a.wrapping_sub(b & odd);
        f0 -= f1 & odd as i64;
        g0 -= g1 & odd as i64;
        a >>= 1;
        f1 <<= 1;
        g1 <<= 1;
    }
    [f0, g0, f1, g1]
}

/// f·x + g·y as a signed 320-bit number (five words, two's complement).
fn combination(x: &[u64; 4], f: i64, y: &[u64; 4], g: i64) -> [u64; 5] {
    let mut out = [0u64; 5];
    let mut carry: i128 = 0;
    for i in 0..4 {
        let t = x[i] as i128 * f as i128 + y[i] as i128 * g as i128 + carry;
        out[i] = t as u64;
        carry = t >> 64;
    }
    out[4] = carry as u64;
    out
}

/// |(f·x + g·y) / 2^31| (an exact division) and whether it was negative.
fn shifted_combination(x: &[u64; 4], f: i64, y: &[u64; 4], g: i64) -> ([u64; 4], bool) {
    let t = combination(x, f, y, g);
    let negative = (t[4] as i64) < 0;
    let t = if negative { negate(&t) } else { t };
    (std::array::from_fn(|i| (t[i] >> STEPS) | (t[i + 1] << (64 - STEPS))), negative)
}

/// (f·x + g·y)·2^−31 mod q, in [0, q).
fn divided_combination(x: &[u64; 4], f: i64, y: &[u64; 4], g: i64) -> [u64; 4] {
    let mut t = combination(x, f, y, g);
    // Adding k·q (k < 2^31) clears the low 31 bits; the shifted result lies in (−3q, 3q).
    let k = t[0].wrapping_mul(Q_INV) & ((1 << STEPS) - 1);
    let mut carry: u128 = 0;
    for (i, word) in t.iter_mut().enumerate() {
        let s = *word as u128 + *Q.get(i).unwrap_or(&0) as u128 * k as u128 + carry;
        *word = s as u64;
        carry = s >> 64;
    }
    let mut r: [u64; 5] = std::array::from_fn(|i| {
        if i < 4 { (t[i] >> STEPS) | (t[i + 1] << (64 - STEPS)) } else { ((t[4] as i64) >> STEPS) as u64 }
    });
    let q = [Q[0], Q[1], Q[2], Q[3], 0];
    while (r[4] as i64) < 0 {
        r = add(&r, &q);
    }
    while !less_than_q(&r) {
        r = add(&r, &negate(&q));
    }
    [r[0], r[1], r[2], r[3]]
}

fn negate(x: &[u64; 5]) -> [u64; 5] {
    add(&x.map(|w| !w), &[1, 0, 0, 0, 0])
}

/// x + y, wrapping at 2^320 (two's complement).
fn add(x: &[u64; 5], y: &[u64; 5]) -> [u64; 5] {
    let mut out = [0u64; 5];
    let mut carry = 0u128;
    for i in 0..5 {
        let s = x[i] as u128 + y[i] as u128 + carry;
        out[i] = s as u64;
        carry = s >> 64;
    }
    out
}

fn less_than_q(x: &[u64; 5]) -> bool {
    if x[4] != 0 {
        return false;
    }
    for i in (0..4).rev() {
        if x[i] != Q[i] {
            return x[i] < Q[i];
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::msm::random_element as random;

    #[test]
    fn inverses_match_arkworks() {
        let q_minus = |k: u64| -Fq::from(k);
        let mut values: Vec<Fq> = vec![Fq::from(1u64), Fq::from(2u64), Fq::from(3u64), q_minus(1), q_minus(2)];
        values.extend((0..254).map(|k| Fq::from(2u64).pow([k])));
        values.extend((1..254).map(|k| Fq::from(2u64).pow([k]) - Fq::from(1u64)));
        values.extend((0..20_000).map(|_| random::<Fq>()));
        // Representations (not values) that are small or near q.
        values.extend([1u64, 2, 3, u64::MAX].map(|w| Fq::new_unchecked(BigInt([w, 0, 0, 0]))));
        for x in values {
            assert_eq!(inverse(&x), x.inverse(), "{x}");
            assert!(integer_inverse(&x.0.0, MAX_ITERATIONS).is_some(), "converged for {x}");
        }
        assert_eq!(inverse(&Fq::from(0u64)), None);
        // Cut short, the GCD falls back to ark-ff.
        let x: Fq = random();
        assert_eq!(integer_inverse(&x.0.0, 2), None);
        assert_eq!(inverse_within(&x, 2), x.inverse());
    }
}
