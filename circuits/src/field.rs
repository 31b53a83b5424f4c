//! BN254 scalar field elements as the circuit sees them: strict decimal and big-endian
//! encodings (a value >= r is an error, never silently reduced) and the 128-bit limbs of a
//! 32-byte Solana key.

use ark_ff::{BigInteger, PrimeField};

/// An element of the BN254 scalar field F_r, the field every circuit signal lives in.
pub type Fr = ark_bn254::Fr;

/// Why a string or byte string is not a canonical field element.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// Empty, non-digit characters, a sign, or a leading zero.
    #[error("not a canonical decimal integer: {0:?}")]
    NotDecimal(String),
    /// The integer is at least the BN254 scalar modulus r.
    #[error("value is not below the BN254 scalar field modulus")]
    NotBelowModulus,
}

/// Parses a canonical decimal integer (as circom and snarkjs print it) into a field element.
/// Rejects values >= r instead of reducing them.
pub fn fr_from_decimal(s: &str) -> Result<Fr, FieldError> {
    Fr::from_bigint(decimal_to_bigint(s)?).ok_or(FieldError::NotBelowModulus)
}

/// Parses a canonical decimal integer below 2^256 (the strict grammar of
/// [`fr_from_decimal`]); callers reduce nothing and check it against their own modulus.
pub fn decimal_to_bigint(s: &str) -> Result<ark_ff::BigInt<4>, FieldError> {
    let not_decimal = || FieldError::NotDecimal(s.chars().take(80).collect());
    let bytes = s.as_bytes();
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) || (bytes.len() > 1 && bytes[0] == b'0') {
        return Err(not_decimal());
    }
    // 78 decimal digits exceed 2^256; anything that long is out of range anyway.
    if bytes.len() > 78 {
        return Err(FieldError::NotBelowModulus);
    }
    let mut limbs = [0u64; 4];
    for digit in bytes {
        let mut carry = u128::from(digit - b'0');
        for limb in &mut limbs {
            let wide = u128::from(*limb) * 10 + carry;
            *limb = wide as u64;
            carry = wide >> 64;
        }
        if carry != 0 {
            return Err(FieldError::NotBelowModulus);
        }
    }
    Ok(ark_ff::BigInt(limbs))
}

/// Prints a field element as its canonical decimal integer.
pub fn fr_to_decimal(x: &Fr) -> String {
    x.into_bigint().to_string()
}

/// Reads a 32-byte big-endian integer as a field element; values >= r are rejected.
pub fn fr_from_be_bytes(bytes: &[u8; 32]) -> Result<Fr, FieldError> {
    let mut le = *bytes;
    le.reverse();
    fr_from_le_bytes(&le)
}

/// Reads a 32-byte little-endian integer as a field element; values >= r are rejected.
pub fn fr_from_le_bytes(bytes: &[u8; 32]) -> Result<Fr, FieldError> {
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
        *limb = u64::from_le_bytes(chunk.try_into().expect("chunks of 8 bytes"));
    }
    Fr::from_bigint(ark_ff::BigInt(limbs)).ok_or(FieldError::NotBelowModulus)
}

/// The canonical 32-byte big-endian encoding of a field element.
pub fn fr_to_be_bytes(x: &Fr) -> [u8; 32] {
    x.into_bigint().to_bytes_be().try_into().expect("a BN254 scalar is 32 bytes")
}

/// The canonical 32-byte little-endian encoding of a field element.
pub fn fr_to_le_bytes(x: &Fr) -> [u8; 32] {
    x.into_bigint().to_bytes_le().try_into().expect("a BN254 scalar is 32 bytes")
}

/// Splits a 32-byte key into its high and low 128-bit big-endian limbs, as the circuit takes
/// a Solana address (`recipient_hi`, `recipient_lo`).
pub fn key_limbs(key: &[u8; 32]) -> (Fr, Fr) {
    let hi = u128::from_be_bytes(key[..16].try_into().expect("16 bytes"));
    let lo = u128::from_be_bytes(key[16..].try_into().expect("16 bytes"));
    (Fr::from(hi), Fr::from(lo))
}

#[cfg(test)]
mod tests {
    use super::*;

    const R_MINUS_1: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495616";
    const R: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";

    #[test]
    fn decimal_round_trips_and_is_strict() {
        let x = fr_from_decimal(R_MINUS_1).unwrap();
        assert_eq!(fr_to_decimal(&x), R_MINUS_1);
        assert_eq!(fr_from_decimal("0").unwrap(), Fr::from(0u64));
        assert_eq!(fr_from_decimal(R), Err(FieldError::NotBelowModulus));
        assert_eq!(fr_from_decimal(&"9".repeat(200)), Err(FieldError::NotBelowModulus));
        assert_eq!(fr_from_decimal(&"9".repeat(78)), Err(FieldError::NotBelowModulus), "2^256 overflow is caught");
        for bad in ["", "01", "-1", "+1", "1.0", "0x10", " 1", "1 "] {
            assert!(matches!(fr_from_decimal(bad), Err(FieldError::NotDecimal(_))), "{bad:?}");
        }
    }

    #[test]
    fn byte_encodings_round_trip_and_reject_r() {
        let x = fr_from_decimal(R_MINUS_1).unwrap();
        assert_eq!(fr_from_be_bytes(&fr_to_be_bytes(&x)).unwrap(), x);
        assert_eq!(fr_from_le_bytes(&fr_to_le_bytes(&x)).unwrap(), x);
        let mut r_be = fr_to_be_bytes(&x);
        r_be[31] += 1;
        assert_eq!(fr_from_be_bytes(&r_be), Err(FieldError::NotBelowModulus));
        assert_eq!(fr_from_be_bytes(&[0xff; 32]), Err(FieldError::NotBelowModulus));
    }

    #[test]
    fn key_limbs_split_big_endian() {
        let mut key = [0u8; 32];
        key[15] = 1;
        key[31] = 2;
        assert_eq!(key_limbs(&key), (Fr::from(1u64), Fr::from(2u64)));
        let (hi, _) = key_limbs(&[0xff; 32]);
        assert_eq!(hi, Fr::from(u128::MAX));
    }
}
