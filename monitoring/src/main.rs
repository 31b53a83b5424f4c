//! `zk402-suites`: runs the load and chaos suites against the prover on loopback and writes the
//! markdown report (see `monitoring/suites.sh`, which builds the binaries and calls this).

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use zk402_monitoring::suites::prover_process::ProverCommand;
use zk402_monitoring::suites::{SuiteConfig, render, run_all};

#[derive(Parser)]
#[command(about = "Load and chaos suites for zk402; writes a markdown report")]
struct Cli {
    /// The `zk402-prover` binary.
    #[arg(long)]
    prover_bin: PathBuf,
    /// Proving key.
    #[arg(long, env = "ZK402_PROVER_ZKEY")]
    zkey: PathBuf,
    /// Circuit wasm.
    #[arg(long, env = "ZK402_PROVER_WASM")]
    wasm: PathBuf,
    /// Proving threads of the prover under test.
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// Its queue depth.
    #[arg(long, default_value_t = 8)]
    queue_depth: usize,
    /// Seconds of each load phase.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// The `redis-server` binary (the merchant's store-outage suite).
    #[arg(long, env = "ZK402_REDIS_SERVER", default_value = "redis-server")]
    redis_server: PathBuf,
    /// Where to write the report.
    #[arg(long)]
    out: PathBuf,
    /// Text put under the report's title (machine, build, date).
    #[arg(long, default_value = "")]
    header: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = SuiteConfig {
        prover: ProverCommand {
            binary: cli.prover_bin,
            zkey: cli.zkey,
            wasm: cli.wasm,
            workers: cli.workers,
            queue_depth: cli.queue_depth,
        },
        seconds: cli.seconds,
        redis_server: cli.redis_server,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let sections = runtime.block_on(run_all(&config));
    let report = render(&config, &sections, &cli.header);
    print!("{report}");
    if let Err(e) = std::fs::write(&cli.out, &report) {
        eprintln!("error: writing {}: {e}", cli.out.display());
        return ExitCode::FAILURE;
    }
    if sections.iter().all(|s| s.passed) { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
