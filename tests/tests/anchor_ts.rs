//! TypeScript users of `@anchor-lang/core` can call the program: Anchor's npm client, unmodified,
//! drives `zk402-verifier` through the committed IDL against the localnet JSON-RPC facade
//! (`zk402 localnet`'s, over the in-process runtime on loopback HTTP).
//!
//! The client is `programs/zk402-verifier/idl/client/call.mjs`, which doubles as the example a
//! TypeScript user copies: `new Program(idl, provider)`, `program.methods.createPolicy(..)` built
//! into a transaction, signed with a solana-keygen keypair file, sent with `sendRawTransaction` and
//! polled with `getSignatureStatuses` (the facade has no websocket), then read back with
//! `program.account.policy.fetch`, `getMultipleAccountsInfo`, `getMinimumBalanceForRentExemption`,
//! and an airdrop. This test checks every answer against the Rust side: the policy Anchor decodes
//! is the one `zk402_chain::program::fetch_policy` decodes and the one asked for, at
//! `policy_address`; the instruction Anchor built is byte for byte the sdk builder's
//! (`zk402_chain::program::create_policy`) and is what the chain executed.
//!
//! Needs Node.js and the client's packages: `npm ci --prefix programs/zk402-verifier/idl/client`.

use serde_json::{Value, json};
use solana_keypair::Keypair;
use solana_signer::Signer;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;
use zk402_chain::local::LocalChain;
use zk402_chain::program::nullifier_set::design::rent_exempt_lamports;
use zk402_chain::program::{
    PROGRAM_ID, PolicyParams, create_policy, fetch_policy, issuer_address, issuer_bytes, policy_address,
};
use zk402_chain::rpc::server;
use zk402_chain::{Chain, Finality};
use zk402_circuit::SigningKey;
use zk402_x402::hex::encode as hex;

/// What the merchant is funded with before the client runs.
const FUNDING: u64 = 10_000_000_000;
/// Above 2^63: the client must carry it as an unsigned 64-bit number, into the PDA seeds too.
const POLICY_ID: u64 = 18_446_744_073_709_551_557;

fn client_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../programs/zk402-verifier/idl/client")
}

