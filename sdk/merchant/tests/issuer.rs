//! The receipt issuer over its real HTTP endpoint, against real SPL Token transfers and SPL Memo
//! instructions executed by the in-process runtime.
//!
//! Binding (issue 13, finding 1): a payment earns one receipt, for the commitment its own memo
//! names; a watcher who knows the payment's signature and posts its own commitment is refused
//! and the payer still gets its receipt; payments without a memo, with two, with a malformed
//! one, or with the memo in another transaction are refused.
//! Cost (finding 5): zero-value transfers cost no lookup, at most `MAX_DESTINATION_LOOKUPS`
//! accounts are read per transaction, refusals are answered from the ledger without the chain,
//! and clients are rate-limited by address.
//! Finality (finding 8): the chain is read at the configured finality, `finalized` by default.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_signer::Signer;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use zk402_chain::local::LocalChain;
use zk402_chain::memo::{MEMO_PROGRAM_ID, MEMO_PROGRAM_IDS, commitment_memo, commitment_memo_text};
use zk402_chain::submit::{ConfirmOptions, send_and_confirm, sign, submit_and_confirm};
use zk402_chain::token::{TOKEN_PROGRAM_ID, associated_token_address, spl_token};
use zk402_chain::{Account, Chain, ChainError, ConfirmedTransaction, Finality};
use zk402_circuit::{Fr, IssueRequest, Receipt, SigningKey};
use zk402_merchant::issuer::rate_limit::RateLimit;
use zk402_merchant::issuer::{Issuer, IssuerConfig, Ledger, MAX_DESTINATION_LOOKUPS, router};

const PAID_AT: i64 = 1_795_000_000;

/// The in-process cluster, counting what the issuer asks of it.
#[derive(Clone)]
struct Counted {
    chain: LocalChain,
    transactions: Arc<AtomicUsize>,
    accounts: Arc<AtomicUsize>,
    finalities: Arc<Mutex<Vec<Finality>>>,
}

impl Counted {
    /// (transaction fetches, account reads) so far.
    fn calls(&self) -> (usize, usize) {
        (self.transactions.load(Ordering::SeqCst), self.accounts.load(Ordering::SeqCst))
    }
}

impl Chain for Counted {
    async fn latest_blockhash(&self) -> Result<solana_hash::Hash, ChainError> {
        self.chain.latest_blockhash().await
    }

    async fn send_transaction(&self, transaction: &solana_transaction::Transaction) -> Result<Signature, ChainError> {
        self.chain.send_transaction(transaction).await
    }

    async fn transaction(
        &self,
        signature: &Signature,
        finality: Finality,
    ) -> Result<Option<ConfirmedTransaction>, ChainError> {
        self.transactions.fetch_add(1, Ordering::SeqCst);
        self.finalities.lock().unwrap().push(finality);
        self.chain.transaction(signature, finality).await
    }

    async fn account(&self, address: &Pubkey) -> Result<Option<Account>, ChainError> {
        self.accounts.fetch_add(1, Ordering::SeqCst);
        self.chain.account(address).await
    }

    async fn unix_time(&self) -> Result<i64, ChainError> {
        self.chain.unix_time().await
    }
}

