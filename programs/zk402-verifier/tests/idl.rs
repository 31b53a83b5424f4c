//! The committed IDL (`idl/zk402_verifier.json`, written by `scripts/idl.sh`) serves TypeScript
//! users: Anchor's npm client (`idl/client`, @anchor-lang/core) decodes through it the
//! instructions the sdk builds, the event a real `verify_payment` logs and the accounts the
//! program wrote, and every field comes out as the Rust side has it.

mod common;

use anchor_lang::prelude::Pubkey;
use common::payments::{CAPACITY, NOW, SHARDS, setup};
use serde_json::{Value, json};
use solana_signer::Signer;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use zk402_chain::program::{Policy, create_policy, verify_payment, write_proof_buffer};
use zk402_nullifier_set::shard_index;
use zk402_verifier::ID;

fn program_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn client_dir() -> PathBuf {
    program_dir().join("idl/client")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs `idl/client/decode.mjs` on `input` and returns what it decoded.
fn decode_with_anchor_ts(input: &Value) -> Value {
    let client = client_dir();
    assert!(
        client.join("node_modules/@anchor-lang/core").is_dir(),
        "{}/node_modules is missing: run `npm ci --prefix programs/zk402-verifier/idl/client` (scripts/test.sh does)",
        client.display()
    );
    let mut node = Command::new("node")
        .arg(client.join("decode.mjs"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs (Node.js is needed for this test)");
    node.stdin.take().expect("stdin").write_all(input.to_string().as_bytes()).expect("write to node");
    let out = node.wait_with_output().expect("node finishes");
    assert!(out.status.success(), "decode.mjs failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("decode.mjs prints JSON")
}

#[test]
fn idl_address_is_the_program_id() {
    let idl: Value =
        serde_json::from_slice(&std::fs::read(program_dir().join("idl/zk402_verifier.json")).expect("committed IDL"))
            .expect("IDL is JSON");
    assert_eq!(idl["address"], ID.to_string());
    assert_eq!(idl["metadata"]["name"], "zk402_verifier");
}

#[tokio::test]
async fn anchor_ts_client_decodes_instructions_event_and_accounts_through_the_idl() {
    let (mut env, merchant, policy) = setup(41).await;
    let authority = env.payer().pubkey();
    let set = merchant.set(&env);
    let submission = merchant.pay(NOW, 7);
    let verify = verify_payment(&authority, &policy, &set, &submission);
    let logs = env.send(std::slice::from_ref(&verify), &[]).await.expect("verify_payment");
    // A validator logs the event as `Program data: …`; the in-process runtime's host stub as a
    // `Program log:` line around it (zk402_chain::program::payment_events reads both).
    let event_lines: Vec<&str> = logs
        .iter()
        .map(|line| line.strip_prefix("Program log: ").unwrap_or(line))
        .filter(|line| line.starts_with("Program data: "))
        .collect();
    assert_eq!(event_lines.len(), 1, "one PaymentVerified in {logs:#?}");

    let register = create_policy(&authority, merchant.policy_id, merchant.params.clone());
    let chunk = (0..=255u8).rev().collect::<Vec<u8>>();
    let write = write_proof_buffer(&authority, &Pubkey::new_unique(), 352, chunk.clone());
    let shard = set.shard_for(&submission.nullifier);
    let shard_data = env.raw(shard).await.expect("shard").data;
    let policy_data = env.raw(policy).await.expect("policy").data;
    let stored: Policy = env.account(policy).await.expect("policy");

    let decoded = decode_with_anchor_ts(&json!({
        "instructions": [hex(&register.data), hex(&verify.data), hex(&write.data)],
        "logs": event_lines,
        "accounts": [
            {"name": "Policy", "data": hex(&policy_data)},
            {"name": "NullifierShard", "data": hex(&shard_data)},
        ],
    }));

    let params = &merchant.params;
    let expected = json!({
        "address": ID.to_string(),
        "instructions": [
            {"name": "create_policy", "data": {
                "policy_id": merchant.policy_id.to_string(),
                "params": {
                    "recipient": params.recipient.to_string(),
                    "price": params.price.to_string(),
                    "max_age": params.max_age.to_string(),
                    "clock_window": params.clock_window.to_string(),
                    "issuer": params.issuer.to_vec(),
                },
            }},
            {"name": "verify_payment", "data": {"submission": {
                "proof": submission.proof.to_vec(),
                "now": submission.now.to_string(),
                "nullifier": submission.nullifier.to_vec(),
                "request_hash": submission.request_hash.to_vec(),
            }}},
            {"name": "write_proof_buffer", "data": {"offset": 352, "data": chunk}},
        ],
        "events": [{"name": "PaymentVerified", "data": {
            "policy": policy.to_string(),
            "nullifier": submission.nullifier.to_vec(),
            "request_hash": submission.request_hash.to_vec(),
            "now": NOW.to_string(),
        }}],
        "accounts": [
            {"name": "Policy", "data": {
                "authority": authority.to_string(),
                "policy_id": merchant.policy_id.to_string(),
                "recipient": params.recipient.to_string(),
                "price": params.price.to_string(),
                "max_age": params.max_age.to_string(),
                "clock_window": params.clock_window.to_string(),
                "issuer": params.issuer.to_vec(),
                "policy_hash": stored.policy_hash.to_vec(),
                "input_base": stored.input_base.to_vec(),
                "bump": stored.bump,
                "nullifier_shards": stored.nullifier_shards,
            }},
            {"name": "NullifierShard", "data": {"header": {
                "policy": policy.to_bytes().to_vec(),
                "authority": authority.to_bytes().to_vec(),
                "base_time": NOW.to_string(),
                "max_expires_at": (NOW + params.max_age as i64 + params.clock_window as i64).to_string(),
                "inserted": "1",
                "capacity": CAPACITY,
                "index": shard_index(&submission.nullifier, SHARDS).expect("shard count in range"),
                "reserved0": 0,
                "reserved": vec![0u8; 32],
            }}},
        ],
    });
    for section in ["address", "instructions", "events", "accounts"] {
        assert_eq!(decoded[section].to_string(), expected[section].to_string(), "{section} decoded through the IDL");
    }
    assert_eq!(decoded, expected);
}
