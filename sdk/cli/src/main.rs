//! `zk402`: private pay-per-request access to x402 APIs on Solana.
//!
//! The flow: a payer buys credits in an SPL token (USDC) and gets a receipt signed by the
//! merchant's issuer; to use a paid API it proves in zero knowledge that it spends an unspent
//! credit of a receipt meeting the merchant's policy; the merchant's facilitator verifies the
//! proof, serves, and settles it on chain, where the verifier program records its nullifier.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "zk402", version, about, long_about = LONG_ABOUT)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

const LONG_ABOUT: &str = "\
Private pay-per-request access to x402 (HTTP 402) APIs on Solana.

Flow: 1. the merchant registers a policy on chain (`merchant create-policy`) and serves its API
behind the x402 gate (`merchant serve`), which answers 402 with the policy and a stateless
challenge. 2. The payer buys credits in USDC and gets a receipt from the merchant's issuer
(`payer pay --credits N`). 3. The payer requests the API (`payer access`): it proves in zero
knowledge, in-process, that an unspent credit of a receipt meets the policy, without revealing
which payment, and sends the proof; the merchant's facilitator verifies it off chain, reserves
the credit, serves, and settles proofs in batches on chain, where the verifier program records
their nullifiers. The payer's wallet appears on chain only in its payment.

`zk402 demo` runs all of it on the embedded default: an in-process Solana runtime with the
verifier program, a USDC-like mint and the committed (INSECURE, test-only) ceremony key.";

