//! The JSON-RPC client against the facade serving the in-process runtime over loopback HTTP:
//! client ↔ HTTP ↔ facade ↔ LocalChain, and fallback from a dead endpoint to the facade.
//! Versioned transactions (issue 13, finding 7): a v0 payment loading its token accounts
//! through a lookup table goes out and comes back through JSON-RPC with those accounts resolved.
#![cfg(feature = "local")]

mod support;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::system_instruction;
use serde_json::{Value, json};
use solana_keypair::Keypair;
use solana_message::{AddressLookupTableAccount, VersionedMessage, v0};
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction::versioned::{TransactionVersion, VersionedTransaction};
use solana_transaction_error::TransactionError;
use solana_transaction_status_client_types::TransactionConfirmationStatus;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use url::Url;
use zk402_chain::local::LocalChain;
use zk402_chain::memo::{commitment_memo, parse_commitment_memo};
use zk402_chain::resilience::{BreakerConfig, RetryPolicy};
use zk402_chain::rpc::{RpcEndpoint, server};
use zk402_chain::submit::{ConfirmOptions, send_and_confirm, sign, submit_and_confirm};
use zk402_chain::token::{TOKEN_PROGRAM_ID, associated_token_address, spl_token};
use zk402_chain::{Chain, ChainBackend, ChainConfig, ChainError, Finality};

const TIMEOUT: Duration = Duration::from_secs(10);

async fn facade() -> (LocalChain, Url) {
    let local = LocalChain::start().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    tokio::spawn(server::serve(listener, Arc::new(local.clone())));
    (local, url)
}

