//! `zk402 demo`: the whole flow on the embedded default — an in-process Solana runtime with the
//! verifier program and SPL Token, a USDC-like mint, the committed (INSECURE, test-only)
//! ceremony key — with real HTTP on loopback between payer, merchant and issuer. One payment
//! buys three credits; three requests each carry their own proof, are served after off-chain
//! verification (`deferred` mode) and settled together on chain by the merchant's facilitator.
//! Each step is printed with its time; any failure (or an accepted replay) is an error.

use crate::app::{MerchantSetup, spawn_for_world};
use crate::steps::{Steps, detail};
use crate::world::{Terms, World};
use solana_signer::Signer;
use std::sync::Arc;
use std::time::Duration;
use zk402_chain::Chain;
use zk402_chain::local::LocalChain;
use zk402_chain::program::fetch_nullifier_expiry;
use zk402_circuit::artifacts::ArtifactPaths;
use zk402_payer::{LocalProver, Payer, Wallet};
use zk402_x402::Network;

/// Credits the demo buys with its one payment.
const DEMO_CREDITS: u64 = 3;

/// Lowercase hex of the first 8 bytes (enough to tell nullifiers apart on screen).
fn hex(bytes: &[u8; 32]) -> String {
    bytes[..8].iter().map(|b| format!("{b:02x}")).collect::<String>() + "…"
}

/// The committed test-ceremony proving key, relative to the repository root.
pub const TEST_ZKEY: &str = "ceremony/test-ceremony/payment_final.zkey";

