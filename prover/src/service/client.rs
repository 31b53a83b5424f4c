//! Who a proof request comes from, for the rate limit.
//!
//! A request naming an API key must name a configured one (keys are configured and held only as
//! SHA-256 hashes); it is then limited by its key, wherever it comes from. A request without a
//! key, when anonymous access is allowed, is limited by its peer address grouped as one
//! subscriber usually holds addresses: an IPv4 address, an IPv6 /64 (an IPv4-mapped IPv6
//! address counts as IPv4). No forwarded-address header (`Forwarded`, `X-Forwarded-For`) is
//! trusted: behind a reverse proxy every anonymous client shares the proxy's bucket, so give
//! such clients keys.

use super::error::ApiError;
use super::hex;
use axum::http::HeaderMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;

/// SHA-256 of an API key (of the header value's bytes), written as 64 hex digits: the only form
/// in which keys are configured, held, or printed.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ApiKeyHash(pub [u8; 32]);

impl ApiKeyHash {
    /// The hash of a presented key.
    pub fn of(key: &[u8]) -> ApiKeyHash {
        ApiKeyHash(Sha256::digest(key).into())
    }
}

impl FromStr for ApiKeyHash {
    type Err = &'static str;

    fn from_str(text: &str) -> Result<ApiKeyHash, Self::Err> {
        let bytes = zk402_ceremony::drand::from_hex(text.trim()).ok_or("not hex")?;
        let hash = bytes.try_into().map_err(|_| "a SHA-256 hash is 64 hex digits")?;
        Ok(ApiKeyHash(hash))
    }
}

impl fmt::Display for ApiKeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

impl fmt::Debug for ApiKeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKeyHash({self})")
    }
}

impl Serialize for ApiKeyHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ApiKeyHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ApiKeyHash, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(|e| serde::de::Error::custom(format!("api key hash {text:?}: {e}")))
    }
}

/// The identity one token bucket belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Client {
    /// A configured API key.
    Key(ApiKeyHash),
    /// An IPv4 peer (also when it connected as IPv4-mapped IPv6).
    V4(Ipv4Addr),
    /// The /64 prefix of an IPv6 peer.
    V6Prefix(u64),
    /// No peer address is known (the router was served without connection info): all such
    /// requests share one bucket.
    Unknown,
}

impl Client {
    /// The address group of a peer, if it is known.
    pub fn from_peer(peer: Option<IpAddr>) -> Client {
        match peer.map(|ip| ip.to_canonical()) {
            Some(IpAddr::V4(ip)) => Client::V4(ip),
            Some(IpAddr::V6(ip)) => Client::V6Prefix((ip.to_bits() >> 64) as u64),
            None => Client::Unknown,
        }
    }
}

/// Who may use the service: the configured keys, the header that carries them, and whether
/// requests without a key are served.
pub struct Access {
    header: String,
    keys: HashSet<ApiKeyHash>,
    anonymous: bool,
}

impl Access {
    /// Keys carried in `header`; `anonymous`: whether requests without the header are served.
    pub fn new(header: &str, keys: &[ApiKeyHash], anonymous: bool) -> Access {
        Access { header: header.to_owned(), keys: keys.iter().copied().collect(), anonymous }
    }

    /// The configured key a request names (`None`: none, and anonymous access is allowed), or
    /// the 401 refusal. The presented value is only hashed, never kept or echoed.
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<Option<ApiKeyHash>, ApiError> {
        match headers.get(self.header.as_str()) {
            Some(value) => {
                let hash = ApiKeyHash::of(value.as_bytes());
                if self.keys.contains(&hash) { Ok(Some(hash)) } else { Err(ApiError::unknown_api_key(&self.header)) }
            }
            None if self.anonymous => Ok(None),
            None => Err(ApiError::api_key_required(&self.header)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_group_by_ipv4_address_and_ipv6_64() {
        let peer = |s: &str| Client::from_peer(Some(s.parse().unwrap()));
        assert_eq!(peer("192.0.2.7"), peer("::ffff:192.0.2.7"), "IPv4-mapped IPv6 is IPv4");
        assert_ne!(peer("192.0.2.7"), peer("192.0.2.8"));
        assert_eq!(peer("2001:db8:1:2::1"), peer("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        assert_ne!(peer("2001:db8:1:2::1"), peer("2001:db8:1:3::1"));
        assert_eq!(Client::from_peer(None), Client::Unknown);
    }

    #[test]
    fn key_hashes_parse_from_hex_only() {
        let hash = ApiKeyHash::of(b"k");
        assert_eq!(hash.to_string().parse::<ApiKeyHash>(), Ok(hash));
        assert_eq!(hash.to_string().to_uppercase().parse::<ApiKeyHash>(), Ok(hash));
        assert!("abcd".parse::<ApiKeyHash>().is_err());
        assert!("zz".repeat(32).parse::<ApiKeyHash>().is_err());
    }
}
