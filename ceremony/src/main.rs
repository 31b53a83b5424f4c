//! `zk402-ceremony`: the command-line front of the trusted-setup library.

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zk402_ceremony::contribute::{Entropy, beacon, contribute};
use zk402_ceremony::drand::{from_hex, verify_round};
use zk402_ceremony::export::{VerificationKeyJson, rust_constants};
use zk402_ceremony::phase1::{Phase1Secrets, new_ptau, prepare};
use zk402_ceremony::phase2_new::new_zkey;
use zk402_ceremony::progress::Progress;
use zk402_ceremony::ptau::Ptau;
use zk402_ceremony::verify::{hex, verify};
use zk402_ceremony::zkey::Zkey;
use zk402_circuit::r1cs::R1cs;

#[derive(Parser)]
#[command(name = "zk402-ceremony", about = "Groth16 trusted setup (snarkjs-compatible) with a drand beacon")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Creates a single-party, prepared ptau for tests and demos (whoever runs it knows tau).
    PtauNew {
        /// log2 of the number of powers.
        #[arg(long)]
        power: u32,
        /// Output `.ptau`.
        #[arg(long)]
        out: PathBuf,
        /// INSECURE: derive the secrets from this hex seed instead of OS randomness.
        #[arg(long)]
        insecure_test_entropy: Option<String>,
    },
    /// Adds the Lagrange sections (12–15) to an imported ptau.
    Prepare {
        /// Input `.ptau`.
        #[arg(long)]
        ptau: PathBuf,
        /// Output `.ptau`.
        #[arg(long)]
        out: PathBuf,
    },
    /// Creates the initial zkey from a circuit and a prepared ptau.
    ZkeyNew {
        /// Circuit `.r1cs`.
        #[arg(long)]
        r1cs: PathBuf,
        /// Prepared `.ptau`.
        #[arg(long)]
        ptau: PathBuf,
        /// Output `.zkey`.
        #[arg(long)]
        out: PathBuf,
    },
    /// Adds a contribution (OS randomness plus optional text); prints its hash.
    Contribute {
        /// Input `.zkey`.
        #[arg(long = "in")]
        input: PathBuf,
        /// Output `.zkey`.
        #[arg(long)]
        out: PathBuf,
        /// Participant name recorded in the file.
        #[arg(long)]
        name: Option<String>,
        /// Extra entropy text mixed with the OS randomness.
        #[arg(long, env = "ZK402_CONTRIBUTION_TEXT", default_value = "")]
        text: String,
        /// INSECURE: use this hex seed instead of OS randomness (reproducible test ceremonies).
        #[arg(long)]
        insecure_test_entropy: Option<String>,
    },
    /// Adds the final beacon contribution from a verified drand quicknet round.
    Beacon {
        /// Input `.zkey`.
        #[arg(long = "in")]
        input: PathBuf,
        /// Output `.zkey`.
        #[arg(long)]
        out: PathBuf,
        /// drand quicknet round.
        #[arg(long)]
        round: u64,
        /// The round's BLS signature (hex).
        #[arg(long)]
        signature: String,
        /// log2 of the SHA-256 iterations (snarkjs accepts 10..=63).
        #[arg(long, default_value_t = 10)]
        iterations_exp: u8,
        /// Name recorded in the file.
        #[arg(long)]
        name: Option<String>,
    },
    /// Re-checks a zkey against the circuit and ptau; prints the report.
    Verify {
        /// Circuit `.r1cs`.
        #[arg(long)]
        r1cs: PathBuf,
        /// Prepared `.ptau`.
        #[arg(long)]
        ptau: PathBuf,
        /// The `.zkey` to check.
        #[arg(long)]
        zkey: PathBuf,
        /// Also write the report as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Verifies a drand quicknet round offline and prints its randomness.
    DrandVerify {
        /// Round number.
        #[arg(long)]
        round: u64,
        /// BLS signature (hex).
        #[arg(long)]
        signature: String,
    },
    /// Exports the verifying key.
    Export {
        /// `vk` (snarkjs JSON) or `rust` (verifier constants).
        #[arg(value_parser = ["vk", "rust"])]
        format: String,
        /// The `.zkey`.
        #[arg(long)]
        zkey: PathBuf,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

fn entropy(seed: Option<String>, text: String) -> Result<Entropy, String> {
    match seed {
        Some(hex) => {
            eprintln!("WARNING: insecure test entropy — the secret is known to anyone with this seed");
            Ok(Entropy::InsecureTest { seed: from_hex(&hex).ok_or("--insecure-test-entropy is not hex")? })
        }
        None => Ok(Entropy::Os { text: text.into_bytes() }),
    }
}

fn load_zkey(path: &Path) -> Result<Zkey, String> {
    Zkey::read(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))
}

fn load_ptau(path: &Path) -> Result<Ptau, String> {
    Ptau::read(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))
}

