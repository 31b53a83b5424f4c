//! Service configuration. Every setting comes from, in order of precedence, its command-line
//! flag, its environment variable (`ZK402_PROVER_*`), a TOML file (`--config FILE` or
//! `ZK402_PROVER_CONFIG`, keys named like the flags with `_` for `-`), or its default; nothing
//! deployment-specific is compiled in.

use super::client::ApiKeyHash;
use crate::witness::WitnessEngine;
use clap::Args;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The resolved settings of `zk402-prover serve` (and of the load run's service).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceConfig {
    /// Address to listen on.
    pub bind: SocketAddr,
    /// The Groth16 proving key (snarkjs `.zkey`).
    pub zkey: PathBuf,
    /// The circuit's witness calculator (circom `payment.wasm`).
    pub wasm: PathBuf,
    /// Witness engine: `auto` (native when built for this circuit, else wasm), `native`, `wasm`.
    pub witness: WitnessEngine,
    /// Proving threads (each proves single-threaded).
    pub workers: usize,
    /// Proofs that may wait for a worker; beyond that requests get 503.
    pub queue_depth: usize,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Sustained requests per second per client.
    pub rate: f64,
    /// Requests a client may burst above the sustained rate.
    pub burst: u32,
    /// Clients tracked by the rate limiter at once; beyond, the fullest bucket is forgotten.
    pub max_clients: usize,
    /// Header carrying the client's API key.
    pub api_key_header: String,
    /// SHA-256 of each accepted API key; a request naming another key gets 401.
    pub api_key_sha256: Vec<ApiKeyHash>,
    /// Whether requests without a key are served, rate-limited by client address.
    pub allow_anonymous: bool,
    /// Proofs kept in the cache (0 disables it).
    pub cache_capacity: usize,
    /// Seconds a cached proof is served.
    pub cache_ttl: u64,
    /// Retry-After (seconds) sent with 503 answers.
    pub retry_after: u64,
}

/// Settings as given by one source (flags and environment through clap, or the TOML file):
/// each one optional, so that sources can be layered before the defaults fill the rest.
#[derive(Debug, Clone, Default, Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSettings {
    /// TOML file with settings below flags and environment (not a key inside the file).
    #[arg(long = "config", env = "ZK402_PROVER_CONFIG")]
    #[serde(skip)]
    pub config_file: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8402].
    #[arg(long, env = "ZK402_PROVER_BIND")]
    pub bind: Option<SocketAddr>,
    /// The Groth16 proving key (snarkjs `.zkey`) [required].
    #[arg(long, env = "ZK402_PROVER_ZKEY")]
    pub zkey: Option<PathBuf>,
    /// The circuit's witness calculator (circom `payment.wasm`) [required].
    #[arg(long, env = "ZK402_PROVER_WASM")]
    pub wasm: Option<PathBuf>,
    /// Witness engine: `auto` (the native generator when this build has it for the circuit,
    /// else wasm), `native` (refuse to start without it) or `wasm` [default: auto].
    #[arg(long, env = "ZK402_PROVER_WITNESS", value_enum)]
    pub witness: Option<WitnessEngine>,
    /// Proving threads, each single-threaded [default: 2].
    #[arg(long, env = "ZK402_PROVER_WORKERS")]
    pub workers: Option<usize>,
    /// Proofs that may wait for a worker; beyond that requests get 503 [default: 16].
    #[arg(long, env = "ZK402_PROVER_QUEUE_DEPTH")]
    pub queue_depth: Option<usize>,
    /// Largest accepted request body, in bytes [default: 8192].
    #[arg(long, env = "ZK402_PROVER_BODY_LIMIT")]
    pub body_limit: Option<usize>,
    /// Sustained requests per second per client [default: 5].
    #[arg(long, env = "ZK402_PROVER_RATE")]
    pub rate: Option<f64>,
    /// Requests a client may burst above the sustained rate [default: 10].
    #[arg(long, env = "ZK402_PROVER_BURST")]
    pub burst: Option<u32>,
    /// Clients tracked by the rate limiter at once; beyond, the fullest bucket is forgotten
    /// [default: 10000].
    #[arg(long, env = "ZK402_PROVER_MAX_CLIENTS")]
    pub max_clients: Option<usize>,
    /// Header carrying the client's API key [default: x-api-key].
    #[arg(long, env = "ZK402_PROVER_API_KEY_HEADER")]
    pub api_key_header: Option<String>,
    /// SHA-256 (64 hex digits) of each accepted API key, comma-separated; the keys themselves
    /// are never configured [default: none].
    #[arg(long = "api-key-sha256", env = "ZK402_PROVER_API_KEY_SHA256", value_delimiter = ',')]
    pub api_key_sha256: Option<Vec<ApiKeyHash>>,
    /// Serve requests without an API key, rate-limited per IPv4 address or IPv6 /64
    /// [default: true when no key is configured, else false].
    #[arg(long, env = "ZK402_PROVER_ALLOW_ANONYMOUS")]
    pub allow_anonymous: Option<bool>,
    /// Proofs kept in the cache, 0 disables it [default: 1024].
    #[arg(long, env = "ZK402_PROVER_CACHE_CAPACITY")]
    pub cache_capacity: Option<usize>,
    /// Seconds a cached proof is served [default: 300].
    #[arg(long, env = "ZK402_PROVER_CACHE_TTL")]
    pub cache_ttl: Option<u64>,
    /// Retry-After (seconds) sent with 503 answers [default: 1].
    #[arg(long, env = "ZK402_PROVER_RETRY_AFTER")]
    pub retry_after: Option<u64>,
}

