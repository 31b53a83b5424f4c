//! The commands for real clusters: everything comes from the configuration files.

use crate::config::{MerchantConfig, PayerConfig, load, read_keypair};
use anchor_lang::prelude::Pubkey;
use solana_signer::Signer;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use zk402_chain::endpoint::ChainBackend;
use zk402_chain::program::nullifier_set::MAX_SHARDS;
use zk402_chain::program::{create_nullifier_set, create_policy as create_policy_ix, issuer_bytes, policy_address};
use zk402_chain::resilience::RetryPolicy;
use zk402_chain::submit::{ConfirmOptions, submit_and_confirm};
use zk402_merchant::issuer::read_key;
use zk402_payer::{AnyProver, HttpProver, LocalProver, Payer, Wallet};
use zk402_verifier::instructions::PolicyParams;
use zk402_x402::Network;

/// A command's failure, printed as is.
pub type CommandResult = Result<(), String>;

/// What `merchant create-policy` registers besides the configuration's recipient and issuer.
#[derive(Debug, Clone, Copy)]
pub struct PolicyTerms {
    /// The authority's identifier of the policy.
    pub policy_id: u64,
    /// Price of one request (one credit), atomic units.
    pub price: u64,
    /// Longest receipt age, seconds.
    pub max_age: u64,
    /// Clock window, seconds.
    pub clock_window: u64,
    /// Shards of the policy's nullifier set.
    pub nullifier_shards: u16,
    /// Cells per shard (a power of two, 64..=2^20).
    pub shard_capacity: u32,
}

fn address(text: &str, what: &str) -> Result<Pubkey, String> {
    Pubkey::from_str(text).map_err(|e| format!("{what} {text:?}: {e}"))
}

fn network(text: &str) -> Result<Network, String> {
    Network::parse(text).map_err(|e| format!("network {text:?}: {e}"))
}

fn chain(cluster: &crate::config::ClusterConfig) -> Result<ChainBackend, String> {
    ChainBackend::rpc(&cluster.chain()?).map_err(|e| e.to_string())
}

/// Writes 32 fresh bytes from the OS RNG as 64 hex digits to a new file `out` (mode 0600;
/// never overwrites).
pub(crate) fn write_secret(out: &Path) -> CommandResult {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| format!("randomness: {e}"))?;
    let hex: String = seed.iter().map(|b| format!("{b:02x}")).collect();
    write_private(out, &hex)
}

/// Writes `text` to a new file only its owner can read (mode 0600); refuses to replace one.
pub(crate) fn write_private(path: &Path, text: &str) -> CommandResult {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.write_all(text.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))
}

/// `zk402 challenge-key --out FILE`: the merchant's challenge MAC key, shared by its gates and
/// facilitators.
pub fn challenge_key(out: &Path) -> CommandResult {
    write_secret(out)?;
    println!("challenge key written to {}", out.display());
    Ok(())
}

/// `zk402 issuer-key --out FILE`.
pub fn issuer_key(out: &Path) -> CommandResult {
    write_secret(out)?;
    let key = read_key(out)?;
    println!(
        "issuer key written to {} (public key Ax={} Ay={})",
        out.display(),
        key.public_key().x,
        key.public_key().y
    );
    Ok(())
}

