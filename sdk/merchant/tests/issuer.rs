//! The receipt issuer against real SPL Token transfers on the in-process cluster: a transfer of
//! the mint to the merchant gets one receipt (retries with the same commitment get it again),
//! anything else is refused and nothing is recorded for it.

use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;
use zk402_chain::local::LocalChain;
use zk402_chain::submit::{ConfirmOptions, submit_and_confirm};
use zk402_chain::token::{TOKEN_PROGRAM_ID, associated_token_address, spl_token};
use zk402_circuit::{Fr, IssueRequest, SigningKey};
use zk402_merchant::issuer::{IssueError, Issuer, IssuerConfig, Ledger, TransferError};

const PAID_AT: i64 = 1_795_000_000;

struct Setup {
    chain: LocalChain,
    issuer: Issuer<LocalChain>,
    payer: Keypair,
    merchant: Keypair,
    mint: Pubkey,
    other_mint: Pubkey,
    _dir: tempfile::TempDir,
}

async fn setup() -> Setup {
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
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(&dir.path().join("issuer.sqlite")).unwrap();
    let config = IssuerConfig { mint, recipient: merchant.pubkey() };
    let issuer = Issuer::new(chain.clone(), SigningKey::from_seed(&[9; 32]), config, ledger);
    Setup { chain, issuer, payer, merchant, mint, other_mint, _dir: dir }
}

/// Transfers `amount` of `mint` from the payer to `to`'s associated account; returns the
/// signature.
async fn transfer(s: &Setup, mint: &Pubkey, to: &Pubkey, amount: u64) -> String {
    let ix = spl_token::instruction::transfer_checked(
        &TOKEN_PROGRAM_ID,
        &associated_token_address(&s.payer.pubkey(), mint),
        mint,
        &associated_token_address(to, mint),
        &s.payer.pubkey(),
        &[],
        amount,
        6,
    )
    .unwrap();
    submit_and_confirm(&s.chain, &[ix], &s.payer, &[], ConfirmOptions::default())
        .await
        .expect("transfer")
        .signature
        .to_string()
}

fn request(transaction: &str, commitment: u64) -> IssueRequest {
    IssueRequest { transaction: transaction.into(), commitment: Fr::from(commitment) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_receipt_per_payment_and_idempotent_retries() {
    let s = setup().await;
    let paid = transfer(&s, &s.mint, &s.merchant.pubkey(), 1_500_000).await;
    let receipt = s.issuer.issue(&request(&paid, 7)).await.expect("receipt");
    assert_eq!(receipt.claim.amount, 1_500_000);
    assert_eq!(receipt.claim.paid_at, PAID_AT as u64);
    assert_eq!(receipt.claim.recipient, s.merchant.pubkey().to_bytes());
    assert_eq!(receipt.claim.commitment, Fr::from(7u64));
    receipt.verify(&s.issuer.public_key()).expect("signed by the issuer");
    assert_eq!(s.issuer.issue(&request(&paid, 7)).await.expect("retry"), receipt, "a retry gets the same receipt");
    assert!(matches!(s.issuer.issue(&request(&paid, 8)).await, Err(IssueError::AlreadyIssued)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anything_but_a_payment_to_the_merchant_is_refused() {
    let s = setup().await;
    let wrong_mint = transfer(&s, &s.other_mint, &s.merchant.pubkey(), 1_500_000).await;
    assert!(matches!(
        s.issuer.issue(&request(&wrong_mint, 1)).await,
        Err(IssueError::Transfer(TransferError::NoPayment))
    ));
    let stranger = Keypair::new();
    s.chain.create_token_account(&stranger.pubkey(), &s.mint).await.unwrap();
    let elsewhere = transfer(&s, &s.mint, &stranger.pubkey(), 1_500_000).await;
    assert!(matches!(
        s.issuer.issue(&request(&elsewhere, 2)).await,
        Err(IssueError::Transfer(TransferError::NoPayment))
    ));
    let not_a_transfer = s.chain.airdrop(&s.merchant.pubkey(), 1_000_000_000).await.unwrap().to_string();
    assert!(matches!(
        s.issuer.issue(&request(&not_a_transfer, 3)).await,
        Err(IssueError::Transfer(TransferError::NoPayment))
    ));
    let unknown = solana_signature_of(&Keypair::new());
    assert!(matches!(s.issuer.issue(&request(&unknown, 4)).await, Err(IssueError::NotFound)));
    assert!(matches!(s.issuer.issue(&request("not base58!", 5)).await, Err(IssueError::BadRequest(_))));
    // None of the refusals was recorded: a real payment still gets its receipt.
    let paid = transfer(&s, &s.mint, &s.merchant.pubkey(), 1_000_000).await;
    s.issuer.issue(&request(&paid, 6)).await.expect("receipt");
}

/// A well-formed signature no transaction has.
fn solana_signature_of(key: &Keypair) -> String {
    key.sign_message(b"no such transaction").to_string()
}
