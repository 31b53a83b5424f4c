//! Service configuration: every value from a command-line flag or its environment variable
//! (`ZK402_PROVER_*`); nothing deployment-specific is compiled in.

use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Settings of `zk402-prover serve`.
#[derive(Debug, Clone, Args)]
pub struct ServiceConfig {
    /// Address to listen on.
    #[arg(long, env = "ZK402_PROVER_BIND", default_value = "127.0.0.1:8402")]
    pub bind: SocketAddr,
    /// The Groth16 proving key (snarkjs `.zkey`).
    #[arg(long, env = "ZK402_PROVER_ZKEY")]
    pub zkey: PathBuf,
    /// The circuit's witness calculator (circom `payment.wasm`).
    #[arg(long, env = "ZK402_PROVER_WASM")]
    pub wasm: PathBuf,
    /// Proving threads.
    #[arg(long, env = "ZK402_PROVER_WORKERS", default_value_t = 2)]
    pub workers: usize,
    /// Proofs that may wait for a worker; beyond that requests get 503.
    #[arg(long, env = "ZK402_PROVER_QUEUE_DEPTH", default_value_t = 16)]
    pub queue_depth: usize,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "ZK402_PROVER_BODY_LIMIT", default_value_t = 8192)]
    pub body_limit: usize,
    /// Sustained requests per second per client.
    #[arg(long, env = "ZK402_PROVER_RATE", default_value_t = 5.0)]
    pub rate: f64,
    /// Requests a client may burst above the sustained rate.
    #[arg(long, env = "ZK402_PROVER_BURST", default_value_t = 10)]
    pub burst: u32,
    /// Clients tracked by the rate limiter at once.
    #[arg(long, env = "ZK402_PROVER_MAX_CLIENTS", default_value_t = 10_000)]
    pub max_clients: usize,
    /// Header carrying the client's API key; when set and present, clients are rate-limited
    /// by key instead of by IP address.
    #[arg(long, env = "ZK402_PROVER_API_KEY_HEADER")]
    pub api_key_header: Option<String>,
    /// Proofs kept in the cache (0 disables it).
    #[arg(long, env = "ZK402_PROVER_CACHE_CAPACITY", default_value_t = 1024)]
    pub cache_capacity: usize,
    /// Seconds a cached proof is served.
    #[arg(long, env = "ZK402_PROVER_CACHE_TTL", default_value_t = 300)]
    pub cache_ttl: u64,
    /// Retry-After (seconds) sent with 503 answers.
    #[arg(long, env = "ZK402_PROVER_RETRY_AFTER", default_value_t = 1)]
    pub retry_after: u64,
}
