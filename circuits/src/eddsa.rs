//! EdDSA-Poseidon on Baby Jubjub, byte-compatible with circomlibjs (`eddsa.js`: `prv2pub`,
//! `signPoseidon`, `verifyPoseidon`) and checked in-circuit by `EdDSAPoseidonVerifier`.

use crate::babyjubjub::{Point, SubgroupScalar, base8, is_on_curve};
use crate::field::{Fr, fr_to_le_bytes};
use crate::poseidon::poseidon;
use ark_ff::{BigInteger, PrimeField, Zero};
use blake_hash::{Blake512, Digest};
use serde::{Deserialize, Serialize};

/// An issuer's secret key: 32 bytes, expanded with BLAKE-512 exactly as circomlibjs does.
#[derive(Clone)]
pub struct SigningKey {
    /// Pruned first half of BLAKE-512(seed): the secret scalar s, little-endian.
    scalar: [u8; 32],
    /// Second half of BLAKE-512(seed): the nonce prefix.
    nonce_prefix: [u8; 32],
    public: PublicKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("public", &self.public).finish_non_exhaustive()
    }
}

/// An issuer's public key A = (s >> 3)·Base8, in circomlib's coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKey {
    /// x coordinate of A (`issuer_Ax`).
    #[serde(with = "crate::serde_fr")]
    pub x: Fr,
    /// y coordinate of A (`issuer_Ay`).
    #[serde(with = "crate::serde_fr")]
    pub y: Fr,
}

/// An EdDSA-Poseidon signature (R8, S).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// x coordinate of R8 = r·Base8.
    #[serde(with = "crate::serde_fr")]
    pub r8x: Fr,
    /// y coordinate of R8.
    #[serde(with = "crate::serde_fr")]
    pub r8y: Fr,
    /// S = r + H(R8, A, msg)·s mod l, an integer below l stored as a field element.
    #[serde(with = "crate::serde_fr")]
    pub s: Fr,
}

/// Why a signature does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The public key is not a curve point.
    #[error("public key is not on Baby Jubjub")]
    KeyNotOnCurve,
    /// 8·A is the identity or (0, -1): a key of small order, under which anyone can sign
    /// (circomlib's verifier rejects it too).
    #[error("public key has small order")]
    KeyOfSmallOrder,
    /// R8 is not a curve point.
    #[error("signature point R8 is not on Baby Jubjub")]
    R8NotOnCurve,
    /// S is not below the subgroup order l (a malleated signature).
    #[error("signature scalar S is not below the subgroup order")]
    SNotCanonical,
    /// The verification equation S·Base8 = R8 + 8·H·A does not hold.
    #[error("signature does not verify")]
    Invalid,
}

impl SigningKey {
    /// Expands a 32-byte seed (circomlibjs's `prv`).
    pub fn from_seed(seed: &[u8; 32]) -> SigningKey {
        let h = Blake512::digest(seed);
        let mut scalar: [u8; 32] = h[..32].try_into().expect("64-byte digest");
        scalar[0] &= 0xF8;
        scalar[31] &= 0x7F;
        scalar[31] |= 0x40;
        let nonce_prefix = h[32..].try_into().expect("64-byte digest");
        let public = base8().mul_le_bytes(&shr3(&scalar));
        SigningKey { scalar, nonce_prefix, public: PublicKey { x: public.x(), y: public.y() } }
    }

    /// A fresh key from the operating system's random number generator.
    pub fn generate() -> Result<SigningKey, getrandom::Error> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed)?;
        Ok(SigningKey::from_seed(&seed))
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        self.public
    }

    /// Signs a field element (circomlibjs `signPoseidon`); deterministic.
    pub fn sign(&self, msg: &Fr) -> Signature {
        let mut nonce_input = [0u8; 64];
        nonce_input[..32].copy_from_slice(&self.nonce_prefix);
        nonce_input[32..].copy_from_slice(&fr_to_le_bytes(msg));
        let r = SubgroupScalar::from_le_bytes_mod_order(&Blake512::digest(&nonce_input[..]));
        let r8 = base8().mul(&r);
        let h = challenge(&r8.x(), &r8.y(), &self.public, msg);
        let s = SubgroupScalar::from_le_bytes_mod_order(&self.scalar);
        let big_s = r + SubgroupScalar::from_le_bytes_mod_order(&fr_to_le_bytes(&h)) * s;
        let big_s = Fr::from_le_bytes_mod_order(&big_s.into_bigint().to_bytes_le());
        Signature { r8x: r8.x(), r8y: r8.y(), s: big_s }
    }
}

