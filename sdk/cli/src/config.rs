//! Configuration files of the `merchant` and `payer` commands (TOML). Every deployment value —
//! RPC endpoints, network, addresses, key files, stores — comes from here, never from code.
//! Paths are relative to the working directory.

use anchor_lang::prelude::Pubkey;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use zk402_chain::Finality;
use zk402_chain::endpoint::ChainConfig;
use zk402_facilitator::{ChallengeKey, FacilitatorConfig, Mode};
use zk402_merchant::issuer::IssuerConfig;
use zk402_x402::Network;

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ConfigError {
    /// The file.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Reads and parses a TOML file.
pub fn load<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, ConfigError> {
    let error = |message: String| ConfigError { path: path.display().to_string(), message };
    let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
    toml::from_str(&text).map_err(|e| error(e.to_string()))
}

/// The cluster: its CAIP-2 id and RPC endpoints in fallback order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    /// CAIP-2 network, e.g. `solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1` (devnet).
    pub network: String,
    /// JSON-RPC endpoints, first preferred.
    pub rpc_urls: Vec<String>,
}

impl ClusterConfig {
    /// The chain-access configuration with default retries and breaker.
    pub fn chain(&self) -> Result<ChainConfig, String> {
        let urls = self.rpc_urls.iter().map(|u| url::Url::parse(u).map_err(|e| format!("rpc url {u:?}: {e}")));
        Ok(ChainConfig::new(urls.collect::<Result<_, _>>()?))
    }
}

/// `zk402 merchant …`: the merchant server, its policy and its receipt issuer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MerchantConfig {
    /// The cluster.
    pub cluster: ClusterConfig,
    /// Address the server listens on, e.g. `127.0.0.1:8402`.
    pub bind: String,
    /// The server's public base URL (scheme and authority), e.g. `https://api.example.com`;
    /// challenges are bound to `public_url` + the request's path.
    pub public_url: String,
    /// What the paid resource is (shown in 402 answers).
    pub description: Option<String>,
    /// The merchant's policy account (printed by `merchant create-policy`).
    pub policy: String,
    /// The token mint payments are made in (USDC's mint on a real cluster).
    pub mint: String,
    /// The merchant wallet that receives payments (the policy's recipient).
    pub recipient: String,
    /// Price of one request in the mint's atomic units (the policy's price).
    pub price: u64,
    /// File with the issuer key seed (64 hex characters; `zk402 issuer-key` writes one).
    pub issuer_key_file: PathBuf,
    /// SQLite file of the issuer's ledger of issued receipts and refused transactions.
    pub issuer_ledger: PathBuf,
    /// How settled a payment must be before the issuer signs its receipt: `finalized` (the
    /// default: it cannot be rolled back) or `confirmed` (about 13 s sooner, at the risk of a
    /// receipt for a payment a fork drops).
    #[serde(default)]
    pub issuer_finality: IssuerFinality,
    /// Requests per second, per client address (IPv4, or IPv6 /64), that make the issuer read
    /// the chain [default: 1]; requests about payments already read are not counted.
    pub issuer_rate_per_second: Option<f64>,
    /// Such requests a client may make at once [default: 10].
    pub issuer_burst: Option<u32>,
    /// Lifetime of a 402 challenge, seconds.
    pub challenge_ttl_secs: u64,
    /// The merchant's facilitator (the `[facilitator]` table).
    pub facilitator: FacilitatorSettings,
}

/// A facilitator's keys, store and settlement mode: the `[facilitator]` table of a merchant's
/// configuration, or of `zk402 facilitator serve`'s.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacilitatorSettings {
    /// File with the challenge key (64 hex characters, shared by every gate and facilitator of
    /// the merchant; `zk402 challenge-key` writes one).
    pub challenge_key_file: PathBuf,
    /// The nullifier store: `sqlite:<path>` (one instance), `redis://host:port` or
    /// `postgres://user@host/db` (shared by several instances).
    pub nullifier_store: String,
    /// Solana keypair file that pays every settlement's fees.
    pub fee_payer_keypair_file: PathBuf,
    /// When a paid request is served: `deferred` (the default: once the proof verified and its
    /// credit is reserved; settled in the next batch) or `confirm` (once settled on chain).
    #[serde(default = "deferred")]
    pub settlement: Mode,
}

fn deferred() -> Mode {
    Mode::Deferred
}

impl FacilitatorSettings {
    /// The facilitator's configuration for `policies` on `network`, with the challenge key
    /// read from `challenge_key_file`.
    pub fn config(&self, network: Network, policies: Vec<Pubkey>) -> Result<FacilitatorConfig, String> {
        let path = &self.challenge_key_file;
        let text = std::fs::read_to_string(path).map_err(|e| format!("challenge key {}: {e}", path.display()))?;
        let key = ChallengeKey::from_hex(&text).map_err(|e| format!("challenge key {}: {e}", path.display()))?;
        Ok(FacilitatorConfig::new(network, key, policies, self.settlement))
    }
}

/// `zk402 facilitator serve`: x402's facilitator API for the merchants' policies, for resource
/// servers that are not zk402's own gate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacilitatorFileConfig {
    /// The cluster.
    pub cluster: ClusterConfig,
    /// Address the API listens on, e.g. `127.0.0.1:8403`.
    pub bind: String,
    /// The policy accounts it accepts payments for.
    pub policies: Vec<String>,
    /// Lifetime of the challenges `POST /challenge` mints, seconds [default: 120].
    pub challenge_ttl_secs: Option<u64>,
    /// Keys, store and settlement mode.
    pub facilitator: FacilitatorSettings,
}