struct Setup {
    chain: LocalChain,
    /// What the issuer asked of the chain.
    counted: Counted,
    issuer_key: SigningKey,
    url: String,
    payer: Keypair,
    merchant: Keypair,
    mint: Pubkey,
    other_mint: Pubkey,
    http: reqwest::Client,
    _server: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

async fn setup() -> Setup {
    setup_with(|_| {}).await
}

/// A funded payer and a merchant with token accounts of two mints, and the issuer (configured
/// by `configure`) serving on loopback with the peer address of each connection.
async fn setup_with(configure: impl FnOnce(&mut IssuerConfig)) -> Setup {
    let chain = LocalChain::start().await;
    chain.set_unix_time(PAID_AT).await.unwrap();
    let (payer, merchant, authority) = (Keypair::new(), Keypair::new(), Keypair::new());
    chain.airdrop(&payer.pubkey(), 1_000_000_000).await.unwrap();
    let mint = chain.create_mint(&authority.pubkey(), 6).await.unwrap();
    let other_mint = chain.create_mint(&authority.pubkey(), 6).await.unwrap();
    for m in [&mint, &other_mint] {
        chain.create_token_account(&merchant.pubkey(), m).await.unwrap();
        let account = chain.create_token_account(&payer.pubkey(), m).await.unwrap();
        chain.mint_to(m, &account, &authority, 10_000_000).await.unwrap();
    }
    let counted = Counted {
        chain: chain.clone(),
        transactions: Arc::default(),
        accounts: Arc::default(),
        finalities: Arc::default(),
    };
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(&dir.path().join("issuer.sqlite")).unwrap();
    let mut config = IssuerConfig::new(mint, merchant.pubkey());
    configure(&mut config);
    let issuer_key = SigningKey::from_seed(&[9; 32]);
    let issuer = Issuer::new(counted.clone(), issuer_key.clone(), config, ledger);
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let url = format!("http://{}/v1/receipts", listener.local_addr().unwrap());
    let app = router(Arc::new(issuer)).into_make_service_with_connect_info::<SocketAddr>();
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Setup {
        chain,
        counted,
        issuer_key,
        url,
        payer,
        merchant,
        mint,
        other_mint,
        http: reqwest::Client::new(),
        _server: server,
        _dir: dir,
    }
}

/// `amount` of `mint` from the payer to `to`'s associated account.
fn transfer(s: &Setup, mint: &Pubkey, to: &Pubkey, amount: u64) -> Instruction {
    spl_token::instruction::transfer_checked(
        &TOKEN_PROGRAM_ID,
        &associated_token_address(&s.payer.pubkey(), mint),
        mint,
        &associated_token_address(to, mint),
        &s.payer.pubkey(),
        &[],
        amount,
        6,
    )
    .unwrap()
}

/// The receipt memo naming `commitment`.
fn memo(commitment: u64) -> Instruction {
    commitment_memo(&Fr::from(commitment))
}

/// A memo instruction of `program` with arbitrary data.
fn raw_memo(program: Pubkey, data: &[u8]) -> Instruction {
    Instruction { program_id: program, accounts: vec![], data: data.to_vec() }
}

/// Executes `instructions` signed by the payer; its signature.
async fn send(s: &Setup, instructions: &[Instruction]) -> String {
    submit_and_confirm(&s.chain, instructions, &s.payer, &[], ConfirmOptions::default())
        .await
        .expect("transaction")
        .signature
        .to_string()
}

/// A payment of `amount` to the merchant naming `commitment`.
async fn pay(s: &Setup, amount: u64, commitment: u64) -> String {
    send(s, &[transfer(s, &s.mint, &s.merchant.pubkey(), amount), memo(commitment)]).await
}

/// What the issuer answered: the status, the receipt on success, the error code otherwise.
#[derive(Debug)]
struct Answer {
    status: u16,
    receipt: Option<Receipt>,
    code: String,
    retry_after: Option<u64>,
}

async fn ask_from(s: &Setup, from: Option<IpAddr>, transaction: &str, commitment: u64) -> Answer {
    let bound;
    let http = match from {
        Some(address) => {
            bound = reqwest::Client::builder().local_address(address).build().unwrap();
            &bound
        }
        None => &s.http,
    };
    let request = IssueRequest { transaction: transaction.into(), commitment: Fr::from(commitment) };
    let response = http
        .post(&s.url)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&request).unwrap())
        .send()
        .await
        .expect("issuer reachable");
    let status = response.status().as_u16();
    let retry_after =
        response.headers().get("retry-after").map(|v| v.to_str().unwrap().parse().expect("whole seconds"));
    let body = response.bytes().await.unwrap();
    if status == 200 {
        let receipt = serde_json::from_slice(&body).expect("a receipt");
        return Answer { status, receipt: Some(receipt), code: String::new(), retry_after };
    }
    let error: serde_json::Value = serde_json::from_slice(&body).expect("an error body");
    let code = error["error"]["code"].as_str().expect("an error code").to_owned();
    assert!(error["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{error}");
    Answer { status, receipt: None, code, retry_after }
}

async fn ask(s: &Setup, transaction: &str, commitment: u64) -> Answer {
    ask_from(s, None, transaction, commitment).await
}

