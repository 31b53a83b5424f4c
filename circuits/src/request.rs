//! `request_hash`: binds one proof to one x402 challenge (the circuit's fourth public input).

use crate::field::{Fr, fr_from_be_bytes};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Domain separator of the request hash.
const REQUEST_TAG: &[u8] = b"zk402/request/v1";

/// A merchant's single-use challenge for one request to one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    /// The policy account (32-byte Solana address) the proof must be verified against.
    pub policy: [u8; 32],
    /// 32 random bytes chosen by the merchant.
    pub nonce: [u8; 32],
    /// Unix time (seconds) after which the merchant no longer accepts the challenge.
    pub expires_at: u64,
    /// The resource URL the challenge was issued for.
    pub resource: String,
}

impl Challenge {
    /// The challenge for an HTTP request: its resource is `"<METHOD> <url>"`, so the request
    /// hash binds the method as well as the URL.
    pub fn for_request(policy: [u8; 32], nonce: [u8; 32], expires_at: u64, method: &str, url: &str) -> Challenge {
        Challenge { policy, nonce, expires_at, resource: format!("{method} {url}") }
    }

    /// SHA-256(tag ‖ policy ‖ nonce ‖ expires_at as u64 BE ‖ len(resource) as u64 BE ‖ resource),
    /// with the top three bits cleared so the value is below r (a 253-bit field element).
    pub fn request_hash(&self) -> Fr {
        let mut hasher = Sha256::new();
        hasher.update(REQUEST_TAG);
        hasher.update(self.policy);
        hasher.update(self.nonce);
        hasher.update(self.expires_at.to_be_bytes());
        hasher.update((self.resource.len() as u64).to_be_bytes());
        hasher.update(self.resource.as_bytes());
        let mut digest: [u8; 32] = hasher.finalize().into();
        digest[0] &= 0x1f;
        fr_from_be_bytes(&digest).expect("253-bit values are below r")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge() -> Challenge {
        Challenge { policy: [1; 32], nonce: [2; 32], expires_at: 1_700_000_000, resource: "/v1/weather".into() }
    }

    #[test]
    fn every_field_changes_the_hash() {
        let base = challenge().request_hash();
        let variants = [
            Challenge { policy: [9; 32], ..challenge() },
            Challenge { nonce: [9; 32], ..challenge() },
            Challenge { expires_at: 1_700_000_001, ..challenge() },
            Challenge { resource: "/v1/weather2".into(), ..challenge() },
        ];
        for v in variants {
            assert_ne!(v.request_hash(), base, "{v:?}");
        }
        assert_eq!(challenge().request_hash(), base, "deterministic");
    }
}
