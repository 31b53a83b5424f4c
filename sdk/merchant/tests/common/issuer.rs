//! The receipt issuer over its real HTTP endpoint on loopback, against the in-process runtime:
//! a funded payer, a merchant with token accounts of two mints, the issuer counting what it
//! asks of the chain, and the payments and requests the issuer tests make.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_signer::Signer;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use zk402_chain::local::LocalChain;
use zk402_chain::memo::commitment_memo;
use zk402_chain::submit::{ConfirmOptions, submit_and_confirm};
use zk402_chain::token::{TOKEN_PROGRAM_ID, associated_token_address, spl_token};
use zk402_chain::{Account, Chain, ChainError, ConfirmedTransaction, Finality};
use zk402_circuit::{Fr, IssueRequest, Receipt, SigningKey};
use zk402_merchant::issuer::{Issuer, IssuerConfig, Ledger, router};

pub const PAID_AT: i64 = 1_795_000_000;

/// The in-process cluster, counting what the issuer asks of it.
#[derive(Clone)]
pub struct Counted {
    pub chain: LocalChain,
    pub transactions: Arc<AtomicUsize>,
    pub accounts: Arc<AtomicUsize>,
    pub finalities: Arc<Mutex<Vec<Finality>>>,
}

impl Counted {
    /// (transaction fetches, account reads) so far.
    pub fn calls(&self) -> (usize, usize) {
        (self.transactions.load(Ordering::SeqCst), self.accounts.load(Ordering::SeqCst))
    }
}

impl Chain for Counted {
    async fn latest_blockhash(&self) -> Result<solana_hash::Hash, ChainError> {
        self.chain.latest_blockhash().await
    }

    async fn send_transaction(
        &self,
        transaction: &solana_transaction::versioned::VersionedTransaction,
    ) -> Result<Signature, ChainError> {
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

pub struct Setup {
    pub chain: LocalChain,
    /// What the issuer asked of the chain.
    pub counted: Counted,
    pub issuer_key: SigningKey,
    pub url: String,
    pub payer: Keypair,
    pub merchant: Keypair,
    pub mint: Pubkey,
    pub other_mint: Pubkey,
    pub http: reqwest::Client,
    pub _server: tokio::task::JoinHandle<()>,
    pub _dir: tempfile::TempDir,
}

pub async fn setup() -> Setup {
    setup_with(|_| {}).await
}

/// A funded payer and a merchant with token accounts of two mints, and the issuer (configured
/// by `configure`) serving on loopback with the peer address of each connection.
pub async fn setup_with(configure: impl FnOnce(&mut IssuerConfig)) -> Setup {
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
pub fn transfer(s: &Setup, mint: &Pubkey, to: &Pubkey, amount: u64) -> Instruction {
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
pub fn memo(commitment: u64) -> Instruction {
    commitment_memo(&Fr::from(commitment))
}

/// A memo instruction of `program` with arbitrary data.
pub fn raw_memo(program: Pubkey, data: &[u8]) -> Instruction {
    Instruction { program_id: program, accounts: vec![], data: data.to_vec() }
}

/// Executes `instructions` signed by the payer; its signature.
pub async fn send(s: &Setup, instructions: &[Instruction]) -> String {
    submit_and_confirm(&s.chain, instructions, &s.payer, &[], ConfirmOptions::default())
        .await
        .expect("transaction")
        .signature
        .to_string()
}

/// A payment of `amount` to the merchant naming `commitment`.
pub async fn pay(s: &Setup, amount: u64, commitment: u64) -> String {
    send(s, &[transfer(s, &s.mint, &s.merchant.pubkey(), amount), memo(commitment)]).await
}

/// What the issuer answered: the status, the receipt on success, the error code otherwise.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub receipt: Option<Receipt>,
    pub code: String,
    pub retry_after: Option<u64>,
}

pub async fn ask_from(s: &Setup, from: Option<IpAddr>, transaction: &str, commitment: u64) -> Answer {
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

pub async fn ask(s: &Setup, transaction: &str, commitment: u64) -> Answer {
    ask_from(s, None, transaction, commitment).await
}

/// Asserts the issuer refuses `transaction` with `status` and `code`.
pub async fn refused(s: &Setup, transaction: &str, commitment: u64, status: u16, code: &str) {
    let answer = ask(s, transaction, commitment).await;
    assert_eq!((answer.status, answer.code.as_str()), (status, code), "{answer:?}");
}