/// `zk402 merchant create-policy`.
pub async fn create_policy(config: &Path, authority: &Path, terms: PolicyTerms) -> CommandResult {
    let config: MerchantConfig = load(config).map_err(|e| e.to_string())?;
    let authority = read_keypair(authority).map_err(|e| e.to_string())?;
    let issuer = read_key(&config.issuer_key_file)?;
    let params = PolicyParams {
        recipient: address(&config.recipient, "recipient")?,
        price: terms.price,
        max_age: terms.max_age,
        clock_window: terms.clock_window,
        issuer: issuer_bytes(&issuer.public_key()),
    };
    let shards =
        create_nullifier_set(&authority.pubkey(), terms.policy_id, terms.nullifier_shards, terms.shard_capacity)
            .filter(|_| (1..=MAX_SHARDS).contains(&terms.nullifier_shards))
            .ok_or_else(|| format!("nullifier set: 1..={MAX_SHARDS} shards of a power of two of 64..=2^20 cells"))?;
    let chain = chain(&config.cluster)?;
    let ix = create_policy_ix(&authority.pubkey(), terms.policy_id, params);
    let tx = submit_and_confirm(&chain, &[ix], &authority, &[], ConfirmOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    println!("policy {} created (transaction {})", policy_address(&authority.pubkey(), terms.policy_id), tx.signature);
    for (index, ixs) in shards.iter().enumerate() {
        let tx = submit_and_confirm(&chain, ixs, &authority, &[], ConfirmOptions::default())
            .await
            .map_err(|e| format!("nullifier shard {index}: {e}"))?;
        println!("nullifier shard {index} created (transaction {})", tx.signature);
    }
    Ok(())
}

/// `zk402 merchant serve`.
pub async fn serve(config: &Path) -> CommandResult {
    let config: MerchantConfig = load(config).map_err(|e| e.to_string())?;
    let chain = Arc::new(chain(&config.cluster)?);
    crate::app::serve_configured(chain, &config).await
}

/// `zk402 facilitator serve`.
pub async fn serve_facilitator(config: &Path) -> CommandResult {
    let config: crate::config::FacilitatorFileConfig = load(config).map_err(|e| e.to_string())?;
    let chain = Arc::new(chain(&config.cluster)?);
    crate::app::serve_facilitator(chain, &config).await
}

/// The proof source a payer configuration names: in-process with `zkey` (and `wasm`, by default
/// the repository's compiled circuit) unless `prover_url` names a remote prover — which sees
/// the receipt's secret, so only a trusted one.
fn prover(config: &PayerConfig) -> Result<AnyProver, String> {
    match (&config.prover_url, &config.zkey) {
        (Some(url), _) => {
            Ok(AnyProver::Http(HttpProver::new(url, None, RetryPolicy::default(), Duration::from_secs(30))?))
        }
        (None, Some(zkey)) => {
            let wasm = config.wasm.clone().unwrap_or_else(|| zk402_circuit::artifacts::ArtifactPaths::committed().wasm);
            let prover = zk402_prover::Prover::load(zkey, &wasm).map_err(|e| e.to_string())?;
            Ok(AnyProver::Local(LocalProver(Arc::new(prover))))
        }
        (None, None) => Err("the payer configuration needs zkey (proving in-process) or prover_url".into()),
    }
}

fn payer(config: &Path) -> Result<Payer<ChainBackend, AnyProver>, String> {
    let config: PayerConfig = load(config).map_err(|e| e.to_string())?;
    configured_payer(&config)
}

fn configured_payer(config: &PayerConfig) -> Result<Payer<ChainBackend, AnyProver>, String> {
    let keypair = read_keypair(&config.keypair_file).map_err(|e| e.to_string())?;
    let wallet = Wallet::open(&config.wallet_file).map_err(|e| e.to_string())?;
    Ok(Payer::new(chain(&config.cluster)?, prover(config)?, keypair, wallet, network(&config.cluster.network)?))
}

/// `zk402 payer pay URL --credits N`: pays the merchant's price N times in one payment and
/// stores the receipt.
pub async fn pay(config: &Path, url: &str, credits: u64, issuer_url: Option<&str>) -> CommandResult {
    let payer = payer(config)?;
    let offer = payer.offer(url).await.map_err(|e| e.to_string())?.ok_or_else(|| format!("{url} is free"))?;
    let mint = address(&offer.accepted.asset, "asset")?;
    let recipient = address(&offer.accepted.pay_to, "payTo")?;
    let amount = offer.accepted.amount.checked_mul(credits).ok_or("price times credits overflows")?;
    let transfer = payer.pay(&mint, &recipient, amount).await.map_err(|e| e.to_string())?;
    println!("paid {amount} atomic units of {mint} to {recipient} for {credits} credit(s): {transfer}");
    let issuer_url = match issuer_url {
        Some(u) => u.to_owned(),
        None => origin(url)?,
    };
    let receipt =
        payer.obtain_receipt(&issuer_url, &offer.policy.issuer, &transfer).await.map_err(|e| e.to_string())?;
    println!("receipt stored: {} atomic units paid at {}", receipt.claim.amount, receipt.claim.paid_at);
    Ok(())
}

/// `zk402 payer credits URL`.
pub async fn credits(config: &Path, url: &str) -> CommandResult {
    let payer = payer(config)?;
    let offer = payer.offer(url).await.map_err(|e| e.to_string())?.ok_or_else(|| format!("{url} is free"))?;
    let balances = payer.credits(&offer).await.map_err(|e| e.to_string())?;
    println!("policy {} (price {} atomic units per request)", offer.policy_address, offer.policy.price);
    for b in &balances {
        println!(
            "  receipt {}: {} of {} credits left ({} spent, {} pending), expires at unix {}",
            b.transfer,
            b.left(),
            b.total,
            b.spent,
            b.pending,
            b.expires_at
        );
    }
    println!("{} credit(s) left in all", balances.iter().map(|b| b.left()).sum::<u64>());
    Ok(())
}

/// `zk402 payer privacy URL`: how many fresh receipts of the merchant's issuer a request spent
/// now would hide among, from public data, with a warning below `min_anonymity_set` (the
/// configuration's unless given).
pub async fn privacy(config: &Path, url: &str, min_anonymity_set: Option<usize>) -> CommandResult {
    let config: PayerConfig = load(config).map_err(|e| e.to_string())?;
    let payer = configured_payer(&config)?;
    let offer = payer.offer(url).await.map_err(|e| e.to_string())?.ok_or_else(|| format!("{url} is free"))?;
    let set = payer.anonymity_set(&offer).await.map_err(|e| e.to_string())?;
    println!(
        "policy {}: price {} atomic units of {} per request, receipts fresh for {} s, paid to {}",
        offer.policy_address, offer.policy.price, offer.accepted.asset, offer.policy.max_age, set.account
    );
    match set.capped {
        false => println!("fresh receipts: {}", set.fresh),
        true => println!("fresh receipts: at least {} (stopped after {} transactions)", set.fresh, set.scanned),
    }
    println!("window: unix {} ..= {} (cluster clock)", set.since, set.now);
    if let Some(warning) = set.warning(min_anonymity_set.unwrap_or(config.min_anonymity_set)) {
        println!("{warning}");
    }
    Ok(())
}

/// `zk402 payer access URL`: warns on stderr, before proving, when the anonymity set is below
/// the configuration's `min_anonymity_set` (a warning, not a refusal).
pub async fn access(config: &Path, url: &str) -> CommandResult {
    let config: PayerConfig = load(config).map_err(|e| e.to_string())?;
    let payer = configured_payer(&config)?;
    let offer = payer.offer(url).await.map_err(|e| e.to_string())?.ok_or_else(|| format!("{url} is free"))?;
    match payer.anonymity_set(&offer).await {
        Ok(set) => {
            if let Some(warning) = set.warning(config.min_anonymity_set) {
                eprintln!("{warning}");
            }
        }
        Err(e) => eprintln!("warning: cannot count the fresh receipts of this merchant ({e})"),
    }
    let proven = payer.prove(&offer).await.map_err(|e| e.to_string())?;
    let access = payer.redeem(&offer, &proven).await.map_err(|e| e.to_string())?;
    match access.settlement.transaction.as_str() {
        "" => eprintln!("HTTP {} — proof verified by the merchant; settlement on chain follows", access.status),
        tx => eprintln!("HTTP {} — settled on chain by {tx}", access.status),
    }
    std::io::stdout().write_all(&access.body).map_err(|e| e.to_string())
}

/// `scheme://host:port` of a URL.
pub fn origin(url: &str) -> Result<String, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("{url}: {e}"))?;
    Ok(parsed.origin().ascii_serialization())
}
