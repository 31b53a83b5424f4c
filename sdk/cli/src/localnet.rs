//! `zk402 localnet`: the in-process runtime served over JSON-RPC on loopback, as a local
//! validator is: the verifier program, a USDC-like mint, funded keypair files and ready
//! configuration files for every role in one directory; a new slot every 400 ms with the clock
//! at wall time; Ctrl-C stops it.
//!
//! The ledger lives in memory only: a restart with the same directory starts a new cluster
//! (another genesis hash and mint), keeps the keypair and key files, and resets the files bound
//! to the old ledger (the payer's wallet, the issuer's ledger, the nullifier store). It says so.

use crate::app::serve_until_ctrl_c;
use crate::commands::{write_private, write_secret};
use crate::demo::TEST_ZKEY;
use crate::world::DECIMALS;
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;
use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;
use zk402_chain::local::LocalChain;
use zk402_chain::program::{PROGRAM_ID, policy_address};
use zk402_chain::rpc::server::{self, Cluster};
use zk402_x402::Network;

/// How often the cluster moves to its next slot (a Solana slot's target duration).
pub const SLOT_TIME: Duration = Duration::from_millis(400);
/// Lamports each actor gets (100 SOL).
const ACTOR_LAMPORTS: u64 = 100_000_000_000;
/// Tokens minted to the payer: 1,000 (6 decimals).
const PAYER_TOKENS: u64 = 1_000_000_000;
/// The policy id the written configuration names (`merchant create-policy --policy-id 1`).
pub const POLICY_ID: u64 = 1;
/// Price of one request in the written configuration: 1 token.
pub const PRICE: u64 = 1_000_000;
/// What the cluster description file is called.
pub const CLUSTER_FILE: &str = "cluster.json";
/// The file a running localnet holds locked in its directory.
const LOCK_FILE: &str = "localnet.lock";
/// Files bound to one run's ledger, removed when a new cluster starts in the directory.
const LEDGER_BOUND: [&str; 4] = ["wallet.json", "issuer.sqlite", "nullifiers.sqlite", CLUSTER_FILE];

/// Where `zk402 localnet` listens and writes.
#[derive(Debug, Clone)]
pub struct LocalnetOptions {
    /// The directory of keypairs, keys and configuration files (created if missing).
    pub dir: PathBuf,
    /// The JSON-RPC address.
    pub rpc_bind: String,
    /// The merchant's address in the written `merchant.toml`.
    pub merchant_bind: String,
    /// The facilitator's address in the written `facilitator.toml`.
    pub facilitator_bind: String,
}

/// The keypairs of the roles, kept across restarts.
struct Actors {
    merchant: Keypair,
    payer: Keypair,
    facilitator: Keypair,
    mint_authority: Keypair,
}

/// Runs the local cluster until Ctrl-C. Needs a current-thread tokio runtime (slots advance
/// by warping the bank: [`LocalChain::advance_slot`]).
pub async fn run(options: LocalnetOptions) -> Result<(), String> {
    let listener = TcpListener::bind(&options.rpc_bind).await.map_err(|e| format!("bind {}: {e}", options.rpc_bind))?;
    let rpc_url = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
    let (dir, _lock) = prepare_dir(&options.dir)?;
    let actors = Actors {
        merchant: keypair_file(&dir.join("merchant.json"))?,
        payer: keypair_file(&dir.join("payer.json"))?,
        facilitator: keypair_file(&dir.join("facilitator.json"))?,
        mint_authority: keypair_file(&dir.join("mint-authority.json"))?,
    };
    for key in ["issuer.key", "challenge.key"] {
        if !dir.join(key).exists() {
            write_secret(&dir.join(key))?;
        }
    }

    let chain = LocalChain::start().await;
    chain.set_unix_time(unix_now()?).await.map_err(|e| e.to_string())?;
    let network = Network::from_genesis_hash(&chain.genesis_hash().to_string()).map_err(|e| e.to_string())?;
    let mint = fund(&chain, &actors).await.map_err(|e| format!("setting up the cluster: {e}"))?;
    let cluster = Cluster { genesis_hash: Some(chain.genesis_hash()), faucet: Some(chain.payer()) };
    let files =
        ConfigFiles { dir: &dir, rpc_url: &rpc_url, network: &network, mint, actors: &actors, options: &options };
    files.write()?;
    files.print();

    let router = server::router_with(Arc::new(chain.clone()), cluster);
    let ticker = tokio::spawn(advance_slots(chain));
    let served = serve_until_ctrl_c(listener, router, ticker).await;
    println!("localnet stopped (its ledger is gone; the keypairs in {} are kept)", dir.display());
    served
}

