//! CAIP-2 network identifiers (`namespace:reference`). Only Solana clusters are accepted:
//! `solana:` followed by the first 32 characters of the cluster's base58 genesis hash.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Solana mainnet-beta.
pub const SOLANA_MAINNET: &str = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp";
/// Solana devnet.
pub const SOLANA_DEVNET: &str = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";

const NAMESPACE: &str = "solana";
/// Length of a Solana CAIP-2 reference: the genesis hash's base58 text, cut to 32 characters.
const REFERENCE_LEN: usize = 32;
const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// A validated CAIP-2 identifier of a Solana cluster.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Network(String);

/// Which cluster a [`Network`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkKind {
    /// Solana mainnet-beta.
    Mainnet,
    /// Solana devnet.
    Devnet,
    /// Any other Solana cluster (local validator, in-process runtime, testnet, …).
    Other,
}

/// Why a network identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetworkError {
    /// Well-formed CAIP-2, but not a Solana cluster (e.g. `eip155:8453`).
    #[error("unsupported network namespace {namespace:?}: only \"solana\" is accepted")]
    Unsupported {
        /// The namespace given.
        namespace: String,
    },
    /// Not `solana:` followed by 32 base58 characters.
    #[error("malformed network identifier: expected \"solana:\" followed by 32 base58 characters")]
    Malformed,
}

impl Network {
    /// Solana mainnet-beta.
    pub fn solana_mainnet() -> Network {
        Network(SOLANA_MAINNET.to_owned())
    }

    /// Solana devnet.
    pub fn solana_devnet() -> Network {
        Network(SOLANA_DEVNET.to_owned())
    }

    /// The identifier of the cluster whose genesis hash is `genesis_hash` (base58 text).
    pub fn from_genesis_hash(genesis_hash: &str) -> Result<Network, NetworkError> {
        let reference = genesis_hash.get(..REFERENCE_LEN).ok_or(NetworkError::Malformed)?;
        Network::parse(&format!("{NAMESPACE}:{reference}"))
    }

    /// Parses and validates a CAIP-2 identifier.
    pub fn parse(text: &str) -> Result<Network, NetworkError> {
        let (namespace, reference) = text.split_once(':').ok_or(NetworkError::Malformed)?;
        let namespace_ok = (3..=8).contains(&namespace.len())
            && namespace.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !namespace_ok {
            return Err(NetworkError::Malformed);
        }
        if namespace != NAMESPACE {
            return Err(NetworkError::Unsupported { namespace: namespace.to_owned() });
        }
        if reference.len() != REFERENCE_LEN || !reference.bytes().all(|b| BASE58.contains(&b)) {
            return Err(NetworkError::Malformed);
        }
        Ok(Network(text.to_owned()))
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Which cluster this is.
    pub fn kind(&self) -> NetworkKind {
        match self.0.as_str() {
            SOLANA_MAINNET => NetworkKind::Mainnet,
            SOLANA_DEVNET => NetworkKind::Devnet,
            _ => NetworkKind::Other,
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Network {
    type Err = NetworkError;

    fn from_str(text: &str) -> Result<Network, NetworkError> {
        Network::parse(text)
    }
}

impl Serialize for Network {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Network {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Network, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Network::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_clusters() {
        assert_eq!(Network::parse(SOLANA_MAINNET).unwrap().kind(), NetworkKind::Mainnet);
        assert_eq!(Network::parse(SOLANA_DEVNET).unwrap().kind(), NetworkKind::Devnet);
        assert_eq!(Network::solana_mainnet().as_str(), SOLANA_MAINNET);
        assert_eq!(Network::solana_devnet().to_string(), SOLANA_DEVNET);
    }

    #[test]
    fn local_cluster_from_genesis_hash() {
        // A 44-character base58 genesis hash; the identifier keeps its first 32 characters.
        let genesis = "4uhcVJyU9pJkvQyS88uRDiswHXSCkY3zQawwpjk2NsNY";
        let network = Network::from_genesis_hash(genesis).unwrap();
        assert_eq!(network.as_str(), "solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z");
        assert_eq!(network.kind(), NetworkKind::Other);
        assert_eq!(Network::from_genesis_hash("short"), Err(NetworkError::Malformed));
    }

    #[test]
    fn refusals() {
        let unsupported = Network::parse("eip155:8453");
        assert_eq!(unsupported, Err(NetworkError::Unsupported { namespace: "eip155".into() }));
        for bad in [
            "",
            "solana",
            "solana:",
            "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvd",   // 31 characters
            "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpp", // 33 characters
            "solana:0eykt4UsFv8P8NJdTREpY1vzqKqZKvdp",  // '0' is not base58
            "Solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp",  // namespaces are lowercase
            "solana-mainnet",
            ":5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp",
        ] {
            assert_eq!(Network::parse(bad), Err(NetworkError::Malformed), "{bad:?}");
        }
    }
}