/// Why the configuration is unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The configuration file could not be read.
    #[error("config file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The configuration file is not valid TOML of the expected keys and types.
    #[error("config file {path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What is wrong, with its place in the file.
        message: String,
    },
    /// A required setting is given by no source.
    #[error("missing setting `{0}` (flag, ZK402_PROVER_* environment variable or config file)")]
    Missing(&'static str),
    /// A setting is out of its range.
    #[error("setting `{0}`: {1}")]
    Invalid(&'static str, &'static str),
}

impl ServiceConfig {
    /// The settings as a TOML document that `--config` accepts.
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string(self)
    }
}

impl ServiceSettings {
    /// Parses a TOML configuration file's text; `path` names it in errors.
    pub fn from_toml(text: &str, path: &Path) -> Result<ServiceSettings, ConfigError> {
        toml::from_str(text)
            .map_err(|e| ConfigError::Parse { path: path.display().to_string(), message: e.to_string() })
    }

    /// Each setting from `self`, else from `lower`.
    pub fn or(self, lower: ServiceSettings) -> ServiceSettings {
        ServiceSettings {
            config_file: self.config_file.or(lower.config_file),
            bind: self.bind.or(lower.bind),
            zkey: self.zkey.or(lower.zkey),
            wasm: self.wasm.or(lower.wasm),
            witness: self.witness.or(lower.witness),
            workers: self.workers.or(lower.workers),
            queue_depth: self.queue_depth.or(lower.queue_depth),
            body_limit: self.body_limit.or(lower.body_limit),
            rate: self.rate.or(lower.rate),
            burst: self.burst.or(lower.burst),
            max_clients: self.max_clients.or(lower.max_clients),
            api_key_header: self.api_key_header.or(lower.api_key_header),
            api_key_sha256: self.api_key_sha256.or(lower.api_key_sha256),
            allow_anonymous: self.allow_anonymous.or(lower.allow_anonymous),
            cache_capacity: self.cache_capacity.or(lower.cache_capacity),
            cache_ttl: self.cache_ttl.or(lower.cache_ttl),
            retry_after: self.retry_after.or(lower.retry_after),
        }
    }