fn unix_now() -> Result<i64, String> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|e| format!("system clock: {e}"))?;
    i64::try_from(now.as_secs()).map_err(|e| format!("system clock: {e}"))
}

/// Advances one slot every [`SLOT_TIME`], the clock at wall time.
async fn advance_slots(chain: LocalChain) {
    let mut every = tokio::time::interval(SLOT_TIME);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let advanced = match unix_now() {
            Ok(now) => chain.advance_slot(now).await.map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        if let Err(e) = advanced {
            tracing::warn!(error = %e, "the slot did not advance");
        }
    }
}

/// Creates the directory and locks it for this run (a second localnet in it is refused before
/// it touches anything), or resets the files of a previous run's ledger in it (saying so).
/// The lock lasts as long as the returned file.
fn prepare_dir(dir: &Path) -> Result<(PathBuf, File), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let dir = dir.canonicalize().map_err(|e| format!("{}: {e}", dir.display()))?;
    let lock_path = dir.join(LOCK_FILE);
    let lock = File::create(&lock_path).map_err(|e| format!("{}: {e}", lock_path.display()))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            return Err(format!("another zk402 localnet is running in {}: stop it first", dir.display()));
        }
        Err(TryLockError::Error(e)) => return Err(format!("{}: {e}", lock_path.display())),
    }
    if dir.join(CLUSTER_FILE).exists() {
        println!(
            "{} held an earlier localnet: its ledger was not kept (the runtime lives in memory). Starting a new \
             cluster with the same keypairs and keys; the wallet, issuer ledger and nullifier store of the old one \
             are removed. Run `merchant create-policy` and `payer pay` again.\n",
            dir.display()
        );
        for name in LEDGER_BOUND {
            for path in [dir.join(name), dir.join(format!("{name}-wal")), dir.join(format!("{name}-shm"))] {
                match std::fs::remove_file(&path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(format!("{}: {e}", path.display()));
                    }
                    _ => {}
                }
            }
        }
    }
    Ok((dir, lock))
}

/// The keypair in `path`, or a new one written there (mode 0600, `solana-keygen`'s format).
fn keypair_file(path: &Path) -> Result<Keypair, String> {
    if path.exists() {
        return crate::config::read_keypair(path).map_err(|e| e.to_string());
    }
    let keypair = Keypair::new();
    let json = serde_json::to_string(&keypair.to_bytes().to_vec()).map_err(|e| e.to_string())?;
    write_private(path, &json)?;
    Ok(keypair)
}

/// Funds the actors, creates the mint and the token accounts, and mints the payer's tokens.
async fn fund(chain: &LocalChain, actors: &Actors) -> Result<Pubkey, zk402_chain::ChainError> {
    for actor in [&actors.merchant, &actors.payer, &actors.facilitator] {
        chain.airdrop(&actor.pubkey(), ACTOR_LAMPORTS).await?;
    }
    let mint = chain.create_mint(&actors.mint_authority.pubkey(), DECIMALS).await?;
    chain.create_token_account(&actors.merchant.pubkey(), &mint).await?;
    let payer_tokens = chain.create_token_account(&actors.payer.pubkey(), &mint).await?;
    chain.mint_to(&mint, &payer_tokens, &actors.mint_authority, PAYER_TOKENS).await?;
    Ok(mint)
}

/// The first line of every configuration file localnet writes.
const HEADER: &str = "# Written by zk402 localnet for this run (rewritten at each start).\n";

/// `text` as a TOML basic string, quoted and escaped (paths may hold `"` or `\`).
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// The configuration files of every role, written for this run.
struct ConfigFiles<'a> {
    dir: &'a Path,
    rpc_url: &'a str,
    network: &'a Network,
    mint: Pubkey,
    actors: &'a Actors,
    options: &'a LocalnetOptions,
}