/// The issuer's `issuer_finality`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IssuerFinality {
    /// Optimistically confirmed.
    Confirmed,
    /// Finalized (rooted).
    #[default]
    Finalized,
}

impl MerchantConfig {
    /// The receipt issuer's configuration: mint, recipient, finality and rate limit.
    pub fn issuer(&self) -> Result<IssuerConfig, String> {
        let address = |text: &str, what: &str| Pubkey::from_str(text).map_err(|e| format!("{what} {text:?}: {e}"));
        let mut issuer = IssuerConfig::new(address(&self.mint, "mint")?, address(&self.recipient, "recipient")?);
        issuer.finality = match self.issuer_finality {
            IssuerFinality::Confirmed => Finality::Confirmed,
            IssuerFinality::Finalized => Finality::Finalized,
        };
        if let Some(rate) = self.issuer_rate_per_second {
            if !(rate.is_finite() && rate > 0.0) {
                return Err(format!("issuer_rate_per_second {rate}: expected a positive number"));
            }
            issuer.rate_limit.per_second = rate;
        }
        if let Some(burst) = self.issuer_burst {
            if burst == 0 {
                return Err("issuer_burst: expected at least 1".into());
            }
            issuer.rate_limit.burst = burst;
        }
        Ok(issuer)
    }
}

/// `zk402 payer …`: the payer's keys, wallet, prover and issuer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayerConfig {
    /// The cluster.
    pub cluster: ClusterConfig,
    /// Solana keypair file (JSON array of 64 bytes, as `solana-keygen` writes) of the payer.
    pub keypair_file: PathBuf,
    /// The receipt wallet file.
    pub wallet_file: PathBuf,
    /// A remote prover service to prove with instead of in-process. It receives the receipt's
    /// secret and can spend its credits: set it only for a prover you trust with them.
    pub prover_url: Option<String>,
    /// Proving key (the merchant's ceremony zkey) for in-process proofs, the default.
    pub zkey: Option<PathBuf>,
    /// Compiled circuit for in-process proofs [default: the repository's circuits/build].
    pub wasm: Option<PathBuf>,
    /// Warn before spending when fewer fresh receipts of the merchant's issuer than this are
    /// on chain (`payer privacy`, `payer access`) [default: 10].
    #[serde(default = "min_anonymity_set")]
    pub min_anonymity_set: usize,
}

fn min_anonymity_set() -> usize {
    zk402_payer::DEFAULT_MIN_ANONYMITY_SET
}

/// Reads a Solana keypair file (a JSON array of 64 bytes).
pub fn read_keypair(path: &Path) -> Result<solana_keypair::Keypair, ConfigError> {
    let error = |message: String| ConfigError { path: path.display().to_string(), message };
    let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
    let bytes: Vec<u8> = serde_json::from_str(&text).map_err(|e| error(format!("not a keypair file: {e}")))?;
    solana_keypair::Keypair::try_from(bytes.as_slice()).map_err(|e| error(format!("not a keypair: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merchant(extra: &str) -> Result<MerchantConfig, toml::de::Error> {
        let key = Pubkey::new_unique();
        toml::from_str(&format!(
            r#"bind = "127.0.0.1:8402"
public_url = "https://api.example.com"
policy = "{key}"
mint = "{key}"
recipient = "{key}"
price = 1
issuer_key_file = "issuer.key"
issuer_ledger = "issuer.sqlite"
challenge_ttl_secs = 120
{extra}
[facilitator]
challenge_key_file = "challenge.key"
nullifier_store = "sqlite:nullifiers.sqlite"
fee_payer_keypair_file = "facilitator.json"
settlement = "deferred"

[cluster]
network = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"
rpc_urls = ["http://127.0.0.1:8899"]
"#
        ))
    }

    #[test]
    fn the_issuer_reads_at_finalized_unless_configured_otherwise() {
        let default = merchant("").unwrap().issuer().unwrap();
        assert_eq!(default.finality, Finality::Finalized);
        assert_eq!(default.rate_limit, IssuerConfig::new(default.mint, default.recipient).rate_limit);
        let configured = merchant("issuer_finality = \"confirmed\"\nissuer_rate_per_second = 0.5\nissuer_burst = 3")
            .unwrap()
            .issuer()
            .unwrap();
        assert_eq!(configured.finality, Finality::Confirmed);
        assert_eq!((configured.rate_limit.per_second, configured.rate_limit.burst), (0.5, 3));
        assert!(merchant("issuer_finality = \"processed\"").is_err(), "processed is not offered");
        assert!(merchant("issuer_rate_per_second = 0.0").unwrap().issuer().is_err());
        assert!(merchant("issuer_burst = 0").unwrap().issuer().is_err());
    }

    #[test]
    fn the_payer_warns_below_ten_fresh_receipts_unless_configured_otherwise() {
        let payer = |extra: &str| {
            toml::from_str::<PayerConfig>(&format!(
                "keypair_file = \"payer.json\"\nwallet_file = \"wallet.json\"\n{extra}\n[cluster]\n\
                 network = \"solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1\"\nrpc_urls = [\"http://127.0.0.1:8899\"]\n"
            ))
        };
        assert_eq!(payer("").unwrap().min_anonymity_set, 10);
        assert_eq!(payer("min_anonymity_set = 50").unwrap().min_anonymity_set, 50);
        assert!(payer("min_anonymity_set = -1").is_err());
    }
}