    /// Flags and environment (`self`, as clap parsed them) over the config file they name,
    /// over the defaults.
    pub fn resolve(self) -> Result<ServiceConfig, ConfigError> {
        let file = match &self.config_file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?;
                ServiceSettings::from_toml(&text, path)?
            }
            None => ServiceSettings::default(),
        };
        self.or(file).with_defaults()
    }

    /// Fills unset settings with their defaults and checks ranges.
    pub fn with_defaults(self) -> Result<ServiceConfig, ConfigError> {
        let rate = self.rate.unwrap_or(5.0);
        if !(rate.is_finite() && rate > 0.0) {
            return Err(ConfigError::Invalid("rate", "must be a positive number"));
        }
        let workers = self.workers.unwrap_or(2);
        if workers == 0 {
            return Err(ConfigError::Invalid("workers", "must be at least 1"));
        }
        let max_clients = self.max_clients.unwrap_or(10_000);
        if max_clients == 0 {
            return Err(ConfigError::Invalid("max_clients", "must be at least 1"));
        }
        let api_key_header = self.api_key_header.unwrap_or_else(|| "x-api-key".to_owned());
        if axum::http::HeaderName::from_bytes(api_key_header.as_bytes()).is_err() {
            return Err(ConfigError::Invalid("api_key_header", "not an HTTP header name"));
        }
        let api_key_sha256 = self.api_key_sha256.unwrap_or_default();
        let allow_anonymous = self.allow_anonymous.unwrap_or(api_key_sha256.is_empty());
        if !allow_anonymous && api_key_sha256.is_empty() {
            return Err(ConfigError::Invalid("allow_anonymous", "false needs api_key_sha256, else nobody is served"));
        }
        Ok(ServiceConfig {
            bind: self.bind.unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8402))),
            zkey: self.zkey.ok_or(ConfigError::Missing("zkey"))?,
            wasm: self.wasm.ok_or(ConfigError::Missing("wasm"))?,
            witness: self.witness.unwrap_or_default(),
            workers,
            queue_depth: self.queue_depth.unwrap_or(16),
            body_limit: self.body_limit.unwrap_or(8192),
            rate,
            burst: self.burst.unwrap_or(10),
            max_clients,
            api_key_header,
            api_key_sha256,
            allow_anonymous,
            cache_capacity: self.cache_capacity.unwrap_or(1024),
            cache_ttl: self.cache_ttl.unwrap_or(300),
            retry_after: self.retry_after.unwrap_or(1),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        settings: ServiceSettings,
    }

    /// Parses flags as `serve` does (no ZK402_PROVER_* variable is set in unit tests).
    fn flags(args: &[&str]) -> ServiceSettings {
        Cli::try_parse_from(std::iter::once("zk402-prover").chain(args.iter().copied())).unwrap().settings
    }

    fn file(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    #[test]
    fn flags_override_the_file_which_overrides_the_defaults() {
        let toml =
            file("zkey = \"file.zkey\"\nwasm = \"file.wasm\"\nworkers = 3\nrate = 7.5\napi_key_header = \"x-key\"\n");
        let path = toml.path().to_str().unwrap();
        let config = flags(&["--config", path, "--workers", "4", "--bind", "127.0.0.1:9000"]).resolve().unwrap();
        assert_eq!(config.workers, 4, "flag over file");
        assert_eq!(config.bind, "127.0.0.1:9000".parse().unwrap(), "flag over default");
        assert_eq!(config.zkey, PathBuf::from("file.zkey"), "file over default");
        assert_eq!(config.rate, 7.5);
        assert_eq!(config.api_key_header, "x-key");
        assert_eq!(config.queue_depth, 16, "default");
        assert_eq!(config.cache_ttl, 300, "default");
        assert_eq!(config.witness, WitnessEngine::Auto, "default");
        let wasm_only = flags(&["--config", path, "--witness", "wasm"]).resolve().unwrap();
        assert_eq!(wasm_only.witness, WitnessEngine::Wasm);
        let native = file("zkey = \"k\"\nwasm = \"w\"\nwitness = \"native\"\n");
        let native = flags(&["--config", native.path().to_str().unwrap()]).resolve().unwrap();
        assert_eq!(native.witness, WitnessEngine::Native);
        // What `zk402-prover config` prints is a file `--config` reads back to the same settings.
        let printed = file(&config.to_toml().unwrap());
        let again = flags(&["--config", printed.path().to_str().unwrap()]).resolve().unwrap();
        assert_eq!(again, config);
    }

    #[test]
    fn api_keys_are_configured_as_hashes_and_turn_anonymous_access_off() {
        let open = flags(&["--zkey", "k", "--wasm", "w"]).resolve().unwrap();
        assert_eq!((open.api_key_header.as_str(), open.allow_anonymous), ("x-api-key", true), "no keys: open");
        assert!(open.api_key_sha256.is_empty());
        let (a, b) = (ApiKeyHash::of(b"alice"), ApiKeyHash::of(b"bob"));
        let toml = file(&format!("zkey = \"k\"\nwasm = \"w\"\napi_key_sha256 = [\"{a}\"]\n"));
        let path = toml.path().to_str().unwrap();
        let keyed = flags(&["--config", path]).resolve().unwrap();
        assert_eq!((keyed.api_key_sha256.clone(), keyed.allow_anonymous), (vec![a], false), "keys: closed");
        let both = format!("{a},{b}");
        let flagged = flags(&["--config", path, "--api-key-sha256", &both, "--allow-anonymous", "true"]).resolve();
        let flagged = flagged.unwrap();
        assert_eq!((flagged.api_key_sha256.clone(), flagged.allow_anonymous), (vec![a, b], true));
        // The printed settings carry the hashes (never a key) and read back the same.
        let text = flagged.to_toml().unwrap();
        assert!(text.contains(&a.to_string()) && !text.contains("alice"), "{text}");
        let printed = file(&text);
        assert_eq!(flags(&["--config", printed.path().to_str().unwrap()]).resolve().unwrap(), flagged);
    }

    #[test]
    fn bad_configurations_are_clear_errors() {
        let short = file("zkey = \"k\"\nwasm = \"w\"\napi_key_sha256 = [\"abcd\"]\n");
        let err = flags(&["--config", short.path().to_str().unwrap()]).resolve().unwrap_err();
        assert!(matches!(&err, ConfigError::Parse { message, .. } if message.contains("64 hex digits")), "{err}");
        let closed = flags(&["--zkey", "k", "--wasm", "w", "--allow-anonymous", "false"]).resolve();
        assert!(matches!(closed, Err(ConfigError::Invalid("allow_anonymous", _))), "{closed:?}");
        let header = flags(&["--zkey", "k", "--wasm", "w", "--api-key-header", "x key"]).resolve();
        assert!(matches!(header, Err(ConfigError::Invalid("api_key_header", _))), "{header:?}");
        let none = flags(&["--zkey", "k", "--wasm", "w", "--max-clients", "0"]).resolve();
        assert!(matches!(none, Err(ConfigError::Invalid("max_clients", _))), "{none:?}");
        let missing = flags(&["--wasm", "w.wasm"]).resolve();
        assert!(matches!(missing, Err(ConfigError::Missing("zkey"))), "{missing:?}");
        let unknown = file("zkey = \"k\"\nwokers = 2\n");
        let err = flags(&["--config", unknown.path().to_str().unwrap()]).resolve().unwrap_err();
        assert!(matches!(&err, ConfigError::Parse { message, .. } if message.contains("wokers")), "{err}");
        let wrong_type = file("workers = \"two\"\n");
        let err = flags(&["--config", wrong_type.path().to_str().unwrap()]).resolve().unwrap_err();
        assert!(matches!(err, ConfigError::Parse { .. }), "{err}");
        let absent = flags(&["--config", "/nonexistent/zk402-prover.toml"]).resolve();
        assert!(matches!(absent, Err(ConfigError::Read { .. })));
        let zero = flags(&["--zkey", "k", "--wasm", "w", "--workers", "0"]).resolve();
        assert!(matches!(zero, Err(ConfigError::Invalid("workers", _))));
        let rate = flags(&["--zkey", "k", "--wasm", "w", "--rate=-1"]).resolve();
        assert!(matches!(rate, Err(ConfigError::Invalid("rate", _))));
    }
}