impl ConfigFiles<'_> {
    /// The TOML string of the file `name` in the directory (quoted and escaped).
    fn path(&self, name: &str) -> String {
        toml_string(&self.dir.join(name).display().to_string())
    }

    fn policy(&self) -> Pubkey {
        policy_address(&self.actors.merchant.pubkey(), POLICY_ID)
    }

    fn cluster_table(&self) -> String {
        format!(
            "[cluster]\nnetwork = {}\nrpc_urls = [{}]\n",
            toml_string(self.network.as_str()),
            toml_string(self.rpc_url)
        )
    }

    fn facilitator_table(&self) -> String {
        format!(
            "[facilitator]\nchallenge_key_file = {}\nnullifier_store = {}\nfee_payer_keypair_file = {}\nsettlement = \
             \"deferred\"\n",
            self.path("challenge.key"),
            toml_string(&format!("sqlite:{}", self.dir.join("nullifiers.sqlite").display())),
            self.path("facilitator.json"),
        )
    }

    fn write(&self) -> Result<(), String> {
        let merchant = format!(
            "{HEADER}bind = {bind}\npublic_url = {url}\ndescription = \"zk402 localnet resource\"\npolicy = \
             \"{policy}\"\nmint = \"{mint}\"\nrecipient = \"{recipient}\"\nprice = {PRICE}\nissuer_key_file = \
             {issuer}\nissuer_ledger = {ledger}\nchallenge_ttl_secs = 120\n\n{facilitator}\n{cluster}",
            bind = toml_string(&self.options.merchant_bind),
            url = toml_string(&format!("http://{}", self.options.merchant_bind)),
            policy = self.policy(),
            mint = self.mint,
            recipient = self.actors.merchant.pubkey(),
            issuer = self.path("issuer.key"),
            ledger = self.path("issuer.sqlite"),
            facilitator = self.facilitator_table(),
            cluster = self.cluster_table(),
        );
        let facilitator = format!(
            "{HEADER}bind = {}\npolicies = [\"{}\"]\n\n{}\n{}",
            toml_string(&self.options.facilitator_bind),
            self.policy(),
            self.facilitator_table(),
            self.cluster_table(),
        );
        let zkey = crate::repository_path(TEST_ZKEY)?.canonicalize().map_err(|e| format!("{TEST_ZKEY}: {e}"))?;
        let payer = format!(
            "{HEADER}keypair_file = {}\nwallet_file = {}\nzkey = {}\n\n{}",
            self.path("payer.json"),
            self.path("wallet.json"),
            toml_string(&zkey.display().to_string()),
            self.cluster_table(),
        );
        let cluster = serde_json::json!({
            "rpcUrl": self.rpc_url,
            "network": self.network.as_str(),
            "programId": PROGRAM_ID.to_string(),
            "mint": self.mint.to_string(),
            "decimals": DECIMALS,
            "policy": self.policy().to_string(),
            "policyId": POLICY_ID,
            "price": PRICE.to_string(),
            "merchant": self.actors.merchant.pubkey().to_string(),
            "payer": self.actors.payer.pubkey().to_string(),
            "facilitator": self.actors.facilitator.pubkey().to_string(),
            "merchantUrl": format!("http://{}", self.options.merchant_bind),
            "facilitatorUrl": format!("http://{}", self.options.facilitator_bind),
        });
        for (name, text) in [
            ("merchant.toml", merchant),
            ("facilitator.toml", facilitator),
            ("payer.toml", payer),
            (CLUSTER_FILE, format!("{cluster:#}\n")),
        ] {
            std::fs::write(self.dir.join(name), text).map_err(|e| format!("{}: {e}", self.dir.join(name).display()))?;
        }
        Ok(())
    }

    fn print(&self) {
        let a = self.actors;
        println!("zk402 localnet — in-process Solana runtime (INSECURE test-ceremony key), slot every 400 ms\n");
        println!("  JSON-RPC     {}", self.rpc_url);
        println!("  network      {}", self.network);
        println!("  program      {PROGRAM_ID}");
        println!("  mint         {} (6 decimals; the payer holds 1,000 tokens)", self.mint);
        println!("  directory    {}", self.dir.display());
        println!("    merchant.json        {} (policy authority, payment recipient)", a.merchant.pubkey());
        println!("    payer.json           {}", a.payer.pubkey());
        println!("    facilitator.json     {} (pays settlement fees)", a.facilitator.pubkey());
        println!("    mint-authority.json  {}", a.mint_authority.pubkey());
        println!("    issuer.key, challenge.key (the merchant's secrets)");
        println!("    merchant.toml, facilitator.toml, payer.toml, {CLUSTER_FILE} (policy {})", self.policy());
        println!("\nlocalnet ready; Ctrl-C stops it (the ledger is not kept)");
    }
}
