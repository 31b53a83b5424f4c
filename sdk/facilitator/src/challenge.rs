//! Stateless x402 challenges: a merchant mints one per unpaid request without writing anything;
//! its fields travel with the 402 answer and come back in the payment, authenticated by a MAC
//! under the merchant's challenge key.
//!
//! MAC = BLAKE3 keyed hash (key: 32 secret bytes from configuration) of
//! `tag ‖ policy ‖ nonce ‖ expires_at (u64 BE) ‖ len(method) (u64 BE) ‖ method ‖ len(url) ‖ url`.
//! The request hash the proof carries is [`Challenge::request_hash`] of
//! [`Challenge::for_request`] with the same policy, nonce, expiry, method and URL, so a proof answers one challenge for one
//! method and URL, and only a holder of the key can make a challenge the checks accept.

use std::fmt;
use zk402_circuit::Challenge;
use zk402_circuit::field::fr_to_be_bytes;
use zk402_x402::ChallengeInfo;

/// Domain tag of the challenge MAC.
const MAC_TAG: &[u8] = b"zk402/challenge-mac/v1";

/// The merchant's secret challenge key (32 bytes). Shared by every gate and facilitator that
/// mints or checks the merchant's challenges; never logged.
#[derive(Clone)]
pub struct ChallengeKey([u8; 32]);

impl fmt::Debug for ChallengeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChallengeKey(..)")
    }
}

/// Why a challenge key could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Not 64 hexadecimal digits.
    #[error("a challenge key is 64 hexadecimal digits (32 bytes)")]
    Malformed,
    /// All zero: certainly not generated.
    #[error("the challenge key is all zero")]
    Zero,
    /// The operating system's random number generator failed.
    #[error("OS random number generator failed: {0}")]
    Randomness(String),
}

impl ChallengeKey {
    /// A key from 64 hex digits (surrounding whitespace ignored, as in a key file).
    pub fn from_hex(text: &str) -> Result<ChallengeKey, KeyError> {
        let bytes = zk402_x402::hex::decode32(text.trim()).ok_or(KeyError::Malformed)?;
        if bytes == [0; 32] {
            return Err(KeyError::Zero);
        }
        Ok(ChallengeKey(bytes))
    }

    /// A fresh key from the OS RNG.
    pub fn generate() -> Result<ChallengeKey, KeyError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| KeyError::Randomness(e.to_string()))?;
        Ok(ChallengeKey(bytes))
    }

    /// The key as 64 hex digits (to write a key file).
    pub fn to_hex(&self) -> String {
        zk402_x402::hex::encode32(&self.0)
    }

    fn mac(&self, fields: &Fields<'_>) -> blake3::Hash {
        let mut hasher = blake3::Hasher::new_keyed(&self.0);
        hasher.update(MAC_TAG);
        hasher.update(fields.policy);
        hasher.update(fields.nonce);
        hasher.update(&fields.expires_at.to_be_bytes());
        for text in [fields.method, fields.url] {
            hasher.update(&(text.len() as u64).to_be_bytes());
            hasher.update(text.as_bytes());
        }
        hasher.finalize()
    }
}

/// What a challenge binds.
struct Fields<'a> {
    policy: &'a [u8; 32],
    nonce: &'a [u8; 32],
    expires_at: u64,
    method: &'a str,
    url: &'a str,
}

impl Fields<'_> {
    fn request_hash(&self) -> [u8; 32] {
        let challenge = Challenge::for_request(*self.policy, *self.nonce, self.expires_at, self.method, self.url);
        fr_to_be_bytes(&challenge.request_hash())
    }
}

/// Why a challenge could not be minted.
#[derive(Debug, thiserror::Error)]
pub enum MintError {
    /// The operating system's random number generator failed.
    #[error("OS random number generator failed: {0}")]
    Randomness(String),
    /// `now + ttl` overflows.
    #[error("challenge expiry out of range")]
    ExpiryOutOfRange,
}

/// Why a challenge was refused; each has a stable [`code`](ChallengeRefusal::code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeRefusal {
    /// The MAC does not match: not minted with this key, or a field was changed.
    #[error("the challenge was not issued by this merchant for this policy, method and URL")]
    Forged,
    /// Past its expiry.
    #[error("the challenge has expired")]
    Expired,
    /// The request hash is not the one the challenge's fields give.
    #[error("the request hash does not match the challenge")]
    RequestHashMismatch,
}

impl ChallengeRefusal {
    /// Stable machine-readable code.
    pub fn code(self) -> &'static str {
        match self {
            ChallengeRefusal::Forged => "challenge_forged",
            ChallengeRefusal::Expired => "challenge_expired",
            ChallengeRefusal::RequestHashMismatch => "request_hash_mismatch",
        }
    }
}

