//! `zk402-ceremony`: the command-line front of the trusted-setup library.

use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zk402_ceremony::audit::{AuditInputs, Phase1Beacons, audit};
use zk402_ceremony::contribute::{Entropy, beacon, contribute};
use zk402_ceremony::drand::from_hex;
use zk402_ceremony::drand_round::{VerifiedRound, from_json, verified};
use zk402_ceremony::export::{VerificationKeyJson, rust_constants};
use zk402_ceremony::phase1::{self, MAX_NEW_POWER, new_accumulator};
use zk402_ceremony::phase1_verify::verify_ptau;
use zk402_ceremony::phase2_new::new_zkey;
use zk402_ceremony::prepare::prepare;
use zk402_ceremony::progress::Progress;
use zk402_ceremony::ptau::Ptau;
use zk402_ceremony::verify::hex;
use zk402_ceremony::zkey::Zkey;
use zk402_circuit::r1cs::R1cs;

#[derive(Parser)]
#[command(name = "zk402-ceremony", about = "Groth16 trusted setup (snarkjs-compatible) with a drand beacon")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// A contribution: input and output files (`.ptau` or `.zkey`), and the entropy.
#[derive(Args, Debug)]
struct ContributeArgs {
    /// Input file.
    #[arg(long = "in")]
    input: PathBuf,
    /// Output file.
    #[arg(long)]
    out: PathBuf,
    /// Contributor name recorded in the file (first 64 characters).
    #[arg(long)]
    name: Option<String>,
    /// Extra entropy text mixed with the OS randomness.
    #[arg(long, env = "ZK402_CONTRIBUTION_TEXT", default_value = "")]
    text: String,
    /// INSECURE: use this hex seed instead of OS randomness (reproducible test ceremonies).
    #[arg(long)]
    insecure_test_entropy: Option<String>,
}

/// A beacon contribution: input and output files (`.ptau` or `.zkey`) and the drand round.
#[derive(Args, Debug)]
struct BeaconArgs {
    /// Input file.
    #[arg(long = "in")]
    input: PathBuf,
    /// Output file.
    #[arg(long)]
    out: PathBuf,
    /// The drand round.
    #[command(flatten)]
    drand: DrandArgs,
    /// log2 of the SHA-256 iterations (snarkjs accepts 10..=63).
    #[arg(long, default_value_t = 10)]
    iterations_exp: u8,
    /// Name recorded in the file.
    #[arg(long)]
    name: Option<String>,
}

/// A drand quicknet round: number and signature, or drand's JSON answers (offline), or —
/// with the `fetch` feature — fetched from a relay. Always verified against the pinned key.
#[derive(Args, Debug)]
struct DrandArgs {
    /// drand quicknet round number.
    #[arg(long)]
    round: Option<u64>,
    /// The round's BLS signature (hex); needs --round.
    #[arg(long, requires = "round", conflicts_with = "drand_json")]
    signature: Option<String>,
    /// File {"info": <GET /{chain}/info>, "beacon": <GET /{chain}/public/{round}>}.
    #[arg(long, conflicts_with = "round")]
    drand_json: Option<PathBuf>,
    /// Fetch the round from this drand HTTP relay (e.g. https://api.drand.sh); needs --round.
    #[cfg(feature = "fetch")]
    #[arg(long, requires = "round", conflicts_with_all = ["signature", "drand_json"])]
    fetch_from: Option<String>,
}

impl DrandArgs {
    /// The verified round, or `None` when no round was given.
    fn resolve(&self) -> Result<Option<VerifiedRound>, String> {
        #[cfg(feature = "fetch")]
        if let (Some(relay), Some(round)) = (&self.fetch_from, self.round) {
            return zk402_ceremony::drand_round::fetch(relay, round).map(Some).map_err(|e| e.to_string());
        }
        match (&self.drand_json, self.round, &self.signature) {
            (Some(path), _, _) => {
                let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
                from_json(&text).map(Some).map_err(|e| format!("{}: {e}", path.display()))
            }
            (None, Some(round), Some(sig)) => {
                let sig = from_hex(sig).ok_or("--signature is not hex")?;
                verified(round, &sig).map(Some).map_err(|e| e.to_string())
            }
            (None, Some(_), None) => Err("--round needs --signature (or use --drand-json)".into()),
            (None, None, _) => Ok(None),
        }
    }

