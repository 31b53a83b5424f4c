//! The official x402 TypeScript SDK and zk402, over real HTTP on loopback with real Node:
//! `examples/x402-express` (an `@x402/express` resource server with the `zk-groth16` scheme
//! registration users copy, its `HTTPFacilitatorClient` pointed at the merchant's zk402
//! facilitator) serves a zk402 payer end to end, refuses the replay and a proof made for another
//! of its resources, also when the client forges the Host header (each route states its resource
//! URL, so the challenge names the route, not the Host the client sent); the SDK's schema
//! validators accept every header zk402 emits and our decoders read the SDK's encodings back; the
//! facilitator answers the SDK client's calls, error paths included
//! (`examples/x402-express/test/interop.mjs`).
//!
//! Needs Node.js and `npm ci --prefix examples/x402-express` (scripts/test.sh runs it).

use serde_json::{Value, json};
use solana_signer::Signer;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zk402_chain::program::fetch_nullifier_expiry;
use zk402_cli::world::Terms;
use zk402_e2e::{Scene, listener};
use zk402_facilitator::store::SqliteStore;
use zk402_facilitator::{ChallengeKey, Facilitator, FacilitatorConfig, Mode, SettleConfig, api};
use zk402_x402::{
    HeaderMessage, PAYMENT_REQUIRED, PAYMENT_RESPONSE, PAYMENT_SIGNATURE, PaymentPayload, PaymentRequired,
    SettlementResponse, decode_header, encode_header, hex,
};

fn example_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/x402-express");
    assert!(
        dir.join("node_modules/@x402/express").is_dir(),
        "the example's npm packages are missing: run `npm ci --prefix examples/x402-express` (scripts/test.sh does)"
    );
    dir
}

/// The example server, killed on drop.
struct NodeServer {
    child: Child,
    base: String,
}