fn quick() -> ConfirmOptions {
    ConfirmOptions { timeout: Duration::from_secs(10), poll_interval: Duration::from_millis(20) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_round_trips_through_the_facade() {
    let (local, url) = facade().await;
    let client = RpcEndpoint::new(url, TIMEOUT).unwrap();
    client.health().await.unwrap();

    local.set_unix_time(1_763_700_000).await.unwrap();
    assert_eq!(client.unix_time().await.unwrap(), 1_763_700_000);

    let payer = local.payer();
    let recipient = Keypair::new().pubkey();
    let transfer = system_instruction::transfer(&payer.pubkey(), &recipient, 5_000_000);
    let confirmed = submit_and_confirm(&client, &[transfer], &payer, &[], quick()).await.unwrap();
    assert_eq!(confirmed.error, None);
    assert!(confirmed.logs.iter().any(|line| line.contains("success")), "{:?}", confirmed.logs);
    assert_eq!(Some(confirmed.clone()), local.transaction(&confirmed.signature, Finality::Confirmed).await.unwrap());
    assert_eq!(confirmed.block_time, Some(1_763_700_000));

    let account = client.account(&recipient).await.unwrap().unwrap();
    assert_eq!(account, local.account(&recipient).await.unwrap().unwrap());
    assert_eq!((account.lamports, account.owner), (5_000_000, anchor_lang::system_program::ID));
    assert_eq!(client.account(&Pubkey::new_from_array([7; 32])).await.unwrap(), None);

    let unknown = Keypair::new().sign_message(b"never sent");
    assert_eq!(client.transaction(&unknown, Finality::Confirmed).await.unwrap(), None);
    let statuses = client.signature_statuses(&[confirmed.signature, unknown]).await.unwrap();
    let status = statuses[0].as_ref().unwrap();
    assert_eq!((status.slot, &status.err), (confirmed.slot, &None));
    assert_eq!(
        (status.confirmation_status.clone(), status.confirmations),
        (Some(TransactionConfirmationStatus::Finalized), None)
    );
    assert_eq!(statuses[1], None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_transaction_comes_back_rejected_with_logs() {
    let (local, url) = facade().await;
    let client = RpcEndpoint::new(url, TIMEOUT).unwrap();
    let poor = Keypair::new();
    local.airdrop(&poor.pubkey(), 10_000_000).await.unwrap();
    let overdraft = system_instruction::transfer(&poor.pubkey(), &Keypair::new().pubkey(), 1_000_000_000);
    let blockhash = client.latest_blockhash().await.unwrap();
    let transaction = Transaction::new_signed_with_payer(&[overdraft], Some(&poor.pubkey()), &[&poor], blockhash);
    match client.send_transaction(&transaction.clone().into()).await {
        Err(ChainError::Rejected { error, logs }) => {
            // The system program's ResultWithNegativeLamports.
            assert_eq!(
                error,
                TransactionError::InstructionError(0, solana_instruction_error::InstructionError::Custom(1))
            );
            assert!(!logs.is_empty());
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    let recorded = client.transaction(&transaction.signatures[0], Finality::Confirmed).await.unwrap().unwrap();
    assert!(recorded.error.is_some(), "a failed transaction still executed and is on the ledger");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backend_falls_back_from_a_dead_endpoint_to_the_facade() {
    let (local, url) = facade().await;
    let config = ChainConfig {
        rpc_urls: vec![support::refusing_url().await, url],
        request_timeout: TIMEOUT,
        retry: RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
        },
        breaker: BreakerConfig { failure_threshold: 2, cool_down: Duration::from_secs(60) },
    };
    let backend = ChainBackend::rpc(&config).unwrap();
    let payer = local.payer();
    let recipient = Keypair::new().pubkey();
    let transfer = system_instruction::transfer(&payer.pubkey(), &recipient, 1_234_567);
    submit_and_confirm(&backend, &[transfer], &payer, &[], quick()).await.unwrap();
    assert_eq!(backend.account(&recipient).await.unwrap().unwrap().lamports, 1_234_567);
    assert_eq!(backend.unix_time().await.unwrap(), local.unix_time().await.unwrap());

    let stats = backend.rpc_stats().unwrap();
    assert_eq!(stats.endpoints[0].retriable_errors, 2, "two attempts, then the breaker opened");
    assert_eq!(stats.endpoints[0].breaker_opens, 1);
    assert!(stats.endpoints[0].short_circuited >= 3);
    assert_eq!(stats.endpoints[1].ok, stats.fallbacks);
    assert_eq!(stats.unavailable, 0);
}

async fn post(url: &Url, body: &str) -> Value {
    let response = reqwest::Client::new()
        .post(url.clone())
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facade_answers_bad_requests_with_json_rpc_errors() {
    let (_local, url) = facade().await;
    let cases = [
        ("{not json", json!(null), -32700),
        (r#"[{"jsonrpc":"2.0","id":1,"method":"getHealth"}]"#, json!(null), -32600),
        (r#"{"jsonrpc":"1.0","id":2,"method":"getHealth"}"#, json!(2), -32600),
        (r#"{"jsonrpc":"2.0","id":3,"method":"getBlock","params":[1]}"#, json!(3), -32601),
        (r#"{"jsonrpc":"2.0","id":3,"method":"getBalance","params":[]}"#, json!(3), -32602),
        (r#"{"jsonrpc":"2.0","id":3,"method":"getGenesisHash"}"#, json!(3), -32601),
        (
            r#"{"jsonrpc":"2.0","id":3,"method":"requestAirdrop","params":["11111111111111111111111111111111",1]}"#,
            json!(3),
            -32601,
        ),
        (
            r#"{"jsonrpc":"2.0","id":4,"method":"getAccountInfo","params":["not-a-key",{"encoding":"base64"}]}"#,
            json!(4),
            -32602,
        ),
        (
            r#"{"jsonrpc":"2.0","id":5,"method":"getAccountInfo","params":["SysvarC1ock11111111111111111111111111111111"]}"#,
            json!(5),
            -32602,
        ),
        (
            r#"{"jsonrpc":"2.0","id":6,"method":"sendTransaction","params":["AAAA",{"encoding":"base64"}]}"#,
            json!(6),
            -32602,
        ),
        (r#"{"jsonrpc":"2.0","id":7,"method":"getTransaction","params":[]}"#, json!(7), -32602),
        (r#"{"jsonrpc":"2.0","id":8,"params":[]}"#, json!(8), -32600),
    ];
    for (body, id, code) in cases {
        let answer = post(&url, body).await;
        assert_eq!(answer["jsonrpc"], "2.0", "{body}");
        assert_eq!(answer["id"], id, "{body}");
        assert_eq!(answer["error"]["code"], code, "{body}: {answer}");
    }
    let answer =
        post(&url, r#"{"jsonrpc":"2.0","id":"a","method":"getTransaction","params":["1111111111111111111111111111111111111111111111111111111111111111",{"encoding":"base64"}]}"#)
            .await;
    assert_eq!(answer, json!({"jsonrpc": "2.0", "id": "a", "result": null}));
    let answer = post(&url, r#"{"jsonrpc":"2.0","id":9,"method":"getHealth","params":null}"#).await;
    assert_eq!(answer, json!({"jsonrpc": "2.0", "id": 9, "result": "ok"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v0_payment_through_a_lookup_table_round_trips_through_json_rpc_with_its_loaded_accounts() {
    let (local, url) = facade().await;
    let client = RpcEndpoint::new(url.clone(), TIMEOUT).unwrap();
    let (payer, merchant, authority) = (Keypair::new(), Keypair::new(), Keypair::new());
    local.airdrop(&payer.pubkey(), 1_000_000_000).await.unwrap();
    let mint = local.create_mint(&authority.pubkey(), 6).await.unwrap();
    let to = local.create_token_account(&merchant.pubkey(), &mint).await.unwrap();
    let from = local.create_token_account(&payer.pubkey(), &mint).await.unwrap();
    local.mint_to(&mint, &from, &authority, 5_000_000).await.unwrap();
    let addresses = vec![from, mint, to];
    let table = local.create_lookup_table(&addresses).await.unwrap();
    assert_eq!(local.lookup_table(&table).await.unwrap(), addresses);

    let transfer = spl_token::instruction::transfer_checked(
        &TOKEN_PROGRAM_ID,
        &from,
        &mint,
        &associated_token_address(&merchant.pubkey(), &mint),
        &payer.pubkey(),
        &[],
        1_500_000,
        6,
    )
    .unwrap();
    let commitment = zk402_circuit::Fr::from(7u64);
    let blockhash = client.latest_blockhash().await.unwrap();
    let lookup = AddressLookupTableAccount { key: table, addresses };
    let message =
        v0::Message::try_compile(&payer.pubkey(), &[transfer, commitment_memo(&commitment)], &[lookup], blockhash)
            .unwrap();
    assert_eq!(message.address_table_lookups.len(), 1, "the token accounts go through the table");
    let payment = VersionedTransaction::try_new(VersionedMessage::V0(message), &[&payer]).unwrap();
    send_and_confirm(&client, &payment, quick()).await.unwrap();

    let read = client.transaction(&payment.signatures[0], Finality::Finalized).await.unwrap().unwrap();
    assert_eq!(read.error, None);
    assert_eq!(read.transaction(), &payment);
    assert_eq!(read.transaction().version(), TransactionVersion::Number(0));
    let mut writable = read.loaded_addresses().writable.clone();
    writable.sort();
    let mut token_accounts = vec![from, to];
    token_accounts.sort();
    assert_eq!((writable, read.loaded_addresses().readonly.clone()), (token_accounts, vec![mint]));
    assert_eq!(Some(read.clone()), local.transaction(&payment.signatures[0], Finality::Finalized).await.unwrap());
    // The instructions index the loaded accounts: the transfer names the token accounts and
    // the mint, the memo the commitment.
    let [transfer, memo] = read.instructions() else { panic!("two instructions") };
    let keys = read.account_keys();
    assert_eq!(keys[usize::from(transfer.program_id_index)], TOKEN_PROGRAM_ID);
    let named: Vec<Pubkey> = transfer.accounts.iter().map(|&i| keys[usize::from(i)]).collect();
    assert_eq!(named, [from, mint, to, payer.pubkey()]);
    assert_eq!(parse_commitment_memo(&memo.data).unwrap(), Some(commitment));
    let destination = zk402_chain::token::fetch_token_account(&client, &to).await.unwrap().unwrap();
    assert_eq!(destination.amount, 1_500_000);

    // As a node: a client that does not declare it reads v0 gets an error, not a wrong answer.
    let body = json!({
        "jsonrpc": "2.0",
        "id": 1,
        "method": "getTransaction",
        "params": [payment.signatures[0].to_string(), {"encoding": "base64"}]
    });
    let answer = post(&url, &body.to_string()).await;
    assert_eq!(answer["error"]["code"], -32015, "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signatures_for_address_round_trips_through_the_facade_page_by_page() {
    let (local, url) = facade().await;
    let client = RpcEndpoint::new(url.clone(), TIMEOUT).unwrap();
    let payer = local.payer();
    let watched = Keypair::new().pubkey();
    for lamports in [1_000_000, u64::MAX, 2_000_000, 3_000_000] {
        let tx = sign(&local, &[system_instruction::transfer(&payer.pubkey(), &watched, lamports)], &payer, &[])
            .await
            .unwrap();
        let _ = local.send_transaction(&tx).await;
    }
    let all = local.signatures_for_address(&watched, None, 10).await.unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(client.signatures_for_address(&watched, None, 10).await.unwrap(), all, "errors and times included");
    let mut paged = Vec::new();
    let mut before = None;
    loop {
        let page = client.signatures_for_address(&watched, before, 3).await.unwrap();
        let Some(last) = page.last() else { break };
        before = Some(last.signature);
        paged.extend(page);
    }
    assert_eq!(paged, all);

    // As a node: at most 1000 per call, and what the facade cannot answer is refused.
    let key = watched.to_string();
    for config in [json!({"limit": 1001}), json!({"limit": 0}), json!({"until": all[0].signature.to_string()})] {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "getSignaturesForAddress", "params": [key, config]});
        let answer = post(&url, &body.to_string()).await;
        assert_eq!(answer["error"]["code"], -32602, "{config}: {answer}");
    }
    let body = json!({"jsonrpc": "2.0", "id": 2, "method": "getSignaturesForAddress", "params": [key]});
    let answer = post(&url, &body.to_string()).await;
    assert_eq!(answer["result"].as_array().map(Vec::len), Some(4), "{answer}");
    assert_eq!(answer["result"][2]["err"], json!({"InstructionError": [0, {"Custom": 1}]}), "{answer}");
}

async fn call(url: &Url, method: &str, params: Value) -> Value {
    let answer = post(url, &json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string()).await;
    assert!(answer.get("error").is_none(), "{method}: {answer}");
    answer["result"].clone()
}

/// A local validator's extras: version, genesis hash, slots that advance (one block each),
/// balances, several accounts at once, rent, and a faucet.
#[tokio::test]
async fn a_local_validators_methods_answer_in_solanas_shapes() {
    let local = LocalChain::start().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    let cluster = server::Cluster { genesis_hash: Some(local.genesis_hash()), faucet: Some(local.payer()) };
    let router = server::router_with(Arc::new(local.clone()), cluster);
    tokio::spawn(async move { axum::serve(listener, router).await });

    let version = call(&url, "getVersion", json!([])).await;
    assert_eq!(version["solana-core"], server::RUNTIME_VERSION);
    assert!(version["feature-set"].is_u64(), "web3.js reads a number: {version}");
    assert_eq!(call(&url, "getGenesisHash", json!([])).await, local.genesis_hash().to_string());

    let slot = call(&url, "getSlot", json!([])).await.as_u64().unwrap();
    let unix = local.unix_time().await.unwrap();
    assert_eq!(local.advance_slot(unix + 5).await.unwrap(), slot + 1);
    assert_eq!(local.advance_slot(unix).await.unwrap(), slot + 2, "the clock never goes back");
    assert_eq!(local.unix_time().await.unwrap(), unix + 5);
    assert_eq!(call(&url, "getSlot", json!([{"commitment": "confirmed"}])).await, slot + 2);
    assert_eq!(call(&url, "getBlockHeight", json!([{"commitment": "processed"}])).await, slot + 2);

    let client = RpcEndpoint::new(url.clone(), TIMEOUT).unwrap();
    let funded = Keypair::new().pubkey();
    let airdrop = call(&url, "requestAirdrop", json!([funded.to_string(), 5_000_000_000u64])).await;
    let airdrop = airdrop.as_str().unwrap().parse().unwrap();
    let executed = client.transaction(&airdrop, Finality::Finalized).await.unwrap().expect("airdrop executed");
    assert_eq!(executed.slot, slot + 2, "it ran in the advanced slot");
    let balance = call(&url, "getBalance", json!([funded.to_string()])).await;
    assert_eq!((balance["context"]["slot"].as_u64(), balance["value"].as_u64()), (Some(slot + 2), Some(5_000_000_000)));
    let nobody = Pubkey::new_from_array([9; 32]);
    assert_eq!(call(&url, "getBalance", json!([nobody.to_string()])).await["value"], 0);
    // base64 is this method's default on a node.
    let accounts = call(&url, "getMultipleAccounts", json!([[funded.to_string(), nobody.to_string()]])).await;
    assert_eq!(accounts["value"][0]["lamports"], 5_000_000_000u64);
    assert_eq!(accounts["value"][1], Value::Null);
    let rent = call(&url, "getMinimumBalanceForRentExemption", json!([165])).await;
    assert_eq!(rent, anchor_lang::prelude::Rent::default().minimum_balance(165));

    let too_many: Vec<String> = (0..101).map(|_| nobody.to_string()).collect();
    let refusals = [
        ("getMultipleAccounts", json!([too_many, {"encoding": "base64"}]), -32602),
        (
            "getAccountInfo",
            json!([nobody.to_string(), {"encoding": "base64", "dataSlice": {"offset": 0, "length": 1}}]),
            -32602,
        ),
        ("getAccountInfo", json!([nobody.to_string()]), -32602),
        ("getBalance", json!([nobody.to_string(), {"minContextSlot": slot + 1_000}]), -32016),
        ("getMinimumBalanceForRentExemption", json!([usize::MAX]), -32602),
        ("requestAirdrop", json!([funded.to_string(), u64::MAX]), -32602),
    ];
    for (method, params, code) in refusals {
        let answer =
            post(&url, &json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string()).await;
        assert_eq!(answer["error"]["code"], code, "{method}: {answer}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn advancing_the_slot_is_refused_where_the_blockhash_ticker_could_race_the_warp() {
    let local = LocalChain::start().await;
    let unix = local.unix_time().await.unwrap();
    let refused = local.advance_slot(unix).await.unwrap_err();
    assert!(refused.to_string().contains("current-thread"), "{refused}");
}

#[test]
fn the_reported_runtime_version_is_the_pinned_program_test() {
    let manifest = include_str!("../Cargo.toml");
    let pin = format!("solana-program-test = {{ version = \"={}\"", server::RUNTIME_VERSION);
    assert!(manifest.contains(&pin), "sdk/chain/Cargo.toml pins another solana-program-test than {pin}");
}