impl PublicKey {
    /// Verifies `sig` over `msg` (circomlibjs `verifyPoseidon`, plus the subgroup-order check on S
    /// that the circuit also enforces).
    pub fn verify(&self, msg: &Fr, sig: &Signature) -> Result<(), SignatureError> {
        let a = Point::new(self.x, self.y).ok_or(SignatureError::KeyNotOnCurve)?;
        let r8 = Point::new(sig.r8x, sig.r8y).ok_or(SignatureError::R8NotOnCurve)?;
        if sig.s.into_bigint() >= SubgroupScalar::MODULUS {
            return Err(SignatureError::SNotCanonical);
        }
        let h = challenge(&sig.r8x, &sig.r8y, self, msg);
        let a2 = a.add(&a);
        let a4 = a2.add(&a2);
        let a8 = a4.add(&a4);
        if a8.x().is_zero() {
            return Err(SignatureError::KeyOfSmallOrder);
        }
        let left = base8().mul_fr(&sig.s);
        let right = r8.add(&a8.mul_fr(&h));
        if left == right { Ok(()) } else { Err(SignatureError::Invalid) }
    }

    /// Whether the key is a point of Baby Jubjub.
    pub fn is_on_curve(&self) -> bool {
        is_on_curve(&self.x, &self.y)
    }
}

/// H(R8, A, msg) = Poseidon(R8x, R8y, Ax, Ay, msg).
fn challenge(r8x: &Fr, r8y: &Fr, a: &PublicKey, msg: &Fr) -> Fr {
    poseidon(&[*r8x, *r8y, a.x, a.y, *msg])
}

/// A 256-bit little-endian integer shifted right by 3 bits.
fn shr3(le: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for i in 0..32 {
        let next = if i + 1 < 32 { le[i + 1] } else { 0 };
        out[i] = (le[i] >> 3) | (next << 5);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_then_verify() {
        let key = SigningKey::from_seed(&[7; 32]);
        let msg = Fr::from(42u64);
        let sig = key.sign(&msg);
        assert_eq!(key.public_key().verify(&msg, &sig), Ok(()));
        assert_eq!(key.public_key().verify(&Fr::from(43u64), &sig), Err(SignatureError::Invalid));
        let other = SigningKey::from_seed(&[8; 32]).public_key();
        assert_eq!(other.verify(&msg, &sig), Err(SignatureError::Invalid));
    }

    #[test]
    fn malleated_and_off_curve_signatures_are_refused() {
        let key = SigningKey::from_seed(&[7; 32]);
        let msg = Fr::from(42u64);
        let sig = key.sign(&msg);
        let l = Fr::from_le_bytes_mod_order(&SubgroupScalar::MODULUS.to_bytes_le());
        let malleated = Signature { s: sig.s + l, ..sig };
        assert_eq!(key.public_key().verify(&msg, &malleated), Err(SignatureError::SNotCanonical));
        let identity = PublicKey { x: Fr::from(0u64), y: Fr::from(1u64) };
        let forged = Signature { r8x: base8().x(), r8y: base8().y(), s: Fr::from(1u64) };
        assert_eq!(identity.verify(&msg, &forged), Err(SignatureError::KeyOfSmallOrder));
        let off_curve = Signature { r8x: sig.r8x + Fr::from(1u64), ..sig };
        assert_eq!(key.public_key().verify(&msg, &off_curve), Err(SignatureError::R8NotOnCurve));
    }

    #[test]
    fn shr3_matches_integer_shift() {
        let mut x = [0u8; 32];
        x[0] = 0b1111_1000;
        x[1] = 0b0000_0101;
        let y = shr3(&x);
        assert_eq!((y[0], y[1]), (0b1011_1111, 0));
    }
}