impl NodeServer {
    /// Starts `server.mjs` on a free port and waits for the line naming its address.
    fn start(cluster_file: &Path) -> NodeServer {
        let mut child = Command::new("node")
            .arg(example_dir().join("server.mjs"))
            .arg(cluster_file)
            .env("PORT", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node (Node.js) must be installed");
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        let line = lines.recv_timeout(Duration::from_secs(60)).expect("the example server started");
        let base = line
            .split_whitespace()
            .find_map(|word| word.strip_suffix("/weather"))
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        NodeServer { child, base }
    }
}

impl Drop for NodeServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `GET url` with the request headers `headers`: status and the response header named `header`.
async fn get(url: &str, headers: &[(&str, &str)], header: &str) -> (u16, Option<String>, String) {
    let mut request = reqwest::Client::new().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let value = response.headers().get(header).map(|v| v.to_str().expect("ascii header").to_owned());
    (status, value, response.text().await.expect("body"))
}

/// The `error` of the 402 a refused payment gets; `host` replaces the Host header.
async fn refusal(url: &str, signature: &str, host: Option<&str>) -> String {
    let mut headers = vec![(PAYMENT_SIGNATURE, signature)];
    headers.extend(host.map(|host| ("host", host)));
    let (status, required, body) = get(url, &headers, PAYMENT_REQUIRED).await;
    assert_eq!(status, 402, "{body}");
    let required: PaymentRequired = decode_header(&required.expect("PAYMENT-REQUIRED")).expect("our decoder");
    required.error.expect("the reason")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_x402_express_server_accepts_zk402_through_the_facilitator() {
    let scene = Scene::start(Terms::default()).await;
    let world = &scene.world;

    // The merchant's facilitator (x402 facilitator API), as `zk402 facilitator serve` runs it.
    let key = ChallengeKey::generate().unwrap();
    let config = FacilitatorConfig::new(scene.network.clone(), key, vec![world.policy], Mode::Deferred);
    let store = SqliteStore::open(&scene.dir.path().join("sdk-nullifiers.sqlite")).unwrap();
    let settle = SettleConfig { flush_after: Duration::from_millis(300), ..SettleConfig::default() };
    let facilitator = Facilitator::new(config, settle, scene.chain.clone(), store, world.facilitator.insecure_clone());
    let _worker = facilitator.spawn_worker();
    let (api_listener, api_address) = listener().await;
    let facilitator_url = format!("http://{api_address}");
    let app = api::router(Arc::clone(&facilitator));
    let _api = tokio::spawn(async move { axum::serve(api_listener, app).await });

    // The example server, configured as from `zk402 localnet`'s cluster.json.
    let cluster = json!({
        "network": scene.network.as_str(),
        "policy": world.policy.to_string(),
        "mint": world.mint.to_string(),
        "merchant": world.merchant.pubkey().to_string(),
        "price": world.terms.price.to_string(),
        "facilitatorUrl": facilitator_url,
    });
    let cluster_file = scene.dir.path().join("cluster.json");
    std::fs::write(&cluster_file, cluster.to_string()).unwrap();
    let node = NodeServer::start(&cluster_file);
    let (weather, forecast) = (format!("{}/weather", node.base), format!("{}/forecast", node.base));

    // The payer reads the SDK server's 402 with our decoders, buys two credits, proves. It asks
    // for /weather?/forecast, an attacker's choice: were the challenge bound to the SDK's default
    // `http://{Host}{path and query}`, a request for /forecast with Host `{authority}/weather?`
    // would name that same URL. The route's stated resource is bound instead.
    let payer = scene.payer();
    let offer = payer.offer(&format!("{weather}?/forecast")).await.expect("offer").expect("a 402");
    assert_eq!(offer.required.resource.url, weather, "the route's resource, not the request's URL");
    assert_eq!(offer.policy_address, world.policy);
    let (mint, pay_to) = (offer.accepted.asset.parse().unwrap(), offer.accepted.pay_to.parse().unwrap());
    let transfer = payer.pay(&mint, &pay_to, 2 * offer.accepted.amount).await.expect("payment");
    payer.obtain_receipt(&scene.merchant.base_url(), &offer.policy.issuer, &transfer).await.expect("receipt");
    let proven = payer.prove(&offer).await.expect("proof");
    let signature = encode_header(&payer.payload(&offer, &proven.submission));

    // The attack: the proof made for GET /weather presented for GET /forecast, as is and with
    // the forged Host header.
    assert_eq!(refusal(&forecast, &signature, None).await, "request_mismatch");
    let forged_host = format!("{}/weather?", node.base.strip_prefix("http://").unwrap());
    assert_eq!(refusal(&forecast, &signature, Some(&forged_host)).await, "request_mismatch");

    // Served for the resource it was made for, with the SDK's PAYMENT-RESPONSE.
    let (status, response, body) = get(&weather, &[(PAYMENT_SIGNATURE, &signature)], PAYMENT_RESPONSE).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("sunny"), "{body}");
    let sdk_response = response.expect("PAYMENT-RESPONSE");
    let settlement: SettlementResponse = decode_header(&sdk_response).expect("our decoder reads the SDK's");
    assert!(settlement.success, "{settlement:?}");
    assert_eq!(settlement.payer, Some(hex::encode32(&proven.submission.nullifier)), "the nullifier, never a key");
    assert!(!sdk_response.contains(&payer.address().to_string()));

    // The replay is refused; the facilitator settles the proof on chain.
    assert_eq!(refusal(&weather, &signature, None).await, "nullifier_reserved");
    let deadline = Instant::now() + Duration::from_secs(30);
    while fetch_nullifier_expiry(&scene.chain, &world.policy, &proven.submission.nullifier).await.unwrap().is_none() {
        assert!(Instant::now() < deadline, "not settled within 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Every header zk402 emits, and the SDK server's: its 402, ours (the gate's), the payer's
    // PAYMENT-SIGNATURE, both PAYMENT-RESPONSEs (the gate serves the receipt's second credit).
    let (_, sdk_required, _) = get(&weather, &[], PAYMENT_REQUIRED).await;
    let (_, gate_required, _) = get(&scene.merchant.resource_url(), &[], PAYMENT_REQUIRED).await;
    let gate_offer = payer.offer(&scene.merchant.resource_url()).await.unwrap().unwrap();
    let gate_proven = payer.prove(&gate_offer).await.expect("second credit");
    let gate_access = payer.redeem(&gate_offer, &gate_proven).await.expect("the gate serves");
    let mut invalid = payer.payload(&offer, &proven.submission);
    invalid.payload.proof[40] ^= 1;
    let input = json!({
        "paymentRequired": [sdk_required.unwrap(), gate_required.unwrap()],
        "paymentSignature": [signature, encode_header(&payer.payload(&gate_offer, &gate_proven.submission))],
        "paymentResponse": [sdk_response, encode_header(&gate_access.settlement)],
        "facilitatorUrl": facilitator_url,
        "network": scene.network.as_str(),
        "invalidPayment": {"paymentPayload": invalid, "paymentRequirements": offer.accepted},
    });
    let input_file = scene.dir.path().join("interop-input.json");
    std::fs::write(&input_file, input.to_string()).unwrap();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node").arg(example_dir().join("test/interop.mjs")).arg(&input_file).output()
    })
    .await
    .unwrap()
    .expect("node");
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{printed}\n{}", String::from_utf8_lossy(&output.stderr));
    let result: Value = serde_json::from_str(&printed).expect("one JSON object");
    assert_eq!(result["failures"], json!([]));
    assert_eq!(result["refusals"].as_object().map(|r| r.len()), Some(8), "{result}");

    // Our decoders read the SDK's encodings of every header, to the same message.
    same_after_sdk::<PaymentRequired>(&input["paymentRequired"], &result["reencoded"]["paymentRequired"]);
    same_after_sdk::<PaymentPayload>(&input["paymentSignature"], &result["reencoded"]["paymentSignature"]);
    same_after_sdk::<SettlementResponse>(&input["paymentResponse"], &result["reencoded"]["paymentResponse"]);
}

fn same_after_sdk<T: HeaderMessage + PartialEq + std::fmt::Debug>(ours: &Value, theirs: &Value) {
    let (ours, theirs) = (ours.as_array().unwrap(), theirs.as_array().unwrap());
    assert_eq!(ours.len(), theirs.len());
    for (ours, theirs) in ours.iter().zip(theirs) {
        let ours: T = decode_header(ours.as_str().unwrap()).expect("ours");
        let theirs: T = decode_header(theirs.as_str().unwrap()).expect("the SDK's encoding");
        assert_eq!(ours, theirs);
    }
}