#[derive(Subcommand)]
enum Command {
    /// Runs the whole flow end to end on the embedded default and shows the replay refused.
    Demo,
    /// Serves the in-process runtime over JSON-RPC on loopback as a local validator (verifier
    /// program, USDC-like mint, funded keypairs and every role's configuration written to
    /// --dir), a slot every 400 ms, until Ctrl-C. The ledger is not kept across restarts.
    Localnet {
        /// Directory of keypairs, keys and configuration files.
        #[arg(long, default_value = "localnet")]
        dir: PathBuf,
        /// JSON-RPC address.
        #[arg(long, default_value = "127.0.0.1:8899")]
        rpc_bind: String,
        /// The merchant's address in the written merchant.toml.
        #[arg(long, default_value = "127.0.0.1:8402")]
        merchant_bind: String,
        /// The facilitator's address in the written facilitator.toml.
        #[arg(long, default_value = "127.0.0.1:8403")]
        facilitator_bind: String,
    },
    /// Measures the flow on the embedded default (build with --release): paid-request latency
    /// in deferred and confirm modes, facilitator verifications per second, settlement fees
    /// per proof in batches of 10.
    Bench {
        /// Paid requests per settlement mode.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=10_000))]
        requests: u64,
        /// Proofs verified for the throughput figure.
        #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=10_000))]
        verifications: u64,
    },
    /// Merchant commands (configuration file: see README "Real clusters").
    #[command(subcommand)]
    Merchant(MerchantCommand),
    /// Payer commands.
    #[command(subcommand)]
    Payer(PayerCommand),
    /// Facilitator commands.
    #[command(subcommand)]
    Facilitator(FacilitatorCommand),
    /// Writes a new issuer key (32-byte seed from the OS RNG, hex) to a file (mode 0600).
    IssuerKey {
        /// Where to write it; refuses to overwrite.
        #[arg(long)]
        out: PathBuf,
    },
    /// Writes a new challenge key (32 bytes from the OS RNG, hex; the MAC key of the
    /// merchant's stateless 402 challenges) to a file (mode 0600).
    ChallengeKey {
        /// Where to write it; refuses to overwrite.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum MerchantCommand {
    /// Registers the merchant's policy on chain and prints its address.
    CreatePolicy {
        /// Merchant configuration file.
        #[arg(long, env = "ZK402_MERCHANT_CONFIG")]
        config: PathBuf,
        /// The authority's Solana keypair file (pays the rent; the recipient is from the config).
        #[arg(long)]
        authority: PathBuf,
        /// The authority's identifier of this policy.
        #[arg(long)]
        policy_id: u64,
        /// Price of one request (one credit), atomic units; at least 1.
        #[arg(long)]
        price: u64,
        /// Longest receipt age, seconds.
        #[arg(long, default_value_t = 3600)]
        max_age: u64,
        /// Largest difference between a proof's time and the cluster clock, seconds.
        #[arg(long, default_value_t = 60)]
        clock_window: u64,
        /// Shards of the policy's nullifier set (each a separately write-locked account).
        #[arg(long, default_value_t = 1)]
        nullifier_shards: u16,
        /// Cells per shard: a power of two, 64..=1,048,576 (8 bytes each, rent paid by the
        /// authority); plan for at most 60 % live entries (see the verifier program's README).
        #[arg(long, default_value_t = 65_536)]
        shard_capacity: u32,
    },
    /// Serves the gated resource, the receipt issuer and /metrics.
    Serve {
        /// Merchant configuration file.
        #[arg(long, env = "ZK402_MERCHANT_CONFIG")]
        config: PathBuf,
    },
}

#[derive(Subcommand)]
enum FacilitatorCommand {
    /// Serves x402's facilitator API (/supported, /verify, /settle, /challenge, /metrics) for the
    /// configured policies, and settles verified proofs on chain in batches.
    Serve {
        /// Facilitator configuration file (README "Facilitator").
        #[arg(long, env = "ZK402_FACILITATOR_CONFIG")]
        config: PathBuf,
    },
}

#[derive(Subcommand)]
enum PayerCommand {
    /// Buys credits: pays the merchant of `url` its price times `--credits` in one payment and
    /// stores the issuer's receipt in the wallet. Buying ahead and spending over time is what
    /// hides which payment a request spends (see the README).
    Pay {
        /// Payer configuration file.
        #[arg(long, env = "ZK402_PAYER_CONFIG")]
        config: PathBuf,
        /// The paid resource.
        url: String,
        /// How many requests the payment buys.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        credits: u64,
        /// The merchant's issuer (default: the resource's origin).
        #[arg(long)]
        issuer_url: Option<String>,
    },
    /// Shows the wallet's credits for the policy of `url`: per receipt, how many are left and
    /// when they expire.
    Credits {
        /// Payer configuration file.
        #[arg(long, env = "ZK402_PAYER_CONFIG")]
        config: PathBuf,
        /// The paid resource.
        url: String,
    },
    /// Shows, from public data, how many fresh receipts of the merchant's issuer a request to
    /// `url` spent now would hide among, and warns when they are fewer than the threshold.
    Privacy {
        /// Payer configuration file.
        #[arg(long, env = "ZK402_PAYER_CONFIG")]
        config: PathBuf,
        /// The paid resource.
        url: String,
        /// Warn below this many fresh receipts [default: the configuration's min_anonymity_set].
        #[arg(long)]
        min_anonymity_set: Option<usize>,
    },
    /// Requests `url`, paying with a proof of an unspent receipt, and prints the response
    /// (warning first when few fresh receipts of the merchant's issuer exist).
    Access {
        /// Payer configuration file.
        #[arg(long, env = "ZK402_PAYER_CONFIG")]
        config: PathBuf,
        /// The paid resource.
        url: String,
    },
}

fn main() -> ExitCode {
    // tarpc (the in-process runtime's bank client) warns on every call that no OpenTelemetry
    // subscriber is installed.
    let filter = tracing_subscriber::EnvFilter::from_default_env()
        .add_directive("tarpc=error".parse().expect("a valid directive"));
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let cli = Cli::parse();
    // The local cluster advances its slots by warping the bank, safe on one thread only.
    let runtime = match &cli.command {
        Command::Localnet { .. } => tokio::runtime::Builder::new_current_thread().enable_all().build(),
        _ => tokio::runtime::Runtime::new(),
    };
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Demo => zk402_cli::demo::run().await,
            Command::Localnet { dir, rpc_bind, merchant_bind, facilitator_bind } => {
                zk402_cli::localnet::run(zk402_cli::localnet::LocalnetOptions {
                    dir,
                    rpc_bind,
                    merchant_bind,
                    facilitator_bind,
                })
                .await
            }
            Command::Bench { requests, verifications } => {
                let options = zk402_cli::bench::BenchOptions {
                    requests: requests as usize,
                    verifications: verifications as usize,
                };
                zk402_cli::bench::run(options).await.map(drop)
            }
            Command::IssuerKey { out } => zk402_cli::commands::issuer_key(&out),
            Command::ChallengeKey { out } => zk402_cli::commands::challenge_key(&out),
            Command::Merchant(MerchantCommand::CreatePolicy {
                config,
                authority,
                policy_id,
                price,
                max_age,
                clock_window,
                nullifier_shards,
                shard_capacity,
            }) => {
                let terms = zk402_cli::commands::PolicyTerms {
                    policy_id,
                    price,
                    max_age,
                    clock_window,
                    nullifier_shards,
                    shard_capacity,
                };
                zk402_cli::commands::create_policy(&config, &authority, terms).await
            }
            Command::Merchant(MerchantCommand::Serve { config }) => zk402_cli::commands::serve(&config).await,
            Command::Facilitator(FacilitatorCommand::Serve { config }) => {
                zk402_cli::commands::serve_facilitator(&config).await
            }
            Command::Payer(PayerCommand::Pay { config, url, credits, issuer_url }) => {
                zk402_cli::commands::pay(&config, &url, credits, issuer_url.as_deref()).await
            }
            Command::Payer(PayerCommand::Credits { config, url }) => zk402_cli::commands::credits(&config, &url).await,
            Command::Payer(PayerCommand::Privacy { config, url, min_anonymity_set }) => {
                zk402_cli::commands::privacy(&config, &url, min_anonymity_set).await
            }
            Command::Payer(PayerCommand::Access { config, url }) => zk402_cli::commands::access(&config, &url).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