/// Runs the demo in a fresh temporary directory (wallet, challenge store, issuer ledger).
pub async fn run() -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
    println!("zk402 demo — embedded default: in-process Solana runtime, verifier program, USDC-like mint,");
    println!("committed INSECURE test-ceremony key; payer, issuer and merchant talk HTTP on loopback.\n");
    let mut steps = Steps::default();

    let chain =
        steps.run("start the in-process Solana runtime", async { Ok::<_, String>(LocalChain::start().await) }).await?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(|e| e.to_string())?;
    chain.set_unix_time(now.as_secs() as i64).await.map_err(|e| e.to_string())?;
    let network = Network::from_genesis_hash(&chain.genesis_hash().to_string()).map_err(|e| e.to_string())?;

    let world = steps
        .run(
            "create policy: mint, merchant, issuer key, payer, policy account",
            World::create(&chain, Terms::default()),
        )
        .await?;
    detail(format!(
        "policy {} (price {} atomic units per request, receipts valid {} s)",
        world.policy, world.terms.price, world.terms.max_age
    ));

    let merchant = steps
        .run(
            "start the merchant: x402 gate + facilitator (deferred settlement) + receipt issuer on loopback",
            spawn_for_world(&world, &network, chain.clone(), dir.path(), MerchantSetup::default(), String::new),
        )
        .await?;
    detail(merchant.resource_url());

    let zkey = crate::repository_path(TEST_ZKEY)?;
    let wasm = ArtifactPaths::committed().wasm;
    let prover = steps
        .run("load the prover (proving key, compiled circuit)", async move {
            tokio::task::spawn_blocking(move || zk402_prover::Prover::load(&zkey, &wasm))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())
        })
        .await?;
    let wallet = Wallet::open(&dir.path().join("wallet.json")).map_err(|e| e.to_string())?;
    let payer = Payer::new(chain.clone(), LocalProver(Arc::new(prover)), world.payer.insecure_clone(), wallet, network);

    let url = merchant.resource_url();
    let offer = steps
        .run("payer requests the resource: 402 Payment Required", async {
            payer.offer(&url).await.map_err(|e| e.to_string())?.ok_or_else(|| "served without payment".to_string())
        })
        .await?;
    detail(format!(
        "challenge expires at {}, price {} of {}",
        offer.accepted.extra.challenge.expires_at, offer.accepted.amount, offer.accepted.asset
    ));

    let amount = offer.accepted.amount * DEMO_CREDITS;
    let transfer = steps
        .run(
            "payer buys 3 credits: one USDC transfer to the merchant, its memo naming Poseidon(secret)",
            payer.pay(&world.mint, &world.merchant.pubkey(), amount),
        )
        .await?;
    detail(format!("transfer {transfer}"));
    let receipt = steps
        .run(
            "issuer checks the transfer on chain and signs a receipt",
            payer.obtain_receipt(&merchant.base_url(), &offer.policy.issuer, &transfer),
        )
        .await?;
    detail(format!(
        "receipt: {} atomic units paid at {}: {} credits",
        receipt.claim.amount,
        receipt.claim.paid_at,
        offer.policy.credits(receipt.claim.amount)
    ));

    let fees_before = lamports(&chain, &world.facilitator.pubkey()).await?;
    let mut spent = Vec::new();
    for request in 1..=DEMO_CREDITS {
        let offer = payer.offer(&url).await.map_err(|e| e.to_string())?.ok_or("no 402")?;
        let proven = steps
            .run(
                &format!("request {request}: prove in-process that an unspent credit meets the policy (Groth16)"),
                payer.prove(&offer),
            )
            .await?;
        detail(format!("credit {}, nullifier {}", proven.index, hex(&proven.submission.nullifier)));
        let started = std::time::Instant::now();
        let access = steps
            .run(
                &format!("request {request}: facilitator verifies the proof off chain, reserves the credit; served"),
                payer.redeem(&offer, &proven),
            )
            .await?;
        detail(format!(
            "HTTP {} in {:.0} ms (proof in PAYMENT-SIGNATURE; the payer signs nothing): {}",
            access.status,
            started.elapsed().as_secs_f64() * 1e3,
            String::from_utf8_lossy(&access.body)
        ));
        spent.push((offer, proven));
    }
    let settled = steps
        .run("facilitator settles the three proofs together on chain (verify_batch, its own fee payer)", async {
            for (offer, proven) in &spent {
                wait_recorded(&chain, &offer.policy_address, &proven.submission.nullifier).await?;
            }
            Ok::<_, String>(())
        })
        .await;
    settled?;
    let fees = fees_before.saturating_sub(lamports(&chain, &world.facilitator.pubkey()).await?);
    detail(format!(
        "{fees} lamports of fees for {DEMO_CREDITS} proofs ({} per request), paid by the facilitator",
        fees / DEMO_CREDITS
    ));
    let (offer, proven) = spent.pop().ok_or("no request was made")?;

    let why = steps
        .refused("replay: the same proof in PAYMENT-SIGNATURE again", payer.send_proof(&offer, &proven.submission))
        .await?;
    detail(why);
    let fresh = payer.offer(&url).await.map_err(|e| e.to_string())?.ok_or("no 402")?;
    let why = steps.refused("a fourth request: every credit of the receipt is spent", payer.prove(&fresh)).await?;
    detail(why);

    println!("\nall steps passed in {:.1} s", steps.total().as_secs_f64());
    Ok(())
}

/// An account's lamports (0 if it does not exist).
async fn lamports(chain: &LocalChain, address: &anchor_lang::prelude::Pubkey) -> Result<u64, String> {
    Ok(chain.account(address).await.map_err(|e| e.to_string())?.map_or(0, |a| a.lamports))
}

/// Waits (up to 30 s) until `nullifier` is recorded in `policy`'s on-chain set.
async fn wait_recorded(
    chain: &LocalChain,
    policy: &anchor_lang::prelude::Pubkey,
    nullifier: &[u8; 32],
) -> Result<(), String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while fetch_nullifier_expiry(chain, policy, nullifier).await.map_err(|e| e.to_string())?.is_none() {
        if std::time::Instant::now() > deadline {
            return Err("the facilitator did not settle the proof within 30 s".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}
