//! Writes a probe fixture: a fresh key over the payment circuit and real proofs under one policy,
//! or a conversion of snarkjs JSON (e.g. the ceremony's key and the prover's proofs).

use clap::Parser;
use std::path::{Path, PathBuf};
use zk402_circuit::artifacts::ArtifactPaths;
use zk402_cu_probe_harness::fixture::Fixture;
use zk402_cu_probe_harness::generate::generate;
use zk402_cu_probe_harness::snarkjs;

/// Generate the compute-unit probe's fixture.
#[derive(Parser)]
struct Args {
    /// Output file (JSON).
    #[arg(long)]
    out: PathBuf,
    /// Number of proofs to generate (the largest batch measured).
    #[arg(long, default_value_t = 10)]
    proofs: usize,
    /// Directory of the compiled circuit (payment.r1cs, payment_js/payment.wasm); default: the
    /// committed circuits/build.
    #[arg(long)]
    artifacts: Option<PathBuf>,
    /// Instead of generating: a snarkjs verification_key.json ...
    #[arg(long, requires = "snarkjs_proof")]
    snarkjs_vk: Option<PathBuf>,
    /// ... and its proofs: `--snarkjs-proof PROOF.json PUBLIC.json`, repeated (policy_hash, the
    /// first public signal, must be the same in all).
    #[arg(long, num_args = 2, action = clap::ArgAction::Append)]
    snarkjs_proof: Vec<PathBuf>,
    /// Also write the fixture as snarkjs JSON into this directory (verification_key.json,
    /// proof_<i>.json, public_<i>.json), to check it with `snarkjs groth16 verify`.
    #[arg(long)]
    export_snarkjs: Option<PathBuf>,
}

fn read_json(path: &Path) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?)
}

fn write_json(path: PathBuf, value: &serde_json::Value) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::write(&path, serde_json::to_string_pretty(value)?).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let fixture = match &args.snarkjs_vk {
        Some(vk) => {
            let pairs = args.snarkjs_proof.chunks(2).map(|p| Ok((read_json(&p[0])?, read_json(&p[1])?)));
            let proofs = pairs.collect::<Result<Vec<_>, Box<dyn std::error::Error>>>()?;
            let source = format!("snarkjs key {} and {} proofs", vk.display(), proofs.len());
            snarkjs::fixture(source, &read_json(vk)?, &proofs, 1)?
        }
        None => {
            let artifacts = args.artifacts.map_or_else(ArtifactPaths::committed, |dir| ArtifactPaths::in_dir(&dir));
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
            generate(&artifacts, args.proofs, now)?
        }
    };
    fixture.save(&args.out)?;
    if let Some(dir) = &args.export_snarkjs {
        export(&fixture, dir)?;
    }
    eprintln!("wrote {} proofs to {}", fixture.proofs.len(), args.out.display());
    Ok(())
}

fn export(fixture: &Fixture, dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    write_json(dir.join("verification_key.json"), &snarkjs::vk_json(fixture))?;
    for i in 0..fixture.proofs.len() {
        let (proof, public) = snarkjs::proof_json(fixture, i).ok_or("proof index")?;
        write_json(dir.join(format!("proof_{i}.json")), &proof)?;
        write_json(dir.join(format!("public_{i}.json")), &public)?;
    }
    Ok(())
}
