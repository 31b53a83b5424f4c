//! `zk402-prover`: the proof service, a one-shot prover, the benchmark and the load run.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use zk402_prover::bench::{self, BenchConfig};
use zk402_prover::service::config::ServiceSettings;
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
        /// The zkey.
        #[arg(long, env = "ZK402_PROVER_ZKEY")]
        zkey: PathBuf,
        /// The circuit wasm.
        #[arg(long, env = "ZK402_PROVER_WASM")]
        wasm: PathBuf,
    },
    /// Measure witness and proving time, throughput, and snarkjs fullprove on the same input.
    Bench {
        /// The zkey.
        #[arg(long, env = "ZK402_PROVER_ZKEY")]
        zkey: PathBuf,
        /// The circuit wasm.
        #[arg(long, env = "ZK402_PROVER_WASM")]
        wasm: PathBuf,
        /// Proofs per measurement.
        #[arg(long, default_value_t = 50)]
        iterations: usize,
        /// snarkjs fullprove runs (0 skips it).
        #[arg(long, default_value_t = 5)]
        snarkjs_runs: usize,
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
        Command::Prove { input, zkey, wasm } => {
            let inputs = serde_json::from_slice(&std::fs::read(&input)?)?;
            let proof = Prover::load(&zkey, &wasm)?.prove(&inputs)?;
            println!("{}", serde_json::to_string_pretty(&proof.to_json())?);
            Ok(())
        }
        Command::Bench { zkey, wasm, iterations, snarkjs_runs, node_dir } => {
            let node_dir = node_dir.unwrap_or_else(bench::default_node_dir);
            bench::run(&BenchConfig { zkey, wasm, iterations, snarkjs_runs, node_dir })
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
