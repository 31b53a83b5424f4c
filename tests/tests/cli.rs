//! The configuration-driven commands a real deployment runs (`zk402 merchant create-policy`,
//! `merchant serve`, `payer pay`, `payer access` proving in-process), pointed by their TOML files
//! at a cluster reached over JSON-RPC (the in-process runtime behind the facade).

use solana_keypair::Keypair;
use solana_signer::Signer;
use std::path::{Path, PathBuf};
use std::time::Duration;
use zk402_chain::program::policy_address;
use zk402_cli::commands::{self, PolicyTerms};
use zk402_cli::world::Terms;
use zk402_e2e::{Scene, dead_address, wait_healthy};

fn keypair_file(dir: &Path, name: &str, keypair: &Keypair) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string(&keypair.to_bytes().to_vec()).unwrap()).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merchant_and_payer_commands_run_from_their_configuration() {
    let scene = Scene::start(Terms::default()).await;
    let dir = scene.dir.path();
    let (authority, recipient) = (Keypair::new(), Keypair::new());
    scene.chain.airdrop(&authority.pubkey(), 1_000_000_000).await.unwrap();
    scene.chain.create_token_account(&recipient.pubkey(), &scene.world.mint).await.unwrap();
    let address = dead_address().await;
    let issuer_key = dir.join("issuer.key");
    commands::issuer_key(&issuer_key).expect("issuer key");
    assert!(commands::issuer_key(&issuer_key).is_err(), "an existing key is never overwritten");
    let challenge_key = dir.join("challenge.key");
    commands::challenge_key(&challenge_key).expect("challenge key");

    let policy = policy_address(&authority.pubkey(), 7);
    let merchant_toml = dir.join("merchant.toml");
    std::fs::write(
        &merchant_toml,
        format!(
            r#"bind = "{address}"
public_url = "http://{address}"
description = "configured resource"
policy = "{policy}"
mint = "{mint}"
recipient = "{recipient}"
price = 1000000
issuer_key_file = "{key}"
issuer_ledger = "{ledger}"
challenge_ttl_secs = 120

[facilitator]
challenge_key_file = "{challenge_key}"
nullifier_store = "sqlite:{store}"
fee_payer_keypair_file = "{fee_payer}"

[cluster]
network = "{network}"
rpc_urls = ["{rpc}"]
"#,
            mint = scene.world.mint,
            recipient = recipient.pubkey(),
            key = issuer_key.display(),
            ledger = dir.join("cli-issuer.sqlite").display(),
            store = dir.join("cli-nullifiers.sqlite").display(),
            challenge_key = challenge_key.display(),
            fee_payer = keypair_file(dir, "facilitator.json", &scene.world.facilitator).display(),
            network = scene.network,
            rpc = scene.rpc_url,
        ),
    )
    .unwrap();
    let authority_file = keypair_file(dir, "authority.json", &authority);
    let terms = PolicyTerms {
        policy_id: 7,
        price: 1_000_000,
        max_age: 3_600,
        clock_window: 60,
        nullifier_shards: 2,
        shard_capacity: 1_024,
    };
    commands::create_policy(&merchant_toml, &authority_file, terms).await.expect("create-policy");

    let misconfigured = dir.join("misconfigured.toml");
    let text = std::fs::read_to_string(&merchant_toml).unwrap();
    let wrong = text.replace(&recipient.pubkey().to_string(), &authority.pubkey().to_string());
    std::fs::write(&misconfigured, wrong).unwrap();
    let err = commands::serve(&misconfigured).await.expect_err("a recipient the policy does not pay");
    assert!(err.contains("not the configured recipient"), "{err}");

    let server = tokio::spawn({
        let merchant_toml = merchant_toml.clone();
        async move { commands::serve(&merchant_toml).await }
    });
    let url = format!("http://{address}/v1/resource");
    wait_healthy(&format!("http://{address}"), Duration::from_secs(5)).await;

    let payer_toml = dir.join("payer.toml");
    std::fs::write(
        &payer_toml,
        format!(
            r#"keypair_file = "{keypair}"
wallet_file = "{wallet}"
zkey = "{zkey}"

[cluster]
network = "{network}"
rpc_urls = ["{rpc}"]
"#,
            keypair = keypair_file(dir, "payer.json", &scene.world.payer).display(),
            wallet = dir.join("cli-wallet.json").display(),
            zkey = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ceremony/test-ceremony/payment_final.zkey").display(),
            network = scene.network,
            rpc = scene.rpc_url,
        ),
    )
    .unwrap();
    let err = commands::access(&payer_toml, &url).await.expect_err("no receipt yet");
    assert!(err.contains("no unspent receipt"), "{err}");
    commands::pay(&payer_toml, &url, 3, None).await.expect("payer pay: three credits in one payment");
    commands::credits(&payer_toml, &url).await.expect("payer credits");
    for _ in 0..3 {
        commands::access(&payer_toml, &url).await.expect("payer access");
    }
    let err = commands::access(&payer_toml, &url).await.expect_err("every credit is spent");
    assert!(err.contains("no unspent receipt"), "{err}");
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facilitator_serve_runs_from_its_configuration() {
    let scene = Scene::start(Terms::default()).await;
    let dir = scene.dir.path();
    let address = dead_address().await;
    let challenge_key = dir.join("facilitator-challenge.key");
    commands::challenge_key(&challenge_key).expect("challenge key");
    let config = dir.join("facilitator.toml");
    std::fs::write(
        &config,
        format!(
            r#"bind = "{address}"
policies = ["{policy}"]

[facilitator]
challenge_key_file = "{key}"
nullifier_store = "sqlite:{store}"
fee_payer_keypair_file = "{fee_payer}"
settlement = "confirm"

[cluster]
network = "{network}"
rpc_urls = ["{rpc}"]
"#,
            policy = scene.world.policy,
            key = challenge_key.display(),
            store = dir.join("facilitator-nullifiers.sqlite").display(),
            fee_payer = keypair_file(dir, "facilitator-fee-payer.json", &scene.world.facilitator).display(),
            network = scene.network,
            rpc = scene.rpc_url,
        ),
    )
    .unwrap();
    let server = tokio::spawn(async move { commands::serve_facilitator(&config).await });
    let url = format!("http://{address}/supported");
    let mut supported = None;
    for _ in 0..100 {
        if let Ok(response) = reqwest::get(&url).await {
            let text = response.text().await.expect("body");
            supported = Some(serde_json::from_str::<serde_json::Value>(&text).expect("JSON"));
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let supported = supported.expect("the facilitator answers /supported");
    assert_eq!(supported["kinds"][0]["scheme"], "zk-groth16");
    assert_eq!(supported["kinds"][0]["network"], scene.network.as_str());
    server.abort();
}
