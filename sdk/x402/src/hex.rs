//! Fixed-size byte strings as lowercase hexadecimal (two digits a byte, big-endian, no `0x`),
//! the encoding of nonces, MACs, nullifiers, request hashes and proofs in the `zk-groth16`
//! messages.

use serde::{Deserialize, Deserializer, Serializer};

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Encodes bytes as lowercase hex digits.
pub fn encode(bytes: &[u8]) -> String {
    bytes.iter().flat_map(|b| [DIGITS[usize::from(b >> 4)] as char, DIGITS[usize::from(b & 0xf)] as char]).collect()
}

/// Encodes 32 bytes as 64 lowercase hex digits.
pub fn encode32(bytes: &[u8; 32]) -> String {
    encode(bytes)
}

/// Decodes exactly 64 hex digits (either case) into 32 bytes; `None` otherwise.
pub fn decode32(text: &str) -> Option<[u8; 32]> {
    decode(text)
}

/// Decodes exactly `2 * N` hex digits (either case) into `N` bytes; `None` otherwise.
pub fn decode<const N: usize>(text: &str) -> Option<[u8; N]> {
    let digits = text.as_bytes();
    if digits.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

fn nibble(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// Serde adapter (`#[serde(with = "crate::hex")]`) for `[u8; N]` fields.
pub fn serialize<const N: usize, S: Serializer>(bytes: &[u8; N], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&encode(bytes))
}

/// Serde adapter counterpart of [`serialize`]: refuses anything but `2 * N` hex digits.
pub fn deserialize<'de, const N: usize, D: Deserializer<'de>>(deserializer: D) -> Result<[u8; N], D::Error> {
    let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
    decode(&text).ok_or_else(|| serde::de::Error::custom(format!("expected {} hexadecimal digits ({N} bytes)", 2 * N)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_strictness() {
        let mut bytes = [0u8; 32];
        bytes.iter_mut().enumerate().for_each(|(i, b)| *b = (i as u8).wrapping_mul(37));
        let text = encode32(&bytes);
        assert_eq!(text.len(), 64);
        assert_eq!(decode32(&text), Some(bytes));
        assert_eq!(decode32(&text.to_uppercase()), Some(bytes));
        assert_eq!(decode32(&text[..62]), None, "short");
        assert_eq!(decode32(&format!("{text}00")), None, "long");
        assert_eq!(decode32(&format!("0x{}", &text[2..])), None, "prefix");
        assert_eq!(decode32(&format!("g{}", &text[1..])), None, "non-hex digit");
    }
}
