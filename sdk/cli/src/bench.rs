//! `zk402 bench`: the private-settlement flow measured on the embedded default (in-process
//! runtime, in-process proving, real HTTP on loopback). Build with `--release` for figures.
//!
//! - paid-request latency, the payer's request → 200 (402 offer, proof, paid retry), in
//!   `deferred` and `confirm` modes, p50 and p99;
//! - the facilitator's off-chain verification throughput (Groth16 check, nullifier lookup on
//!   chain, durable reservation), proofs verified concurrently on the runtime's worker threads;
//! - settlement fees per proof with batches of 10 (staging transactions included), paid by the
//!   facilitator.
//!
//! It ends with machine-readable lines: `paid_request_p50_ms <mode> <n>`,
//! `paid_request_p99_ms <mode> <n>`, `facilitator_verify_per_s <n>`,
//! `fee_lamports_per_proof_batch10 <n>`.

use crate::app::{MerchantSetup, RunningMerchant, spawn_for_world};
use crate::world::{Terms, World};
use solana_signer::Signer;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use zk402_chain::Chain;
use zk402_chain::local::LocalChain;
use zk402_chain::program::fetch_nullifier_expiry;
use zk402_circuit::artifacts::ArtifactPaths;
use zk402_facilitator::store::SqliteStore;
use zk402_facilitator::{ChallengeKey, Facilitator, FacilitatorConfig, Mode, SettleConfig};
use zk402_payer::{LocalProver, Payer, Wallet};
use zk402_x402::Network;

/// Proofs per settlement batch measured for fees.
const BATCH: usize = 10;

/// How much to measure.
#[derive(Debug, Clone, Copy)]
pub struct BenchOptions {
    /// Paid requests per mode.
    pub requests: usize,
    /// Proofs verified for the throughput figure.
    pub verifications: usize,
}

type LocalPayer = Payer<LocalChain, LocalProver>;

/// Runs the benchmark, prints its figures and returns its machine-readable lines.
pub async fn run(options: BenchOptions) -> Result<Vec<String>, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
    let chain = LocalChain::start().await;
    chain.set_unix_time(zk402_facilitator::unix_now() as i64).await.map_err(|e| e.to_string())?;
    let network = Network::from_genesis_hash(&chain.genesis_hash().to_string()).map_err(|e| e.to_string())?;
    let credits = 2 * options.requests + options.verifications + BATCH;
    let price = Terms::default().price;
    let terms = Terms { payer_balance: price * credits as u64, ..Terms::default() };
    let world = World::create(&chain, terms).await.map_err(|e| e.to_string())?;
    let zkey = crate::repository_path(crate::demo::TEST_ZKEY)?;
    let wasm = ArtifactPaths::committed().wasm;
    let prover = tokio::task::spawn_blocking(move || zk402_prover::Prover::load(&zkey, &wasm))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let wallet = Wallet::open(&dir.path().join("wallet.json")).map_err(|e| e.to_string())?;
    let payer =
        Payer::new(chain.clone(), LocalProver(Arc::new(prover)), world.payer.insecure_clone(), wallet, network.clone());

    let key = ChallengeKey::generate().map_err(|e| e.to_string())?;
    let deferred = MerchantSetup { challenge_key: Some(key.clone()), ..MerchantSetup::default() };
    let merchant = spawn_for_world(&world, &network, chain.clone(), dir.path(), deferred, String::new).await?;
    buy(&payer, &world, &merchant, credits as u64).await?;

    let mut lines = Vec::new();
    let latencies = paid_requests(&payer, &merchant, options.requests).await?;
    report_latency("deferred", &latencies, &mut lines);
    let confirm_settle = SettleConfig { flush_after: Duration::ZERO, ..SettleConfig::default() };
    let confirm = MerchantSetup { mode: Mode::Confirm, settle: confirm_settle, ..MerchantSetup::default() };
    let confirming = spawn_for_world(&world, &network, chain.clone(), dir.path(), confirm, String::new).await?;
    let latencies = paid_requests(&payer, &confirming, options.requests).await?;
    report_latency("confirm", &latencies, &mut lines);
    drop(confirming);

    let per_s = verify_throughput(&payer, &chain, &world, &merchant, key, options.verifications, dir.path()).await?;
    println!("facilitator: {per_s:.0} verifications/s ({} proofs, concurrent)", options.verifications);
    lines.push(format!("facilitator_verify_per_s {per_s:.0}"));

    let fee = batch_fee(&payer, &chain, &world, &network, dir.path()).await?;
    println!("settlement: {fee} lamports of fees per proof in batches of {BATCH} (staging included)");
    lines.push(format!("fee_lamports_per_proof_batch10 {fee}"));
    println!();
    lines.iter().for_each(|line| println!("{line}"));
    Ok(lines)
}

