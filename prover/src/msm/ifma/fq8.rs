//! F_q arithmetic on eight elements at once with AVX-512 IFMA, whose instructions multiply
//! 52-bit limbs into 104-bit products and add the low or high half to 64-bit lanes.
//!
//! An [`Fq8`] holds eight elements as five 52-bit limbs each (register j holds limb j of all
//! eight). Multiplication is Montgomery's with R = 2^260, so it carries forms through:
//! ark-ff's form x·2^256 ("plain") times the form x·2^260 ("scaled", plain × 16) is plain,
//! scaled times scaled is scaled. Values are kept partly reduced, below a small multiple of q
//! that each caller tracks: a Montgomery product is below a·b/2^260 + q, so factors whose
//! product is below 2^260·q (q < 2^254: 2q × 32q, say) give a product below 2q.

use ark_bn254::{Fq, FqConfig};
use ark_ff::{BigInt, MontConfig, PrimeField};
use std::arch::x86_64::*;

/// Four little-endian 64-bit words (ark-ff's limbs) for each of eight lanes: `words[k][lane]`.
type Words = [[u64; 8]; 4];

/// Eight F_q elements, five 52-bit limbs each.
#[derive(Clone, Copy)]
pub struct Fq8([__m512i; 5]);

const MASK: u64 = (1 << 52) - 1;

/// `words` as five 52-bit limbs.
const fn limbs(words: [u64; 4]) -> [u64; 5] {
    [
        words[0] & MASK,
        ((words[0] >> 52) | (words[1] << 12)) & MASK,
        ((words[1] >> 40) | (words[2] << 24)) & MASK,
        ((words[2] >> 28) | (words[3] << 36)) & MASK,
        words[3] >> 16,
    ]
}

/// k·q as normalised 52-bit limbs (k ≤ 32: below 2^260).
const fn multiple_of_q(k: u64) -> [u64; 5] {
    let q = limbs(Fq::MODULUS.0);
    let mut out = [0; 5];
    let mut carry = 0;
    let mut j = 0;
    while j < 5 {
        let v = q[j] * k + carry;
        out[j] = v & MASK;
        carry = v >> 52;
        j += 1;
    }
    out
}

/// q.
pub const Q: [u64; 5] = multiple_of_q(1);
/// 2q.
pub const Q2: [u64; 5] = multiple_of_q(2);
/// 4q.
pub const Q4: [u64; 5] = multiple_of_q(4);
/// 16q.
pub const Q16: [u64; 5] = multiple_of_q(16);
/// −q⁻¹ mod 2^52.
const Q_INV: u64 = <FqConfig as MontConfig<4>>::INV & MASK;

/// a − b if a ≥ b, else a (normalised limbs).
const fn minus_if_at_least(a: [u64; 5], b: [u64; 5]) -> [u64; 5] {
    let mut out = [0; 5];
    let mut borrow = 0;
    let mut j = 0;
    while j < 5 {
        let v = a[j].wrapping_sub(b[j]).wrapping_sub(borrow);
        out[j] = v & MASK;
        borrow = v >> 63;
        j += 1;
    }
    if borrow == 0 { out } else { a }
}

/// One in the scaled form, 2^260 mod q: ark-ff's one (2^256 mod q) times 16, reduced.
pub const SCALED_ONE: [u64; 5] = {
    let r = <Fq as ark_ff::Field>::ONE.0.0;
    let sixteen_r = [
        (r[0] << 4) & MASK,
        ((r[0] >> 48) | (r[1] << 16)) & MASK,
        ((r[1] >> 36) | (r[2] << 28)) & MASK,
        ((r[2] >> 24) | (r[3] << 40)) & MASK,
        r[3] >> 12,
    ];
    let mut out = minus_if_at_least(sixteen_r, multiple_of_q(8));
    out = minus_if_at_least(out, multiple_of_q(4));
    out = minus_if_at_least(out, multiple_of_q(2));
    minus_if_at_least(out, multiple_of_q(1))
};

#[target_feature(enable = "avx512f")]
#[inline]
fn splat(limbs: [u64; 5]) -> [__m512i; 5] {
    limbs.map(|l| _mm512_set1_epi64(l as i64))
}

