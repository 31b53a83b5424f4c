//! `zk402-prover`: the proof service, a one-shot prover, the load cache's preparation, the
//! benchmark and the load run.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use zk402_prover::bench::{self, BenchConfig};
use zk402_prover::cache::{CacheDir, KeySource};
use zk402_prover::prover::LoadError;
use zk402_prover::service::config::ServiceSettings;
use zk402_prover::witness::WitnessEngine;
use zk402_prover::{Prover, load, service};

#[derive(Parser)]
#[command(version, about = "Groth16 prover for the zk402 payment circuit")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API until SIGINT/SIGTERM, then finish in-flight proofs.
    Serve(ServiceSettings),
    /// Print the service settings resolved from flags, environment, config file and defaults
    /// (as TOML that `--config` accepts), then exit.
    Config(ServiceSettings),
    /// Prove one input file (the circuit's signals as JSON); prints proof and public signals.
    Prove {
        /// JSON file with the sixteen input signals.
        #[arg(long)]
        input: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Prepare the load cache for a zkey and circuit (proving key, native witness generator)
    /// and print where it is and how large.
    Warm {
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Measure witness and proving time, throughput, one-shot `prove` processes with a cold
    /// and a warm cache, and snarkjs fullprove on the same input.
    Bench {
        #[command(flatten)]
        key: KeyArgs,
        /// Proofs per measurement.
        #[arg(long, default_value_t = 50)]
        iterations: usize,
        /// snarkjs fullprove runs (0 skips it).
        #[arg(long, default_value_t = 5)]
        snarkjs_runs: usize,
        /// One-shot `zk402-prover prove` processes per cache state (0 skips them).
        #[arg(long, default_value_t = 5)]
        oneshot_runs: usize,
        /// Directory with snarkjs in node_modules (default: this tree's circuits/).
        #[arg(long)]
        node_dir: Option<PathBuf>,
    },
    /// Load-test an in-process service on loopback at twice its capacity.
    Load {
        #[command(flatten)]
        settings: ServiceSettings,
        /// Seconds of overload.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
}

/// The proving key, the circuit and the load cache.
#[derive(Args)]
struct KeyArgs {
    /// The zkey.
    #[arg(long, env = "ZK402_PROVER_ZKEY")]
    zkey: PathBuf,
    /// The circuit wasm.
    #[arg(long, env = "ZK402_PROVER_WASM")]
    wasm: PathBuf,
    /// Load cache directory (prepared proving keys, the native witness generator)
    /// [default: $XDG_CACHE_HOME/zk402, else ~/.cache/zk402].
    #[arg(long, env = "ZK402_PROVER_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
}

impl KeyArgs {
    fn cache(&self) -> Option<CacheDir> {
        self.cache_dir.clone().map(CacheDir::new).or_else(CacheDir::user_default)
    }

    fn load(&self) -> std::result::Result<Prover, LoadError> {
        Prover::load_in(&self.zkey, &self.wasm, WitnessEngine::Auto, self.cache().as_ref())
    }
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse().command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<()> {
    match command {
        Command::Serve(settings) => {
            let config = settings.resolve()?;
            runtime()?.block_on(async {
                let listener = tokio::net::TcpListener::bind(config.bind).await?;
                tracing::info!(addr = %listener.local_addr()?, "listening");
                Ok(service::run(listener, config, shutdown_signal()).await?)
            })
        }
        Command::Config(settings) => {
            print!("{}", settings.resolve()?.to_toml()?);
            Ok(())
        }
        Command::Prove { input, key } => {
            let inputs = serde_json::from_slice(&std::fs::read(&input)?)?;
            let proof = key.load()?.prove(&inputs)?;
            println!("{}", serde_json::to_string_pretty(&proof.to_json())?);
            Ok(())
        }
        Command::Warm { key } => {
            let cache = key.cache().ok_or("no cache directory: set ZK402_PROVER_CACHE_DIR or pass --cache-dir")?;
            let prover = key.load()?;
            let used = prover.key_cache().ok_or("the proving key was not cached")?;
            let how = match &used.source {
                KeySource::Cached => "already prepared".to_owned(),
                KeySource::Built(None) => "prepared".to_owned(),
                KeySource::Built(Some(refusal)) => format!("prepared again, the previous file was {refusal}"),
                KeySource::Unstored(reason) => {
                    return Err(format!("the proving key could not be cached: {reason}").into());
                }
            };
            let size = std::fs::metadata(&used.path)?.len();
            println!("cache directory: {}", cache.path().display());
            println!("proving key: {} ({:.1} MB, {how})", used.path.display(), size as f64 / 1e6);
            println!("witness engine: {}", prover.witness_engine());
            Ok(())
        }
        Command::Bench { key, iterations, snarkjs_runs, oneshot_runs, node_dir } => {
            let node_dir = node_dir.unwrap_or_else(bench::default_node_dir);
            let cache = key.cache();
            bench::run(&BenchConfig {
                zkey: key.zkey,
                wasm: key.wasm,
                cache,
                iterations,
                snarkjs_runs,
                oneshot_runs,
                prover_exe: std::env::current_exe()?,
                node_dir,
            })
        }
        Command::Load { settings, seconds } => runtime()?.block_on(load::run(settings.resolve()?, seconds)),
    }
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build()
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(term) => term,
            Err(_) => return interrupt.await.unwrap_or(()),
        };
        tokio::select! {
            _ = interrupt => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    interrupt.await.unwrap_or(());
    tracing::info!("shutting down: finishing in-flight proofs");
}
