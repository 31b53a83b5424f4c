//! Measures the compute units of zk402's verification on the SBF probe program.

use clap::Parser;
use std::path::PathBuf;
use zk402_cu_probe_harness::fixture::Fixture;
use zk402_cu_probe_harness::measure::measure;
use zk402_cu_probe_harness::probe::Probe;

/// Run the probe program in mollusk-svm and print its compute units.
#[derive(Parser)]
struct Args {
    /// The built probe program (zk402_cu_probe.so).
    #[arg(long)]
    program: PathBuf,
    /// The fixture (see cu-probe-fixture).
    #[arg(long)]
    fixture: PathBuf,
    /// Batch sizes to measure.
    #[arg(long, value_delimiter = ',', default_value = "1,2,5,10")]
    batches: Vec<usize>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let fixture = Fixture::load(&args.fixture)?;
    let probe = Probe::load(&args.program).map_err(|e| format!("{}: {e}", args.program.display()))?;
    print!("{}", measure(&probe, &fixture, &args.batches)?.render());
    Ok(())
}
