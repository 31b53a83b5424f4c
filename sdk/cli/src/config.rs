//! Configuration files of the `merchant` and `payer` commands (TOML). Every deployment value —
//! RPC endpoints, network, addresses, key files, stores — comes from here, never from code.
//! Paths are relative to the working directory.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use zk402_chain::endpoint::ChainConfig;

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
    /// Price of one request in the mint's atomic units (at least the policy's minimum).
    pub price: u64,
    /// File with the issuer key seed (64 hex characters; `zk402 issuer-key` writes one).
    pub issuer_key_file: PathBuf,
    /// SQLite file of the issuer's ledger of issued receipts.
    pub issuer_ledger: PathBuf,
    /// Challenge store: `sqlite:<path>` (one instance) or `redis://host:port` (shared).
    pub challenge_store: String,
    /// Lifetime of a 402 challenge, seconds.
    pub challenge_ttl_secs: u64,
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
    /// Prover service URL; without it, proofs are made in-process with `zkey` and `wasm`.
    pub prover_url: Option<String>,
    /// Proving key for in-process proofs.
    pub zkey: Option<PathBuf>,
    /// Compiled circuit for in-process proofs.
    pub wasm: Option<PathBuf>,
}

/// Reads a Solana keypair file (a JSON array of 64 bytes).
pub fn read_keypair(path: &Path) -> Result<solana_keypair::Keypair, ConfigError> {
    let error = |message: String| ConfigError { path: path.display().to_string(), message };
    let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
    let bytes: Vec<u8> = serde_json::from_str(&text).map_err(|e| error(format!("not a keypair file: {e}")))?;
    solana_keypair::Keypair::try_from(bytes.as_slice()).map_err(|e| error(format!("not a keypair: {e}")))
}
