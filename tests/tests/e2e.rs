//! End to end over real loopback HTTP: payer ⇄ merchant (x402 gate + issuer) ⇄ JSON-RPC facade ⇄
//! in-process Solana runtime with the verifier program, and the prover service.

use solana_signer::Signer;
use zk402_cli::world::{Terms, World};
use zk402_e2e::{MerchantOptions, Scene, dead_address, pay_and_prove, rpc_backend, serve_merchant};
use zk402_payer::{PayerError, ProveError, Proven};

fn refusal(result: Result<zk402_payer::Access, PayerError>) -> (u16, String) {
    match result {
        Err(PayerError::Refused { status, reason }) => (status, reason),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn metrics(base_url: &str) -> String {
    reqwest::get(format!("{base_url}/metrics")).await.expect("metrics").text().await.expect("metrics body")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_then_replays_are_refused() {
    let scene = Scene::start(Terms::default()).await;
    let payer = scene.payer();
    let (url, base) = (scene.merchant.resource_url(), scene.merchant.base_url());
    let (offer, paid) = pay_and_prove(&payer, &url, &base).await;

    let access = payer.redeem(&offer, &paid).await.expect("paid access");
    assert_eq!(access.status, 200);
    assert!(String::from_utf8_lossy(&access.body).contains("paid content"));
    assert!(access.settlement.success);
    assert_eq!(access.settlement.transaction, paid.transaction);
    assert_eq!(access.settlement.network, scene.network);
    assert_eq!(access.settlement.payer, None, "the merchant does not learn or publish the payer");

    // Reused challenge: the same PAYMENT-SIGNATURE again.
    let (status, reason) = refusal(payer.redeem(&offer, &paid).await);
    assert_eq!(status, 402);
    assert!(reason.contains("challenge_used"), "{reason}");

    // Replayed nullifier: the same proof on chain again is refused by the program…
    let replay = Proven { transfer: "replay".into(), index: 0, submission: paid.submission.clone() };
    let err = payer.verify_on_chain(&offer, replay).await.expect_err("nullifier replay");
    assert!(matches!(err, PayerError::Chain(zk402_chain::ChainError::Rejected { .. })), "{err}");
    // …and the spent receipt cannot be proved again for a fresh challenge.
    let fresh = payer.offer(&url).await.expect("offer").expect("402");
    assert!(matches!(payer.prove(&fresh).await, Err(PayerError::NoReceipt)));
    // The old verifying transaction does not pay for the fresh challenge either.
    let (status, reason) = refusal(payer.redeem(&fresh, &paid).await);
    assert_eq!(status, 402);
    assert!(reason.contains("request_hash"), "{reason}");

    let text = metrics(&base).await;
    assert!(text.contains("zk402_merchant"), "{text}");
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
        let paid = payer.verify_on_chain(&offer, proven.clone()).await.expect("verified on chain");
        assert_eq!(payer.redeem(&offer, &paid).await.expect("served").status, 200);
        let (status, _) = refusal(payer.redeem(&offer, &paid).await);
        assert_eq!(status, 402, "each request is served once");
        let replay = Proven { transfer: "replay".into(), ..proven };
        assert!(payer.verify_on_chain(&offer, replay).await.is_err(), "a credit's nullifier pays once");
        nullifiers.push(fr_from_be_bytes(&paid.submission.nullifier).unwrap());
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
        MerchantOptions::default(),
    )
    .await;
    let payer = scene.payer_with(
        other.payer.insecure_clone(),
        "other",
        std::slice::from_ref(&scene.rpc_url),
        &scene.prover_url,
    );
    let (_, paid_elsewhere) = pay_and_prove(&payer, &other_merchant.resource_url(), &other_merchant.base_url()).await;

    let offer = payer.offer(&scene.merchant.resource_url()).await.expect("offer").expect("402");
    assert_ne!(offer.policy_address, other.policy);
    let (status, reason) = refusal(payer.redeem(&offer, &paid_elsewhere).await);
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
        MerchantOptions { challenge_ttl_secs: 3 },
    )
    .await;
    let payer = scene.payer();
    let (offer, paid) = pay_and_prove(&payer, &merchant.resource_url(), &merchant.base_url()).await;
    let expires_at = offer.accepted.extra.challenge.expires_at;
    while zk402_merchant::challenge::unix_now() <= expires_at + 1 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let (status, reason) = refusal(payer.redeem(&offer, &paid).await);
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
        MerchantOptions::default(),
    )
    .await;
    let payer = scene.payer_with(scene.world.payer.insecure_clone(), "wallet", &endpoints, &scene.prover_url);
    let (offer, paid) = pay_and_prove(&payer, &merchant.resource_url(), &merchant.base_url()).await;
    let access = payer.redeem(&offer, &paid).await.expect("access through the fallback endpoint");
    assert_eq!(access.status, 200);
    let text = metrics(&merchant.base_url()).await;
    let fallbacks = text
        .lines()
        .find_map(|l| l.strip_prefix("zk402_rpc_fallbacks_total "))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no zk402_rpc_fallbacks_total in\n{text}"));
    assert!(fallbacks >= 1.0, "{text}");
}
