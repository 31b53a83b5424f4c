//! What the gate charges and where it checks payments — all supplied by the caller (the CLI
//! reads it from its environment or a TOML file); nothing here has a built-in default.

use anchor_lang::prelude::Pubkey;
use zk402_x402::Network;

/// The gate's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateConfig {
    /// The merchant's policy account; proofs must be verified against it.
    pub policy: Pubkey,
    /// The verifier program that settles the proofs: the deployment of the program this SDK
    /// was built with (`zk402_chain::program::PROGRAM_ID`).
    pub program_id: Pubkey,
    /// The CAIP-2 network the policy lives on (advertised, and required of payloads).
    pub network: Network,
    /// Price in the asset's atomic units (advertised as `amount`; the policy's price of one request).
    pub amount: u64,
    /// The payment token's mint address (base58), advertised as `asset`.
    pub asset: String,
    /// The merchant's receiving address (base58), advertised as `payTo`.
    pub pay_to: String,
    /// Lifetime of a challenge, seconds.
    pub challenge_ttl_secs: u64,
    /// Time the payer has to prove and send its payment, seconds (advertised as `maxTimeoutSeconds`).
    pub max_timeout_seconds: u64,
    /// Public base URL of the protected service (scheme and authority, e.g.
    /// `https://api.example.com`); a request's resource URL is this plus its path and query.
    pub public_base_url: String,
    /// Human-readable description of the resources behind the gate.
    pub description: Option<String>,
    /// MIME type of the resources behind the gate.
    pub mime_type: Option<String>,
}

impl GateConfig {
    /// The resource URL of a request for `path_and_query`.
    pub fn resource_url(&self, path_and_query: &str) -> String {
        format!("{}{}", self.public_base_url.trim_end_matches('/'), path_and_query)
    }
}