/// A new challenge for `method url` under `policy`, valid `ttl_secs` after `now` (unix s).
pub fn mint(
    key: &ChallengeKey,
    policy: &[u8; 32],
    method: &str,
    url: &str,
    now: u64,
    ttl_secs: u64,
) -> Result<ChallengeInfo, MintError> {
    let mut nonce = [0u8; 32];
    getrandom::fill(&mut nonce).map_err(|e| MintError::Randomness(e.to_string()))?;
    let expires_at =
        now.checked_add(ttl_secs).filter(|t| i64::try_from(*t).is_ok()).ok_or(MintError::ExpiryOutOfRange)?;
    let fields = Fields { policy, nonce: &nonce, expires_at, method, url };
    Ok(ChallengeInfo {
        nonce,
        expires_at,
        method: method.to_owned(),
        mac: *key.mac(&fields).as_bytes(),
        request_hash: fields.request_hash(),
    })
}

/// Checks that `info` was minted with `key` for `policy` and `url` (its method is its own),
/// has not expired at `now`, and carries the request hash its fields give.
pub fn check(
    key: &ChallengeKey,
    info: &ChallengeInfo,
    policy: &[u8; 32],
    url: &str,
    now: u64,
) -> Result<(), ChallengeRefusal> {
    authenticate(key, info, policy, url)?;
    if now > info.expires_at {
        return Err(ChallengeRefusal::Expired);
    }
    Ok(())
}

/// [`check`] without the expiry: `info` was minted with `key` for `policy` and `url` and
/// carries the request hash its fields give (for a payment already verified in time).
pub fn authenticate(
    key: &ChallengeKey,
    info: &ChallengeInfo,
    policy: &[u8; 32],
    url: &str,
) -> Result<(), ChallengeRefusal> {
    let fields = Fields { policy, nonce: &info.nonce, expires_at: info.expires_at, method: &info.method, url };
    // blake3::Hash compares in constant time.
    if key.mac(&fields) != blake3::Hash::from_bytes(info.mac) {
        return Err(ChallengeRefusal::Forged);
    }
    if fields.request_hash() != info.request_hash {
        return Err(ChallengeRefusal::RequestHashMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://api.example.com/v1/weather";

    fn key() -> ChallengeKey {
        ChallengeKey::from_hex(&"5a".repeat(32)).unwrap()
    }

    #[test]
    fn a_minted_challenge_checks_until_it_expires() {
        let info = mint(&key(), &[1; 32], "GET", URL, 1_000, 60).unwrap();
        assert_eq!(info.expires_at, 1_060);
        assert_eq!(check(&key(), &info, &[1; 32], URL, 1_060), Ok(()));
        assert_eq!(check(&key(), &info, &[1; 32], URL, 1_061), Err(ChallengeRefusal::Expired));
        let other = mint(&key(), &[1; 32], "GET", URL, 1_000, 60).unwrap();
        assert_ne!(info.nonce, other.nonce);
        assert_ne!(info.request_hash, other.request_hash);
        assert_eq!(info.request_hash[0] & 0xe0, 0, "a 253-bit field element");
    }

    #[test]
    fn changing_any_bound_field_is_a_forgery() {
        let info = mint(&key(), &[1; 32], "GET", URL, 1_000, 60).unwrap();
        let forged = |info: &ChallengeInfo, policy: &[u8; 32], url: &str| check(&key(), info, policy, url, 1_000);
        assert_eq!(forged(&info, &[2; 32], URL), Err(ChallengeRefusal::Forged), "another policy");
        assert_eq!(forged(&info, &[1; 32], "https://api.example.com/v1/other"), Err(ChallengeRefusal::Forged));
        let post = ChallengeInfo { method: "POST".into(), ..info.clone() };
        assert_eq!(forged(&post, &[1; 32], URL), Err(ChallengeRefusal::Forged), "another method");
        let later = ChallengeInfo { expires_at: info.expires_at + 3600, ..info.clone() };
        assert_eq!(forged(&later, &[1; 32], URL), Err(ChallengeRefusal::Forged), "a later expiry");
        let nonce = ChallengeInfo { nonce: [9; 32], ..info.clone() };
        assert_eq!(forged(&nonce, &[1; 32], URL), Err(ChallengeRefusal::Forged), "another nonce");
        let other_key = ChallengeKey::from_hex(&"a5".repeat(32)).unwrap();
        assert_eq!(check(&other_key, &info, &[1; 32], URL, 1_000), Err(ChallengeRefusal::Forged));
        let hash = ChallengeInfo { request_hash: [0; 32], ..info };
        assert_eq!(forged(&hash, &[1; 32], URL), Err(ChallengeRefusal::RequestHashMismatch));
    }

    #[test]
    fn the_request_hash_binds_the_method() {
        let get = Fields { policy: &[1; 32], nonce: &[3; 32], expires_at: 9, method: "GET", url: URL };
        let post = Fields { method: "POST", ..get };
        assert_ne!(get.request_hash(), post.request_hash());
    }

    #[test]
    fn keys_parse_strictly_and_never_print() {
        assert!(matches!(ChallengeKey::from_hex("00"), Err(KeyError::Malformed)));
        assert!(matches!(ChallengeKey::from_hex(&"00".repeat(32)), Err(KeyError::Zero)));
        let fresh = ChallengeKey::generate().unwrap();
        assert_eq!(ChallengeKey::from_hex(&format!("{}\n", fresh.to_hex())).unwrap().0, fresh.0);
        assert_eq!(format!("{fresh:?}"), "ChallengeKey(..)");
    }
}