/// Runs `idl/client/call.mjs` on `input` (as its argument) and returns what it printed.
fn call_with_anchor_ts(input: &Value) -> Value {
    let client = client_dir();
    assert!(
        client.join("node_modules/@anchor-lang/core").is_dir(),
        "{}/node_modules is missing: run `npm ci --prefix programs/zk402-verifier/idl/client` (scripts/test.sh does)",
        client.display()
    );
    let out = Command::new("node")
        .arg(client.join("call.mjs"))
        .arg(input.to_string())
        .output()
        .expect("node runs (Node.js is needed for this test)");
    assert!(
        out.status.success(),
        "call.mjs failed (if a package is missing: `npm ci --prefix programs/zk402-verifier/idl/client`): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("call.mjs prints JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anchor_ts_client_creates_and_reads_a_policy_over_the_localnet_facade() {
    let local = LocalChain::start().await;
    let (listener, address) = zk402_e2e::listener().await;
    let cluster = server::Cluster { genesis_hash: Some(local.genesis_hash()), faucet: Some(local.payer()) };
    let router = server::router_with(Arc::new(local.clone()), cluster);
    let facade = tokio::spawn(async move { axum::serve(listener, router).await });

    let merchant = Keypair::new();
    let authority = merchant.pubkey();
    local.airdrop(&authority, FUNDING).await.expect("fund the merchant");
    let dir = tempfile::tempdir().expect("temp dir");
    let keypair_file = dir.path().join("merchant.json");
    std::fs::write(&keypair_file, serde_json::to_string(&merchant.to_bytes().to_vec()).expect("keypair JSON"))
        .expect("write the keypair file");

    // A real Baby Jubjub issuer key, as `zk402 issuer-key` makes one (coordinates below r).
    let issuer = issuer_bytes(&SigningKey::generate().expect("OS randomness").public_key());
    let params = PolicyParams {
        recipient: Keypair::new().pubkey(),
        // Above 2^53: JavaScript numbers would round it.
        price: 9_007_199_254_740_993,
        max_age: 86_400,
        clock_window: 300,
        issuer,
    };
    let input = json!({
        "url": format!("http://{address}/"),
        "keypair": keypair_file,
        "policy_id": POLICY_ID.to_string(),
        "params": {
            "recipient": params.recipient.to_string(),
            "price": params.price.to_string(),
            "max_age": params.max_age.to_string(),
            "clock_window": params.clock_window.to_string(),
            "issuer": hex(&params.issuer),
        },
    });
    let started = Instant::now();
    let out = tokio::task::spawn_blocking(move || call_with_anchor_ts(&input)).await.expect("node task");
    eprintln!("call.mjs took {:?}", started.elapsed());

    // The cluster as web3.js read it.
    assert_eq!(out["version"]["solana-core"], server::RUNTIME_VERSION, "{out}");
    assert!(out["version"]["feature-set"].is_u64(), "feature-set is a number: {out}");
    assert_eq!(out["genesis_hash"], local.genesis_hash().to_string());
    assert!(out["slot"].is_u64(), "{out}");
    assert_eq!(out["authority"], authority.to_string());
    assert_eq!(out["balance_before"], FUNDING.to_string());

    // The instruction Anchor built from the IDL is the sdk's, byte for byte and account for account.
    let policy = policy_address(&authority, POLICY_ID);
    assert_eq!(out["policy_address"], policy.to_string());
    assert_eq!(out["issuer_registration"], issuer_address(&params.issuer).to_string());
    let expected = create_policy(&authority, POLICY_ID, params.clone());
    let built = &out["create_policy"];
    assert_eq!(built["program_id"], PROGRAM_ID.to_string());
    assert_eq!(built["data"], hex(&expected.data), "instruction data Anchor encoded vs the Rust builder's");
    let metas: Vec<Value> = expected
        .accounts
        .iter()
        .map(|m| json!({"pubkey": m.pubkey.to_string(), "is_signer": m.is_signer, "is_writable": m.is_writable}))
        .collect();
    assert_eq!(built["accounts"], json!(metas), "accounts Anchor resolved vs the Rust builder's");

    // ... and it is what the chain executed.
    let signature = built["signature"].as_str().expect("signature");
    let executed = local
        .transaction(&signature.parse().expect("base58 signature"), Finality::Confirmed)
        .await
        .expect("transaction lookup")
        .expect("the create_policy transaction is on the ledger");
    assert_eq!(executed.error, None, "{:?}", executed.logs);
    assert_eq!(built["slot"], executed.slot);
    let [instruction] = executed.instructions() else { panic!("one instruction: {:?}", executed.instructions()) };
    assert_eq!(instruction.data, expected.data);
    let keys = executed.account_keys();
    assert_eq!(keys[usize::from(instruction.program_id_index)], PROGRAM_ID);
    let accounts: Vec<_> = instruction.accounts.iter().map(|&i| keys[usize::from(i)]).collect();
    assert_eq!(accounts, expected.accounts.iter().map(|m| m.pubkey).collect::<Vec<_>>());

    // The policy Anchor fetched is the one the Rust side decodes, and the one asked for.
    let stored = fetch_policy(&local, &policy).await.expect("fetch").expect("policy exists");
    assert_eq!(
        (stored.authority, stored.policy_id, stored.recipient, stored.price, stored.max_age, stored.clock_window),
        (authority, POLICY_ID, params.recipient, params.price, params.max_age, params.clock_window)
    );
    assert_eq!(stored.issuer, params.issuer);
    assert_eq!(
        out["policy"],
        json!({
            "authority": stored.authority.to_string(),
            "policyId": stored.policy_id.to_string(),
            "recipient": stored.recipient.to_string(),
            "price": stored.price.to_string(),
            "maxAge": stored.max_age.to_string(),
            "clockWindow": stored.clock_window.to_string(),
            "issuer": hex(&stored.issuer),
            "policyHash": hex(&stored.policy_hash),
            "inputBase": hex(&stored.input_base),
            "bump": stored.bump,
            "nullifierShards": stored.nullifier_shards,
        }),
        "policy decoded by Anchor vs fetch_policy"
    );

    // getMultipleAccounts and rent: what the chain holds; Anchor's `init` funded the policy with
    // exactly the rent-exempt minimum, Solana's default rent for its length.
    let policy_account = local.account(&policy).await.expect("read").expect("policy account");
    let authority_account = local.account(&authority).await.expect("read").expect("authority account");
    let len = policy_account.data.len();
    assert_eq!(
        out["accounts"],
        json!([
            {"address": policy.to_string(), "owner": PROGRAM_ID.to_string(),
             "lamports": policy_account.lamports.to_string(), "executable": false, "data_len": len},
            {"address": authority.to_string(), "owner": authority_account.owner.to_string(),
             "lamports": authority_account.lamports.to_string(), "executable": false,
             "data_len": authority_account.data.len()},
        ])
    );
    assert_eq!(out["policy_size"], len, "the account size Anchor computes from the IDL");
    assert_eq!(out["rent"], rent_exempt_lamports(len).to_string());
    assert_eq!(policy_account.lamports, rent_exempt_lamports(len));

    // The faucet paid the airdrop.
    let airdropped = out["airdrop"]["address"].as_str().expect("airdrop address").parse().expect("base58 address");
    assert_eq!(out["airdrop"]["balance"], "1000000000");
    assert_eq!(local.account(&airdropped).await.expect("read").expect("funded").lamports, 1_000_000_000);

    facade.abort();
}