    fn required(&self) -> Result<VerifiedRound, String> {
        self.resolve()?.ok_or_else(|| "give --round and --signature, or --drand-json".into())
    }
}

#[derive(Subcommand)]
enum Command {
    /// Creates the identity phase-1 accumulator (`snarkjs powersoftau new`), for tests and demos.
    PtauNew {
        /// log2 of the number of powers (1..=20).
        #[arg(long)]
        power: u32,
        /// Output `.ptau`.
        #[arg(long)]
        out: PathBuf,
    },
    /// Adds a phase-1 contribution (OS randomness plus optional text); prints its response hash.
    /// The output is unprepared: run `prepare` after the last contribution.
    PtauContribute(ContributeArgs),
    /// Adds the phase-1 beacon contribution from a verified drand quicknet round.
    PtauBeacon(BeaconArgs),
    /// Verifies a ptau's phase-1 contributions (and Lagrange sections if present).
    PtauVerify {
        /// The `.ptau`.
        #[arg(long)]
        ptau: PathBuf,
        /// Also write the report as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Adds the Lagrange sections (12–15) to a ptau (`snarkjs powersoftau prepare phase2`).
    Prepare {
        /// Input `.ptau`.
        #[arg(long)]
        ptau: PathBuf,
        /// Output `.ptau`.
        #[arg(long)]
        out: PathBuf,
    },
    /// Creates the initial zkey from a circuit and a ptau (prepared in memory if needed).
    ZkeyNew {
        /// Circuit `.r1cs`.
        #[arg(long)]
        r1cs: PathBuf,
        /// The `.ptau`.
        #[arg(long)]
        ptau: PathBuf,
        /// Output `.zkey`.
        #[arg(long)]
        out: PathBuf,
    },
    /// Adds a contribution (OS randomness plus optional text); prints its hash.
    Contribute(ContributeArgs),
    /// Adds the final beacon contribution from a verified drand quicknet round.
    Beacon(BeaconArgs),
    /// Audits a ceremony and the program's key; prints the report.
    ///
    /// Refuses a phase with no contribution besides beacons (a beacon's secret is public), a beacon whose value is not
    /// the given drand round's randomness (or with no round given), a program key that is not
    /// byte for byte `export rust` of the zkey, and any failed check of the ptau's phase-1
    /// contributions or of the zkey against the circuit and ptau.
    Verify {
        /// Circuit `.r1cs`.
        #[arg(long)]
        r1cs: PathBuf,
        /// The `.ptau` (prepared in memory if needed).
        #[arg(long)]
        ptau: PathBuf,
        /// The `.zkey` to check.
        #[arg(long)]
        zkey: PathBuf,
        /// The Rust constants file the program compiles in (must equal `export rust` of the zkey).
        #[arg(long)]
        program_key: PathBuf,
        /// The drand round every beacon's value must be (required when there is a beacon).
        #[command(flatten)]
        drand: DrandArgs,
        /// Do not check phase-1 beacons against the drand round: for an imported public ptau
        /// whose beacon came from elsewhere (the report lists them).
        #[arg(long)]
        phase1_beacon_not_drand: bool,
        /// Also write the report as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Verifies a drand quicknet round offline and prints its randomness.
    DrandVerify {
        /// The drand round.
        #[command(flatten)]
        drand: DrandArgs,
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

/// A zkey's file name as `export rust` records it (and `verify` expects it).
fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).expect("reports serialize")
}

fn drand_name(name: Option<String>, round: &VerifiedRound) -> Option<String> {
    name.or_else(|| Some(format!("drand quicknet round {}", round.round)))
}

fn run(cli: Cli) -> Result<(), String> {
    let progress = Progress::stderr();
    match cli.command {
        Command::PtauNew { power, out } => {
            let ptau = new_accumulator(power).ok_or(format!("ptau-new supports powers 1..={MAX_NEW_POWER}"))?;
            write(&out, &ptau.write())
        }
        Command::PtauContribute(ContributeArgs { input, out, name, text, insecure_test_entropy }) => {
            let mut ptau = load_ptau(&input)?;
            let hash = phase1::contribute(&mut ptau, &entropy(insecure_test_entropy, text)?, name)
                .map_err(|e| e.to_string())?;
            write(&out, &ptau.write())?;
            println!("response hash: {}", hex(&hash));
            Ok(())
        }
        Command::PtauBeacon(BeaconArgs { input, out, drand, iterations_exp, name }) => {
            let round = drand.required()?;
            let mut ptau = load_ptau(&input)?;
            let hash = phase1::beacon(&mut ptau, &round.randomness, iterations_exp, drand_name(name, &round))
                .map_err(|e| e.to_string())?;
            write(&out, &ptau.write())?;
            println!("beacon randomness: {}\nresponse hash: {}", hex(&round.randomness), hex(&hash));
            Ok(())
        }
        Command::PtauVerify { ptau, json: json_out } => {
            let report = verify_ptau(&load_ptau(&ptau)?).map_err(|e| format!("REJECTED: {e}"))?;
            print!("{}", report.to_text());
            json_out.map_or(Ok(()), |path| write(&path, json(&report).as_bytes()))
        }
        Command::Prepare { ptau, out } => {
            let mut p = load_ptau(&ptau)?;
            prepare(&mut p, &progress);
            write(&out, &p.write())
        }
        Command::ZkeyNew { r1cs, ptau, out } => {
            let r1cs = R1cs::parse(&read(&r1cs)?).map_err(|e| e.to_string())?;
            let mut ptau = load_ptau(&ptau)?;
            if ptau.lagrange.is_none() {
                prepare(&mut ptau, &progress);
            }
            let zkey = new_zkey(&r1cs, &ptau, &progress).map_err(|e| e.to_string())?;
            println!("circuit hash: {}", hex(&zkey.mpc.cs_hash));
            write(&out, &zkey.write())
        }
        Command::Contribute(ContributeArgs { input, out, name, text, insecure_test_entropy }) => {
            let mut zkey = load_zkey(&input)?;
            let hash =
                contribute(&mut zkey, &entropy(insecure_test_entropy, text)?, name).map_err(|e| e.to_string())?;
            write(&out, &zkey.write())?;
            println!("contribution hash: {}", hex(&hash));
            Ok(())
        }
        Command::Beacon(BeaconArgs { input, out, drand, iterations_exp, name }) => {
            let round = drand.required()?;
            let mut zkey = load_zkey(&input)?;
            let hash = beacon(&mut zkey, &round.randomness, iterations_exp, drand_name(name, &round))
                .map_err(|e| e.to_string())?;
            write(&out, &zkey.write())?;
            println!("beacon randomness: {}\ncontribution hash: {}", hex(&round.randomness), hex(&hash));
            Ok(())
        }
        Command::Verify { r1cs, ptau, zkey, program_key, drand, phase1_beacon_not_drand, json: json_out } => {
            let r1cs = R1cs::parse(&read(&r1cs)?).map_err(|e| e.to_string())?;
            let round = drand.resolve()?;
            let inputs = AuditInputs {
                r1cs: &r1cs,
                ptau: load_ptau(&ptau)?,
                zkey_name: &file_name(&zkey),
                zkey_bytes: &read(&zkey)?,
                program_key: &read(&program_key)?,
                drand: round.as_ref(),
                phase1_beacons: if phase1_beacon_not_drand { Phase1Beacons::NotDrand } else { Phase1Beacons::Drand },
            };
            let report = audit(inputs, &progress).map_err(|e| format!("REJECTED: {e}"))?;
            println!("{}all checks passed", report.to_text());
            json_out.map_or(Ok(()), |path| write(&path, json(&report).as_bytes()))
        }
        Command::DrandVerify { drand } => {
            println!("{}", hex(&drand.required()?.randomness));
            Ok(())
        }
        Command::Export { format, zkey, out } => {
            let bytes = read(&zkey)?;
            let z = Zkey::read(&bytes).map_err(|e| e.to_string())?;
            let text = if format == "vk" {
                VerificationKeyJson::from_zkey(&z).to_snarkjs_json()
            } else {
                rust_constants(&z, &file_name(&zkey), &bytes)
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