#[target_feature(enable = "avx512f")]
#[inline]
fn load(lanes: &[u64; 8]) -> __m512i {
    // SAFETY: reads the 64 bytes of `lanes`; the load has no alignment requirement.
    unsafe { _mm512_loadu_epi64(lanes.as_ptr().cast()) }
}

#[target_feature(enable = "avx512f")]
#[inline]
fn store(lanes: &mut [u64; 8], v: __m512i) {
    // SAFETY: writes the 64 bytes of `lanes`; the store has no alignment requirement.
    unsafe { _mm512_storeu_epi64(lanes.as_mut_ptr().cast(), v) }
}

impl Fq8 {
    /// The same element (given as normalised limbs) in every lane.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn splat(limbs: [u64; 5]) -> Fq8 {
        Fq8(splat(limbs))
    }

    /// Eight elements (ark-ff's plain form), times 16 (→ scaled) if `scaled`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn from_values(values: &[Fq; 8], scaled: bool) -> Fq8 {
        Fq8::from_words(&std::array::from_fn(|k| std::array::from_fn(|lane| values[lane].0.0[k])), scaled)
    }

    /// The eight elements of a value below q.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn to_values(self) -> [Fq; 8] {
        let words = self.to_words();
        std::array::from_fn(|lane| Fq::new_unchecked(BigInt(std::array::from_fn(|k| words[k][lane]))))
    }

    /// Eight values below 2^256 from their words; times 16 (plain → scaled) if `scaled`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn from_words(words: &Words, scaled: bool) -> Fq8 {
        let [w0, w1, w2, w3] = words.each_ref().map(|lanes| load(lanes));
        let mask = _mm512_set1_epi64(MASK as i64);
        let or = |a, b| _mm512_and_si512(_mm512_or_si512(a, b), mask);
        if scaled {
            Fq8([
                _mm512_and_si512(_mm512_slli_epi64::<4>(w0), mask),
                or(_mm512_srli_epi64::<48>(w0), _mm512_slli_epi64::<16>(w1)),
                or(_mm512_srli_epi64::<36>(w1), _mm512_slli_epi64::<28>(w2)),
                or(_mm512_srli_epi64::<24>(w2), _mm512_slli_epi64::<40>(w3)),
                _mm512_srli_epi64::<12>(w3),
            ])
        } else {
            Fq8([
                _mm512_and_si512(w0, mask),
                or(_mm512_srli_epi64::<52>(w0), _mm512_slli_epi64::<12>(w1)),
                or(_mm512_srli_epi64::<40>(w1), _mm512_slli_epi64::<24>(w2)),
                or(_mm512_srli_epi64::<28>(w2), _mm512_slli_epi64::<36>(w3)),
                _mm512_srli_epi64::<16>(w3),
            ])
        }
    }

    /// The words of eight values below 2^256.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn to_words(self) -> Words {
        let [l0, l1, l2, l3, l4] = self.0;
        let words = [
            _mm512_or_si512(l0, _mm512_slli_epi64::<52>(l1)),
            _mm512_or_si512(_mm512_srli_epi64::<12>(l1), _mm512_slli_epi64::<40>(l2)),
            _mm512_or_si512(_mm512_srli_epi64::<24>(l2), _mm512_slli_epi64::<28>(l3)),
            _mm512_or_si512(_mm512_srli_epi64::<36>(l3), _mm512_slli_epi64::<16>(l4)),
        ];
        let mut out = [[0; 8]; 4];
        for (lanes, word) in out.iter_mut().zip(words) {
            store(lanes, word);
        }
        out
    }

    /// 16·self (plain → scaled) for values below 2^256.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn times_16(self) -> Fq8 {
        let l = self.0;
        let mask = _mm512_set1_epi64(MASK as i64);
        let shifted = |j: usize| _mm512_and_si512(_mm512_slli_epi64::<4>(l[j]), mask);
        Fq8([
            shifted(0),
            _mm512_or_si512(shifted(1), _mm512_srli_epi64::<48>(l[0])),
            _mm512_or_si512(shifted(2), _mm512_srli_epi64::<48>(l[1])),
            _mm512_or_si512(shifted(3), _mm512_srli_epi64::<48>(l[2])),
            _mm512_or_si512(shifted(4), _mm512_srli_epi64::<48>(l[3])),
        ])
    }

    /// Montgomery product self·rhs·2^−260, below self·rhs/2^260 + q.
    #[target_feature(enable = "avx512f,avx512ifma")]
    #[inline]
    pub fn mul(self, rhs: Fq8) -> Fq8 {
        let (a, b) = (self.0, rhs.0);
        let q = splat(Q);
        let q_inv = _mm512_set1_epi64(Q_INV as i64);
        let mask = _mm512_set1_epi64(MASK as i64);
        let zero = _mm512_setzero_si512();
        // t = Σ t[j]·2^(52j), limbs unnormalised (each below 2^58).
        let mut t = [zero; 6];
        for ai in a {
            for j in 0..5 {
                t[j] = _mm512_madd52lo_epu64(t[j], ai, b[j]);
                t[j + 1] = _mm512_madd52hi_epu64(t[j + 1], ai, b[j]);
            }
            // m = −t·q⁻¹ mod 2^52 makes t + m·q divisible by 2^52.
            let m = _mm512_and_si512(_mm512_madd52lo_epu64(zero, t[0], q_inv), mask);
            for j in 0..5 {
                t[j] = _mm512_madd52lo_epu64(t[j], m, q[j]);
                t[j + 1] = _mm512_madd52hi_epu64(t[j + 1], m, q[j]);
            }
            let carry = _mm512_srli_epi64::<52>(t[0]);
            t = [_mm512_add_epi64(t[1], carry), t[2], t[3], t[4], t[5], zero];
        }
        let mut carry = zero;
        Fq8(std::array::from_fn(|j| {
            let v = _mm512_add_epi64(t[j], carry);
            carry = _mm512_srli_epi64::<52>(v);
            _mm512_and_si512(v, mask)
        }))
    }

    /// self + rhs.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn add(self, rhs: Fq8) -> Fq8 {
        Fq8(std::array::from_fn(|j| _mm512_add_epi64(self.0[j], rhs.0[j]))).normalised()
    }

    /// self − rhs + offset, for an offset (a multiple of q) above rhs.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn sub(self, rhs: Fq8, offset: [u64; 5]) -> Fq8 {
        let offset = splat(offset);
        Fq8(std::array::from_fn(|j| _mm512_add_epi64(_mm512_sub_epi64(self.0[j], rhs.0[j]), offset[j]))).normalised()
    }

    /// Limbs back below 2^52 by carrying (signed: a limb may be negative after `sub`).
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn normalised(self) -> Fq8 {
        let mask = _mm512_set1_epi64(MASK as i64);
        let mut carry = _mm512_setzero_si512();
        Fq8(std::array::from_fn(|j| {
            let v = _mm512_add_epi64(self.0[j], carry);
            carry = _mm512_srai_epi64::<52>(v);
            if j == 4 { v } else { _mm512_and_si512(v, mask) }
        }))
    }

    /// A value below 8q reduced below q.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn reduced(self) -> Fq8 {
        self.reduce_below(Q4).reduce_below(Q2).reduce_below(Q)
    }

    /// self − bound in the lanes where self ≥ bound.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn reduce_below(self, bound: [u64; 5]) -> Fq8 {
        let bound = splat(bound);
        let mask = _mm512_set1_epi64(MASK as i64);
        let mut carry = _mm512_setzero_si512();
        let difference: [__m512i; 5] = std::array::from_fn(|j| {
            let v = _mm512_add_epi64(_mm512_sub_epi64(self.0[j], bound[j]), carry);
            carry = _mm512_srai_epi64::<52>(v);
            _mm512_and_si512(v, mask)
        });
        // The final borrow is −1 exactly where self < bound.
        let below = _mm512_cmplt_epi64_mask(carry, _mm512_setzero_si512());
        Fq8(std::array::from_fn(|j| _mm512_mask_blend_epi64(below, difference[j], self.0[j])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random() -> [Fq; 8] {
        std::array::from_fn(|_| crate::msm::random_element())
    }

    /// Runs `f` where the CPU has IFMA (the tests pass trivially elsewhere).
    fn on_ifma(f: impl FnOnce()) {
        if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512ifma") {
            f();
        }
    }

    #[test]
    fn products_keep_forms_and_reduce_to_arkworks_values() {
        on_ifma(|| {
            let (a, b) = (random(), random());
            // SAFETY: the CPU has AVX-512 F and IFMA.
            let (plain, scaled) = unsafe {
                let (a8, b8) = (Fq8::from_values(&a, false), Fq8::from_values(&b, true));
                (a8.mul(b8).reduced().to_values(), b8.mul(b8).reduced().to_values())
            };
            let sixteen = Fq::from(16u64);
            for lane in 0..8 {
                assert_eq!(plain[lane], a[lane] * b[lane]);
                assert_eq!(scaled[lane], b[lane] * b[lane] * sixteen);
            }
        });
    }

    #[test]
    fn sums_differences_and_reductions_match_arkworks() {
        on_ifma(|| {
            let (a, mut b) = (random(), random());
            b[3] = a[3]; // a zero difference
            b[5] = Fq::from(0u64);
            let mut c = random();
            c[0] = -Fq::from(1u64); // q − 1: 7q − 1 before reduction
            // SAFETY: the CPU has AVX-512 F and IFMA.
            let (sum, difference, scaled, large) = unsafe {
                let (a8, b8) = (Fq8::from_values(&a, false), Fq8::from_values(&b, false));
                let sum = a8.add(b8).reduced().to_values();
                let difference = a8.sub(b8, Q).reduced().to_values();
                // (16a − 16b)·(plain one) is plain a − b.
                let one = Fq8::from_values(&[Fq::from(1u64); 8], false);
                let scaled = a8.times_16().sub(Fq8::from_values(&b, true), Q16).mul(one).reduced().to_values();
                let c8 = Fq8::from_values(&c, false);
                let large = c8.add(Fq8::splat(Q2)).add(Fq8::splat(Q4)).reduced().to_values();
                (sum, difference, scaled, large)
            };
            for lane in 0..8 {
                assert_eq!(sum[lane], a[lane] + b[lane]);
                assert_eq!(difference[lane], a[lane] - b[lane]);
                assert_eq!(scaled[lane], a[lane] - b[lane]);
                assert_eq!(large[lane], c[lane]);
            }
        });
    }

    /// The 320-bit value of normalised limbs, as five words.
    fn value(limbs: [u64; 5]) -> [u64; 5] {
        let mut out = [0u64; 5];
        for (j, limb) in limbs.iter().enumerate() {
            let (word, shift) = (52 * j / 64, 52 * j % 64);
            out[word] |= limb << shift;
            if shift > 12 {
                out[word + 1] |= limb >> (64 - shift);
            }
        }
        out
    }

    /// k·q as five words.
    fn times_q(k: u64) -> [u64; 5] {
        let mut out = [0u64; 5];
        let mut carry = 0u128;
        for (j, word) in Fq::MODULUS.0.iter().enumerate() {
            let v = *word as u128 * k as u128 + carry;
            out[j] = v as u64;
            carry = v >> 64;
        }
        out[4] = carry as u64;
        out
    }

    #[test]
    fn constants_are_the_modulus_its_multiples_and_its_inverse() {
        assert_eq!(value(Q), times_q(1));
        assert_eq!(value(Q2), times_q(2));
        assert_eq!(value(Q16), times_q(16));
        assert!([Q, Q2, Q16].iter().flatten().all(|limb| *limb <= MASK));
        let mut scaled_one = [0u64; 4];
        scaled_one.copy_from_slice(&value(SCALED_ONE)[..4]);
        assert_eq!(value(SCALED_ONE)[4], 0);
        assert_eq!(Fq::new_unchecked(BigInt(scaled_one)), Fq::from(16u64), "2^260 mod q read in ark-ff's form is 16");
        assert_eq!(Q_INV.wrapping_mul(Fq::MODULUS.0[0]) & MASK, MASK, "q·(−q⁻¹) ≡ −1 mod 2^52");
    }
}