/// Asserts the issuer refuses `transaction` with `status` and `code`.
async fn refused(s: &Setup, transaction: &str, commitment: u64, status: u16, code: &str) {
    let answer = ask(s, transaction, commitment).await;
    assert_eq!((answer.status, answer.code.as_str()), (status, code), "{answer:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watcher_posting_the_payers_signature_with_its_own_commitment_is_refused_and_the_payer_still_gets_its_receipt()
 {
    let s = setup().await;
    let paid = pay(&s, 1_500_000, 7).await;
    // The watcher sees the payment's signature on the merchant's token account first.
    refused(&s, &paid, 666, 403, "commitment_mismatch").await;
    let receipt = ask(&s, &paid, 7).await.receipt.expect("the payer's receipt");
    assert_eq!(receipt.claim.amount, 1_500_000);
    assert_eq!(receipt.claim.paid_at, PAID_AT as u64);
    assert_eq!(receipt.claim.recipient, s.merchant.pubkey().to_bytes());
    assert_eq!(receipt.claim.commitment, Fr::from(7u64));
    receipt.verify(&s.issuer_key.public_key()).expect("signed by the issuer");
    assert_eq!(ask(&s, &paid, 7).await.receipt, Some(receipt), "a retry gets the same receipt");
    refused(&s, &paid, 666, 403, "commitment_mismatch").await;
    assert_eq!(s.counted.calls().0, 1, "the payment was read once; every later answer came from the ledger");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_without_a_receipt_memo_is_refused() {
    let s = setup().await;
    let bare = send(&s, &[transfer(&s, &s.mint, &s.merchant.pubkey(), 1_000_000)]).await;
    refused(&s, &bare, 1, 422, "no_receipt_memo").await;
    // A memo that is not a receipt memo (a wallet's note) does not bind anything either.
    let noted =
        send(&s, &[transfer(&s, &s.mint, &s.merchant.pubkey(), 1_000_000), raw_memo(MEMO_PROGRAM_ID, b"hi")]).await;
    refused(&s, &noted, 1, 422, "no_receipt_memo").await;
    assert_eq!(s.counted.calls().1, 0, "no account was read for a payment without a memo");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_with_two_receipt_memos_is_refused() {
    let s = setup().await;
    let two = send(&s, &[transfer(&s, &s.mint, &s.merchant.pubkey(), 1_000_000), memo(1), memo(2)]).await;
    refused(&s, &two, 1, 422, "several_receipt_memos").await;
    refused(&s, &two, 2, 422, "several_receipt_memos").await;
    // Also across the two accepted memo programs.
    let v1 = raw_memo(MEMO_PROGRAM_IDS[1], commitment_memo_text(&Fr::from(4u64)).as_bytes());
    let mixed = send(&s, &[transfer(&s, &s.mint, &s.merchant.pubkey(), 1_000_000), memo(3), v1]).await;
    refused(&s, &mixed, 3, 422, "several_receipt_memos").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_with_a_malformed_receipt_memo_is_refused() {
    let s = setup().await;
    let good = commitment_memo_text(&Fr::from(0xabcdefu64));
    for bad in [good.to_uppercase().replace("ZK402:V1:", "zk402:v1:"), good[..good.len() - 2].to_owned(), good + "00"] {
        let paid = send(
            &s,
            &[transfer(&s, &s.mint, &s.merchant.pubkey(), 1_000_000), raw_memo(MEMO_PROGRAM_ID, bad.as_bytes())],
        )
        .await;
        refused(&s, &paid, 5, 422, "malformed_receipt_memo").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receipt_memo_in_another_transaction_is_refused() {
    let s = setup().await;
    let payment = send(&s, &[transfer(&s, &s.mint, &s.merchant.pubkey(), 1_000_000)]).await;
    let note = send(&s, &[memo(9)]).await;
    refused(&s, &payment, 9, 422, "no_receipt_memo").await;
    refused(&s, &note, 9, 422, "not_a_payment").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_legacy_v1_memo_binds_and_a_foreign_note_beside_it_is_ignored() {
    let s = setup().await;
    let v1 = raw_memo(MEMO_PROGRAM_IDS[1], commitment_memo_text(&Fr::from(11u64)).as_bytes());
    let note = raw_memo(MEMO_PROGRAM_ID, b"order 42");
    let paid = send(&s, &[note, transfer(&s, &s.mint, &s.merchant.pubkey(), 2_000_000), v1]).await;
    let receipt = ask(&s, &paid, 11).await.receipt.expect("receipt");
    assert_eq!((receipt.claim.amount, receipt.claim.commitment), (2_000_000, Fr::from(11u64)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anything_but_a_payment_to_the_merchant_is_refused() {
    let s = setup().await;
    let wrong_mint = send(&s, &[transfer(&s, &s.other_mint, &s.merchant.pubkey(), 1_500_000), memo(1)]).await;
    refused(&s, &wrong_mint, 1, 422, "not_a_payment").await;
    let stranger = Keypair::new();
    s.chain.create_token_account(&stranger.pubkey(), &s.mint).await.unwrap();
    let elsewhere = send(&s, &[transfer(&s, &s.mint, &stranger.pubkey(), 1_500_000), memo(2)]).await;
    refused(&s, &elsewhere, 2, 422, "not_a_payment").await;
    let not_a_transfer = s.chain.airdrop(&s.merchant.pubkey(), 1_000_000_000).await.unwrap().to_string();
    refused(&s, &not_a_transfer, 3, 422, "no_receipt_memo").await;
    // Executed but failed (more than the payer holds): the transfer never happened.
    let overdraft = [transfer(&s, &s.mint, &s.merchant.pubkey(), 1_000_000_000), memo(4)];
    let tx = sign(&s.chain, &overdraft, &s.payer, &[]).await.unwrap();
    assert!(matches!(
        send_and_confirm(&s.chain, &tx, ConfirmOptions::default()).await,
        Err(ChainError::Rejected { .. })
    ));
    refused(&s, &tx.signatures[0].to_string(), 4, 422, "transaction_failed").await;
    let unknown = Keypair::new().sign_message(b"no such transaction").to_string();
    refused(&s, &unknown, 5, 404, "transaction_not_found").await;
    refused(&s, "not base58!", 6, 400, "bad_request").await;
    // None of the refusals is held against a real payment.
    let paid = pay(&s, 1_000_000, 7).await;
    assert!(ask(&s, &paid, 7).await.receipt.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dozens_of_zero_value_transfers_cost_no_account_lookup() {
    let s = setup().await;
    let stranger = Keypair::new();
    s.chain.create_token_account(&stranger.pubkey(), &s.mint).await.unwrap();
    let mut instructions: Vec<Instruction> = (0..30).map(|_| transfer(&s, &s.mint, &stranger.pubkey(), 0)).collect();
    instructions.push(transfer(&s, &s.mint, &s.merchant.pubkey(), 1_000_000));
    instructions.push(memo(8));
    let paid = send(&s, &instructions).await;
    let receipt = ask(&s, &paid, 8).await.receipt.expect("receipt");
    assert_eq!(receipt.claim.amount, 1_000_000);
    assert_eq!(s.counted.calls(), (1, 0), "one transaction fetch; the merchant's account is known by its address");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_needing_more_account_lookups_than_the_cap_is_refused_and_never_read_again() {
    let s = setup().await;
    let mut instructions = vec![transfer(&s, &s.mint, &s.merchant.pubkey(), 1_000_000), memo(12)];
    for _ in 0..=MAX_DESTINATION_LOOKUPS {
        let stranger = Keypair::new();
        s.chain.create_token_account(&stranger.pubkey(), &s.mint).await.unwrap();
        // Twice each: a destination already read is not read again.
        instructions.push(transfer(&s, &s.mint, &stranger.pubkey(), 1));
        instructions.push(transfer(&s, &s.mint, &stranger.pubkey(), 1));
    }
    let spray = send(&s, &instructions).await;
    refused(&s, &spray, 12, 422, "too_many_transfers").await;
    assert_eq!(s.counted.calls(), (1, MAX_DESTINATION_LOOKUPS), "the cap, then the refusal");
    refused(&s, &spray, 12, 422, "too_many_transfers").await;
    refused(&s, &spray, 13, 422, "too_many_transfers").await;
    assert_eq!(s.counted.calls(), (1, MAX_DESTINATION_LOOKUPS), "a refused transaction is answered from the ledger");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_reading_the_chain_too_often_is_limited_and_others_are_not() {
    let s = setup_with(|config| config.rate_limit = RateLimit { per_second: 0.01, burst: 3, max_clients: 100 }).await;
    let paid = pay(&s, 1_000_000, 21).await;
    assert!(ask(&s, &paid, 21).await.receipt.is_some(), "token 1");
    let unknown = |i: u8| Keypair::new().sign_message(&[i]).to_string();
    refused(&s, &unknown(1), 1, 404, "transaction_not_found").await;
    refused(&s, &unknown(2), 1, 404, "transaction_not_found").await;
    let limited = ask(&s, &unknown(3), 1).await;
    assert_eq!((limited.status, limited.code.as_str()), (429, "rate_limited"));
    assert!(limited.retry_after.is_some_and(|seconds| seconds >= 1), "{limited:?}");
    let reads = s.counted.calls().0;
    // What the ledger answers costs no token: the payer can always fetch its receipt again.
    assert!(ask(&s, &paid, 21).await.receipt.is_some());
    // Another address has its own bucket.
    let other = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    let answer = ask_from(&s, Some(other), &unknown(4), 1).await;
    assert_eq!((answer.status, answer.code.as_str()), (404, "transaction_not_found"));
    assert_eq!(s.counted.calls().0, reads + 1, "the limited request never reached the chain");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_are_read_at_finalized_by_default_and_at_the_configured_finality() {
    let s = setup().await;
    let paid = pay(&s, 1_000_000, 31).await;
    assert!(ask(&s, &paid, 31).await.receipt.is_some());
    assert_eq!(*s.counted.finalities.lock().unwrap(), [Finality::Finalized]);
    let s = setup_with(|config| config.finality = Finality::Confirmed).await;
    let paid = pay(&s, 1_000_000, 32).await;
    assert!(ask(&s, &paid, 32).await.receipt.is_some());
    assert_eq!(*s.counted.finalities.lock().unwrap(), [Finality::Confirmed]);
}