fn run(cli: Cli) -> Result<(), String> {
    let progress = Progress::stderr();
    match cli.command {
        Command::PtauNew { power, out, insecure_test_entropy } => {
            if !(1..=20).contains(&power) {
                return Err("ptau-new supports powers 1..=20 (tests and demos)".into());
            }
            let mut rng = entropy(insecure_test_entropy, String::new())?.rng().map_err(|e| e.to_string())?;
            let ptau = new_ptau(power, &Phase1Secrets::from_rng(&mut rng), &progress);
            write(&out, &ptau.write())
        }
        Command::Prepare { ptau, out } => {
            let mut p = load_ptau(&ptau)?;
            prepare(&mut p, &progress);
            write(&out, &p.write())
        }
        Command::ZkeyNew { r1cs, ptau, out } => {
            let r1cs = R1cs::parse(&read(&r1cs)?).map_err(|e| e.to_string())?;
            let zkey = new_zkey(&r1cs, &load_ptau(&ptau)?, &progress).map_err(|e| e.to_string())?;
            println!("circuit hash: {}", hex(&zkey.mpc.cs_hash));
            write(&out, &zkey.write())
        }
        Command::Contribute { input, out, name, text, insecure_test_entropy } => {
            let mut zkey = load_zkey(&input)?;
            let hash =
                contribute(&mut zkey, &entropy(insecure_test_entropy, text)?, name).map_err(|e| e.to_string())?;
            write(&out, &zkey.write())?;
            println!("contribution hash: {}", hex(&hash));
            Ok(())
        }
        Command::Beacon { input, out, round, signature, iterations_exp, name } => {
            let sig = from_hex(&signature).ok_or("--signature is not hex")?;
            let randomness = verify_round(round, &sig).map_err(|e| e.to_string())?;
            let mut zkey = load_zkey(&input)?;
            let name = name.or_else(|| Some(format!("drand quicknet round {round}")));
            let hash = beacon(&mut zkey, &randomness, iterations_exp, name).map_err(|e| e.to_string())?;
            write(&out, &zkey.write())?;
            println!("beacon randomness: {}\ncontribution hash: {}", hex(&randomness), hex(&hash));
            Ok(())
        }
        Command::Verify { r1cs, ptau, zkey, json } => {
            let r1cs = R1cs::parse(&read(&r1cs)?).map_err(|e| e.to_string())?;
            let report = verify(&r1cs, &load_ptau(&ptau)?, &load_zkey(&zkey)?, &progress)
                .map_err(|e| format!("REJECTED: {e}"))?;
            print!("{}", report.to_text());
            if let Some(path) = json {
                write(&path, serde_json::to_string_pretty(&report).expect("report serializes").as_bytes())?;
            }
            Ok(())
        }
        Command::DrandVerify { round, signature } => {
            let sig = from_hex(&signature).ok_or("--signature is not hex")?;
            println!("{}", hex(&verify_round(round, &sig).map_err(|e| e.to_string())?));
            Ok(())
        }
        Command::Export { format, zkey, out } => {
            let bytes = read(&zkey)?;
            let z = Zkey::read(&bytes).map_err(|e| e.to_string())?;
            let text = if format == "vk" {
                VerificationKeyJson::from_zkey(&z).to_snarkjs_json()
            } else {
                let name = zkey.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                rust_constants(&z, &name, &bytes)
            };
            write(&out, text.as_bytes())
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