/// One payment buying `credits` credits, and its receipt.
async fn buy(payer: &LocalPayer, world: &World, merchant: &RunningMerchant, credits: u64) -> Result<(), String> {
    let offer = payer.offer(&merchant.resource_url()).await.map_err(|e| e.to_string())?.ok_or("no 402")?;
    let amount = offer.accepted.amount * credits;
    let transfer = payer.pay(&world.mint, &world.merchant.pubkey(), amount).await.map_err(|e| e.to_string())?;
    payer.obtain_receipt(&merchant.base_url(), &offer.policy.issuer, &transfer).await.map_err(|e| e.to_string())?;
    Ok(())
}

/// `count` paid requests one after the other; each one's request → 200 time.
async fn paid_requests(payer: &LocalPayer, merchant: &RunningMerchant, count: usize) -> Result<Vec<Duration>, String> {
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let started = Instant::now();
        let access = payer.access(&merchant.resource_url()).await.map_err(|e| e.to_string())?;
        if access.status != 200 {
            return Err(format!("paid request answered {}", access.status));
        }
        out.push(started.elapsed());
    }
    Ok(out)
}

fn report_latency(mode: &str, latencies: &[Duration], lines: &mut Vec<String>) {
    let mut ms: Vec<f64> = latencies.iter().map(|d| d.as_secs_f64() * 1e3).collect();
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms.get(((ms.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(f64::NAN);
    println!("paid request ({mode}): p50 {:.1} ms, p99 {:.1} ms over {} requests", at(0.5), at(0.99), ms.len());
    lines.push(format!("paid_request_p50_ms {mode} {:.1}", at(0.5)));
    lines.push(format!("paid_request_p99_ms {mode} {:.1}", at(0.99)));
}

/// Proves `count` credits against the merchant's challenges, then has a facilitator with the
/// merchant's challenge key verify them all at once; verifications per second.
async fn verify_throughput(
    payer: &LocalPayer,
    chain: &LocalChain,
    world: &World,
    merchant: &RunningMerchant,
    key: ChallengeKey,
    count: usize,
    dir: &Path,
) -> Result<f64, String> {
    let mut payloads = Vec::with_capacity(count);
    for _ in 0..count {
        let offer = payer.offer(&merchant.resource_url()).await.map_err(|e| e.to_string())?.ok_or("no 402")?;
        let proven = payer.prove(&offer).await.map_err(|e| e.to_string())?;
        payloads.push(payer.payload(&offer, &proven.submission));
    }
    let network = payloads.first().map(|p| p.accepted.network.clone()).ok_or("no verification to measure")?;
    let store = SqliteStore::open(&dir.join("bench-verify.sqlite")).map_err(|e| e.to_string())?;
    let config = FacilitatorConfig::new(network, key, vec![world.policy], Mode::Deferred);
    let facilitator =
        Facilitator::new(config, SettleConfig::default(), chain.clone(), store, world.facilitator.insecure_clone());
    let started = Instant::now();
    let tasks: Vec<_> = payloads
        .into_iter()
        .map(|payload| {
            let facilitator = facilitator.clone();
            tokio::spawn(async move { facilitator.verify(&payload, &payload.accepted).await.map(|_| ()) })
        })
        .collect();
    for task in tasks {
        task.await.map_err(|e| e.to_string())?.map_err(|e| format!("verification: {e}"))?;
    }
    Ok(count as f64 / started.elapsed().as_secs_f64())
}

/// Ten paid requests to a merchant that settles only full batches; the facilitator's fees
/// divided by ten.
async fn batch_fee(
    payer: &LocalPayer,
    chain: &LocalChain,
    world: &World,
    network: &Network,
    dir: &Path,
) -> Result<u64, String> {
    let settle = SettleConfig { max_batch: BATCH, flush_after: Duration::from_secs(600), ..SettleConfig::default() };
    let setup = MerchantSetup { settle, ..MerchantSetup::default() };
    let merchant = spawn_for_world(world, network, chain.clone(), dir, setup, String::new).await?;
    let lamports = |account: Option<zk402_chain::Account>| account.map_or(0, |a| a.lamports);
    let fee_payer = world.facilitator.pubkey();
    let before = lamports(chain.account(&fee_payer).await.map_err(|e| e.to_string())?);
    let mut nullifiers = Vec::new();
    for _ in 0..BATCH {
        let offer = payer.offer(&merchant.resource_url()).await.map_err(|e| e.to_string())?.ok_or("no 402")?;
        let proven = payer.prove(&offer).await.map_err(|e| e.to_string())?;
        payer.redeem(&offer, &proven).await.map_err(|e| e.to_string())?;
        nullifiers.push(proven.submission.nullifier);
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    for nullifier in &nullifiers {
        while fetch_nullifier_expiry(chain, &world.policy, nullifier).await.map_err(|e| e.to_string())?.is_none() {
            if Instant::now() > deadline {
                return Err("the batch was not settled within 60 s".into());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let after = lamports(chain.account(&fee_payer).await.map_err(|e| e.to_string())?);
    Ok(before.saturating_sub(after) / BATCH as u64)
}
