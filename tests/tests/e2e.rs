//! End to end over real loopback HTTP: payer ⇄ merchant (x402 gate + facilitator + issuer) ⇄
//! JSON-RPC facade ⇄ in-process Solana runtime with the verifier program, and the prover service.

use solana_signer::Signer;
use std::time::Duration;
use zk402_chain::program::fetch_nullifier_expiry;
use zk402_cli::world::{Terms, World};
use zk402_e2e::{MerchantSetup, Scene, dead_address, pay_and_prove, rpc_backend, serve_merchant};
use zk402_facilitator::Mode;
use zk402_payer::{PayerError, ProveError};

fn refusal(result: Result<zk402_payer::Access, PayerError>) -> (u16, String) {
    match result {
        Err(PayerError::Refused { status, reason }) => (status, reason),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Waits until the merchant's facilitator has recorded `nullifier` on chain.
async fn wait_settled(scene: &Scene, nullifier: &[u8; 32]) {
    for _ in 0..200 {
        if fetch_nullifier_expiry(&scene.chain, &scene.world.policy, nullifier).await.expect("shard").is_some() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the facilitator did not settle the proof");
}

async fn metrics(base_url: &str) -> String {
    reqwest::get(format!("{base_url}/metrics")).await.expect("metrics").text().await.expect("metrics body")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_then_replays_are_refused() {
    let scene = Scene::start(Terms::default()).await;
    let payer = scene.payer();
    let (url, base) = (scene.merchant.resource_url(), scene.merchant.base_url());
    let (offer, proven) = pay_and_prove(&payer, &url, &base).await;

    let access = payer.redeem(&offer, &proven).await.expect("paid access");
    assert_eq!(access.status, 200);
    assert!(String::from_utf8_lossy(&access.body).contains("paid content"));
    assert!(access.settlement.success);
    assert_eq!(access.settlement.transaction, "", "deferred: served before settlement");
    assert_eq!(access.settlement.network, scene.network);
    assert_eq!(access.settlement.payer, None, "the merchant does not learn or publish the payer");

    // The same PAYMENT-SIGNATURE again: its credit is reserved (or already settled).
    let (status, reason) = refusal(payer.send_proof(&offer, &proven.submission).await);
    assert_eq!(status, 402);
    assert!(reason.contains("nullifier_reserved") || reason.contains("nullifier_spent"), "{reason}");
    wait_settled(&scene, &proven.submission.nullifier).await;
    let (_, reason) = refusal(payer.send_proof(&offer, &proven.submission).await);
    assert!(reason.contains("nullifier_spent"), "{reason}");
    // The spent receipt cannot be proved again for a fresh challenge…
    let fresh = payer.offer(&url).await.expect("offer").expect("402");
    assert!(matches!(payer.prove(&fresh).await, Err(PayerError::NoReceipt)));
    // …and the old proof does not pay for the fresh challenge either.
    let (status, reason) = refusal(payer.send_proof(&fresh, &proven.submission).await);
    assert_eq!(status, 402);
    assert!(reason.contains("request_hash"), "{reason}");

    let text = metrics(&base).await;
    assert!(text.contains("zk402_merchant") && text.contains("zk402_facilitator_settled_total"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirm_mode_serves_after_settlement_and_names_the_transaction() {
    let scene = Scene::start(Terms::default()).await;
    let setup = MerchantSetup { mode: Mode::Confirm, ..MerchantSetup::default() };
    let backend = rpc_backend(std::slice::from_ref(&scene.rpc_url));
    let merchant = serve_merchant(&scene.world, &scene.network, backend, scene.dir.path(), setup).await;
    let payer = scene.payer();
    let (offer, proven) = pay_and_prove(&payer, &merchant.resource_url(), &merchant.base_url()).await;
    let access = payer.redeem(&offer, &proven).await.expect("paid access");
    assert_eq!(access.status, 200);
    let signature = access.settlement.transaction.parse().expect("a transaction signature");
    let tx = zk402_chain::Chain::transaction(&scene.chain, &signature, zk402_chain::Finality::Confirmed)
        .await
        .expect("chain")
        .expect("the settlement transaction exists");
    assert!(tx.error.is_none());
    assert_eq!(tx.account_keys()[0], scene.world.facilitator.pubkey(), "the facilitator pays the fee");
    assert!(!tx.account_keys().contains(&scene.world.payer.pubkey()), "the payer is not in the settlement");
}

/// Issue 14's privacy check: after the whole flow, every transaction the flow made and every
/// account they touched is scanned for the payer's key; it appears only in the payment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_payers_key_appears_only_in_its_payment() {
    const CREDITS: u64 = 3;
    let scene = Scene::start(Terms::default()).await;
    let before: std::collections::HashSet<_> =
        scene.chain.ledger().expect("ledger").into_iter().map(|tx| tx.signature).collect();
    let payer = scene.payer();
    let (url, base) = (scene.merchant.resource_url(), scene.merchant.base_url());
    let offer = payer.offer(&url).await.expect("offer").expect("402");
    let (mint, pay_to) = (offer.accepted.asset.parse().unwrap(), offer.accepted.pay_to.parse().unwrap());
    let transfer = payer.pay(&mint, &pay_to, CREDITS * offer.accepted.amount).await.expect("one payment");
    payer.obtain_receipt(&base, &offer.policy.issuer, &transfer).await.expect("receipt");
    for _ in 0..CREDITS {
        let offer = payer.offer(&url).await.expect("offer").expect("402");
        let proven = payer.prove(&offer).await.expect("a credit is left");
        assert_eq!(payer.redeem(&offer, &proven).await.expect("served").status, 200);
        wait_settled(&scene, &proven.submission.nullifier).await;
    }

    let key = scene.world.payer.pubkey();
    let (text, bytes) = (key.to_string(), key.to_bytes());
    let contains = |haystack: &[u8]| haystack.windows(32).any(|w| w == bytes);
    let flow: Vec<_> =
        scene.chain.ledger().expect("ledger").into_iter().filter(|tx| !before.contains(&tx.signature)).collect();
    assert!(flow.len() > 2, "the payment and at least one settlement");
    let mut touched = std::collections::BTreeSet::new();
    for tx in &flow {
        let named = tx.account_keys().contains(&key)
            || tx.instructions().iter().any(|ix| contains(&ix.data))
            || tx.logs.iter().any(|line| line.contains(&text));
        assert_eq!(named, tx.signature.to_string() == transfer, "transaction {}", tx.signature);
        touched.extend(tx.account_keys().iter().copied());
    }
    let payer_token_account = zk402_chain::token::associated_token_address(&key, &scene.world.mint);
    for address in touched.into_iter().filter(|a| *a != key && *a != payer_token_account) {
        if let Some(account) = zk402_chain::Chain::account(&scene.chain, &address).await.expect("account") {
            assert!(!contains(&account.data), "account {address} holds the payer's key");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_payment_buys_several_unlinkable_requests() {
    use zk402_circuit::field::fr_from_be_bytes;
    use zk402_circuit::poseidon::poseidon;
    use zk402_circuit::receipt::nullifier_tag;
    const CREDITS: u64 = 3;
    let scene = Scene::start(Terms::default()).await;
    let payer = scene.payer();
    let (url, base) = (scene.merchant.resource_url(), scene.merchant.base_url());
    let offer = payer.offer(&url).await.expect("offer").expect("402");
    let (mint, pay_to) = (offer.accepted.asset.parse().unwrap(), offer.accepted.pay_to.parse().unwrap());
    let transfer = payer.pay(&mint, &pay_to, CREDITS * offer.accepted.amount).await.expect("one payment");
    let receipt = payer.obtain_receipt(&base, &offer.policy.issuer, &transfer).await.expect("receipt");

    let mut nullifiers = Vec::new();
    for _ in 0..CREDITS {
        let offer = payer.offer(&url).await.expect("offer").expect("402");
        let proven = payer.prove(&offer).await.expect("a credit is left");
        assert_eq!(payer.redeem(&offer, &proven).await.expect("served").status, 200);
        let (status, _) = refusal(payer.send_proof(&offer, &proven.submission).await);
        assert_eq!(status, 402, "each request is served once");
        wait_settled(&scene, &proven.submission.nullifier).await;
        let (_, reason) = refusal(payer.send_proof(&offer, &proven.submission).await);
        assert!(reason.contains("nullifier_spent"), "a credit's nullifier pays once: {reason}");
        nullifiers.push(fr_from_be_bytes(&proven.submission.nullifier).unwrap());
    }
    let fresh = payer.offer(&url).await.expect("offer").expect("402");
    assert!(matches!(payer.prove(&fresh).await, Err(PayerError::NoReceipt)), "credit {CREDITS} does not exist");

    // Pairwise different, and none is what anyone can compute from the payment's public data
    // (the commitment its memo names): the nullifier hashes the secret, never the commitment.
    let commitment = receipt.claim.commitment;
    for (i, n) in nullifiers.iter().enumerate() {
        assert!(nullifiers[..i].iter().all(|m| m != n), "nullifiers {nullifiers:?}");
        assert_ne!(*n, commitment);
        for index in 0..CREDITS {
            assert_ne!(*n, poseidon(&[nullifier_tag(), commitment, index.into()]));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proof_for_another_merchants_policy_is_refused() {
    let scene = Scene::start(Terms::default()).await;
    let other = World::create(&scene.chain, Terms::default()).await.expect("second merchant");
    let other_merchant = serve_merchant(
        &other,
        &scene.network,
        rpc_backend(std::slice::from_ref(&scene.rpc_url)),
        scene.dir.path(),
        MerchantSetup::default(),
    )
    .await;
    let payer = scene.payer_with(
        other.payer.insecure_clone(),
        "other",
        std::slice::from_ref(&scene.rpc_url),
        &scene.prover_url,
    );
    let (_, proven_elsewhere) = pay_and_prove(&payer, &other_merchant.resource_url(), &other_merchant.base_url()).await;

    let offer = payer.offer(&scene.merchant.resource_url()).await.expect("offer").expect("402");
    assert_ne!(offer.policy_address, other.policy);
    let (status, reason) = refusal(payer.send_proof(&offer, &proven_elsewhere.submission).await);
    assert_eq!(status, 402);
    assert!(!reason.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_challenge_is_refused() {
    let scene = Scene::start(Terms::default()).await;
    let merchant = serve_merchant(
        &scene.world,
        &scene.network,
        rpc_backend(std::slice::from_ref(&scene.rpc_url)),
        scene.dir.path(),
        MerchantSetup { challenge_ttl_secs: 3, ..MerchantSetup::default() },
    )
    .await;
    let payer = scene.payer();
    let (offer, proven) = pay_and_prove(&payer, &merchant.resource_url(), &merchant.base_url()).await;
    let expires_at = offer.accepted.extra.challenge.expires_at;
    while zk402_facilitator::unix_now() <= expires_at + 1 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let (status, reason) = refusal(payer.redeem(&offer, &proven).await);
    assert_eq!(status, 402);
    assert!(reason.contains("challenge_expired"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prover_down_is_a_clear_error_and_loses_nothing() {
    let scene = Scene::start(Terms::default()).await;
    let dead = format!("http://{}", dead_address().await);
    let payer =
        scene.payer_with(scene.world.payer.insecure_clone(), "wallet", std::slice::from_ref(&scene.rpc_url), &dead);
    let url = scene.merchant.resource_url();
    let offer = payer.offer(&url).await.expect("offer").expect("402");
    let transfer =
        payer.pay(&scene.world.mint, &scene.world.merchant.pubkey(), offer.accepted.amount).await.expect("pay");
    let receipt =
        payer.obtain_receipt(&scene.merchant.base_url(), &offer.policy.issuer, &transfer).await.expect("receipt");
    let again = payer.obtain_receipt(&scene.merchant.base_url(), &offer.policy.issuer, &transfer).await;
    assert_eq!(again.expect("a repeated request gets the same receipt"), receipt);
    match payer.prove(&offer).await {
        Err(PayerError::Prove(ProveError::Unavailable(message))) => assert!(message.contains(&dead[7..]), "{message}"),
        other => panic!("expected the prover to be unavailable, got {other:?}"),
    }
    // The receipt is still unspent: the same wallet with a working prover pays.
    let payer = scene.payer();
    let access = payer.access(&url).await.expect("access once the prover is back");
    assert_eq!(access.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_rpc_endpoint_falls_back_to_the_next() {
    let scene = Scene::start(Terms::default()).await;
    let dead = url::Url::parse(&format!("http://{}", dead_address().await)).expect("url");
    let endpoints = [dead, scene.rpc_url.clone()];
    let merchant = serve_merchant(
        &scene.world,
        &scene.network,
        rpc_backend(&endpoints),
        scene.dir.path(),
        MerchantSetup::default(),
    )
    .await;
    let payer = scene.payer_with(scene.world.payer.insecure_clone(), "wallet", &endpoints, &scene.prover_url);
    let (offer, proven) = pay_and_prove(&payer, &merchant.resource_url(), &merchant.base_url()).await;
    let access = payer.redeem(&offer, &proven).await.expect("access through the fallback endpoint");
    assert_eq!(access.status, 200);
    let text = metrics(&merchant.base_url()).await;
    let fallbacks = text
        .lines()
        .find_map(|l| l.strip_prefix("zk402_rpc_fallbacks_total "))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no zk402_rpc_fallbacks_total in\n{text}"));
    assert!(fallbacks >= 1.0, "{text}");
}
