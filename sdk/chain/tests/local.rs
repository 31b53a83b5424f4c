//! The in-process cluster behind the `Chain` trait: policies through the builders, the ledger
//! of executed transactions, the clock, blockhashes, submit-and-confirm's outcomes, SPL Token
//! through the real token program, and the decoders against real accounts.

mod common;

use anchor_lang::prelude::Pubkey;
use common::*;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;
use std::time::Duration;
use zk402_chain::local::LocalChain;
use zk402_chain::program::{self, PROGRAM_ID, PolicyUpdate};
use zk402_chain::submit::{ConfirmOptions, submit_and_confirm};
use zk402_chain::token::{self, spl_token};
use zk402_chain::{Account, Chain, ChainError, ConfirmedTransaction, Finality};

/// The anchor error code of a rejected transaction.
fn custom_code(err: &ChainError) -> Option<u32> {
    match err {
        ChainError::Rejected {
            error: TransactionError::InstructionError(_, solana_instruction_error::InstructionError::Custom(code)),
            ..
        } => Some(*code),
        _ => None,
    }
}

fn zk_code(e: zk402_verifier::errors::ZkError) -> u32 {
    anchor_lang::error::ERROR_CODE_OFFSET + e as u32
}

#[tokio::test]
async fn policy_create_update_close_through_the_builders() {
    let chain = chain().await;
    let merchant = Merchant::new(1);
    let address = merchant.register(&chain).await;

    // The forwarder is in place: without it the `init` CPI would do nothing and return Ok.
    let policy = program::fetch_policy(&chain, &address).await.unwrap().expect("policy created");
    assert_eq!(policy.authority, merchant.authority.pubkey());
    assert_eq!((policy.price, policy.max_age, policy.clock_window), (1_000_000, 3_600, 60));
    assert_eq!(policy.issuer, merchant.params.issuer);
    let registration = chain.account(&program::issuer_address(&merchant.params.issuer)).await.unwrap();
    assert_eq!(registration.expect("issuer registered").owner, PROGRAM_ID);

    let authority = merchant.authority.pubkey();
    let update = PolicyUpdate { price: 2_000_000, max_age: 1_800, clock_window: 30 };
    send(&chain, &[program::update_policy(&authority, &address, update)], &[&merchant.authority]).await.unwrap();
    let updated = program::fetch_policy(&chain, &address).await.unwrap().unwrap();
    assert_eq!((updated.price, updated.max_age, updated.clock_window), (2_000_000, 1_800, 30));
    assert_ne!(updated.policy_hash, policy.policy_hash);

    let raise = PolicyUpdate { price: 2_000_000, max_age: 3_600, clock_window: 30 };
    let err =
        send(&chain, &[program::update_policy(&authority, &address, raise)], &[&merchant.authority]).await.unwrap_err();
    assert_eq!(custom_code(&err), Some(zk_code(zk402_verifier::errors::ZkError::MaxAgeRaised)), "{err:?}");

    let before = chain.account(&authority).await.unwrap().unwrap().lamports;
    send(&chain, &[program::close_policy(&authority, &address)], &[&merchant.authority]).await.unwrap();
    assert_eq!(program::fetch_policy(&chain, &address).await.unwrap().map(|p| p.policy_id), None);
    assert!(chain.account(&authority).await.unwrap().unwrap().lamports > before, "rent returned");
}

#[tokio::test]
async fn the_ledger_records_slot_block_time_and_logs_of_each_transaction() {
    let chain = chain().await;
    let to = Pubkey::new_unique();
    let signature = chain.airdrop(&to, 5_000_000).await.unwrap();
    let confirmed = chain.transaction(&signature, Finality::Confirmed).await.unwrap().expect("recorded");
    assert_eq!(confirmed.signature, signature);
    assert_eq!(confirmed.block_time, Some(NOW));
    assert!(confirmed.slot >= 1);
    assert_eq!(confirmed.error, None);
    assert!(confirmed.logs.iter().any(|l| l.starts_with("Program 11111111111111111111111111111111 invoke")));
    assert_eq!(chain.account(&to).await.unwrap().unwrap().lamports, 5_000_000);
    assert_eq!(chain.transaction(&solana_signature::Signature::default(), Finality::Confirmed).await.unwrap(), None);

    chain.set_unix_time(NOW + 1_000).await.unwrap();
    assert_eq!(chain.unix_time().await.unwrap(), NOW + 1_000);
    let later = chain.airdrop(&to, 1).await.unwrap();
    assert_eq!(chain.transaction(&later, Finality::Confirmed).await.unwrap().unwrap().block_time, Some(NOW + 1_000));
}

#[tokio::test]
async fn a_transaction_reads_as_finalized_once_its_slot_is_rooted() {
    let chain = chain().await;
    let signature = chain.airdrop(&Pubkey::new_unique(), 5_000_000).await.unwrap();
    let confirmed = chain.transaction(&signature, Finality::Confirmed).await.unwrap().expect("executed");
    // The runtime's root is its working slot (one validator with all stake): rooted at once.
    let finalized = chain.transaction(&signature, Finality::Finalized).await.unwrap().expect("rooted");
    assert_eq!(finalized, confirmed);
    let unknown = solana_signature::Signature::from([7; 64]);
    assert_eq!(chain.transaction(&unknown, Finality::Finalized).await.unwrap(), None);
}

#[tokio::test]
async fn blockhashes_are_fresh_so_identical_instructions_send_twice() {
    let chain = chain().await;
    let a = chain.latest_blockhash().await.unwrap();
    let b = chain.latest_blockhash().await.unwrap();
    assert_ne!(a, b);
    let to = Pubkey::new_unique();
    let first = chain.airdrop(&to, 1_000_000).await.unwrap();
    let second = chain.airdrop(&to, 1_000_000).await.unwrap();
    assert_ne!(first, second);
    assert_eq!(chain.account(&to).await.unwrap().unwrap().lamports, 2_000_000);
    // The genesis hash identifies the cluster (CAIP-2 uses its first 32 base58 characters).
    assert!(chain.genesis_hash().to_string().len() >= 32);
}

#[tokio::test]
async fn an_identical_resend_and_an_unsigned_transaction_are_rejected_not_recorded() {
    let chain = chain().await;
    let payer = chain.payer();
    let ix =
        anchor_lang::solana_program::system_instruction::transfer(&payer.pubkey(), &Pubkey::new_unique(), 1_000_000);
    let blockhash = chain.latest_blockhash().await.unwrap();
    let tx = solana_transaction::Transaction::new_signed_with_payer(
        std::slice::from_ref(&ix),
        Some(&payer.pubkey()),
        &[&payer],
        blockhash,
    )
    .into();
    chain.send_transaction(&tx).await.unwrap();
    let again = chain.send_transaction(&tx).await.unwrap_err();
    assert!(matches!(again, ChainError::Rejected { error: TransactionError::AlreadyProcessed, .. }), "{again:?}");

    let stranger = Keypair::new();
    let err = submit_and_confirm(&chain, &[ix], &payer, &[&stranger], ConfirmOptions::default()).await.unwrap_err();
    assert!(matches!(err, ChainError::Rejected { error: TransactionError::SignatureFailure, .. }), "{err:?}");
}

/// A cluster that sends to the real one but whose transaction lookups return nothing for the
/// first `hidden` polls (an RPC node that has not seen the block yet), and that skips preflight:
/// a failing transaction is sent anyway and only its lookup tells it failed.
#[derive(Clone)]
struct SlowNode {
    chain: LocalChain,
    hidden: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Chain for SlowNode {
    async fn latest_blockhash(&self) -> Result<solana_hash::Hash, ChainError> {
        self.chain.latest_blockhash().await
    }
    async fn send_transaction(
        &self,
        transaction: &solana_transaction::versioned::VersionedTransaction,
    ) -> Result<solana_signature::Signature, ChainError> {
        match self.chain.send_transaction(transaction).await {
            Err(ChainError::Rejected { .. }) => Ok(transaction.signatures[0]),
            other => other,
        }
    }
    async fn transaction(
        &self,
        signature: &solana_signature::Signature,
        finality: Finality,
    ) -> Result<Option<ConfirmedTransaction>, ChainError> {
        use std::sync::atomic::Ordering;
        if self.hidden.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
            return Ok(None);
        }
        self.chain.transaction(signature, finality).await
    }
    async fn account(&self, address: &Pubkey) -> Result<Option<Account>, ChainError> {
        self.chain.account(address).await
    }
    async fn unix_time(&self) -> Result<i64, ChainError> {
        self.chain.unix_time().await
    }
}

#[tokio::test]
async fn submit_and_confirm_polls_times_out_and_reports_executed_failures() {
    let chain = chain().await;
    let payer = chain.payer();
    let node = |hidden: usize| SlowNode { chain: chain.clone(), hidden: std::sync::Arc::new(hidden.into()) };
    let transfer = |lamports| {
        anchor_lang::solana_program::system_instruction::transfer(&payer.pubkey(), &Pubkey::new_unique(), lamports)
    };
    let quick = ConfirmOptions { timeout: Duration::from_millis(300), poll_interval: Duration::from_millis(20) };

    // Seen on the third lookup: confirmed within the timeout.
    let confirmed = submit_and_confirm(&node(2), &[transfer(1_000_000)], &payer, &[], quick).await.unwrap();
    assert_eq!(confirmed.error, None);

    // Never seen within the timeout: Timeout with the signature, after about the timeout.
    let started = std::time::Instant::now();
    let err = submit_and_confirm(&node(usize::MAX), &[transfer(2_000_000)], &payer, &[], quick).await.unwrap_err();
    let ChainError::Timeout(signature) = err else { panic!("expected a timeout, got {err:?}") };
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(300) && waited < Duration::from_secs(3), "{waited:?}");
    assert!(
        chain.transaction(&signature, Finality::Confirmed).await.unwrap().is_some(),
        "it did execute: a timeout is not a failure"
    );

    // Executed but failed (more lamports than the payer has): Rejected with the logs.
    let poor = Keypair::new();
    chain.airdrop(&poor.pubkey(), 10_000_000).await.unwrap();
    let too_much =
        anchor_lang::solana_program::system_instruction::transfer(&poor.pubkey(), &Pubkey::new_unique(), 1_000_000_000);
    let err = submit_and_confirm(&node(0), &[too_much], &poor, &[], quick).await.unwrap_err();
    let ChainError::Rejected { error, logs } = err else { panic!("expected a rejection, got {err:?}") };
    assert!(matches!(error, TransactionError::InstructionError(0, _)), "{error:?}");
    assert!(logs.iter().any(|l| l.contains("insufficient lamports")), "{logs:?}");
}

#[tokio::test]
async fn token_mint_transfer_round_trip_through_spl_token() {
    let chain = chain().await;
    let mint_authority = Keypair::new();
    let mint = chain.create_mint(&mint_authority.pubkey(), 6).await.unwrap();
    assert_eq!(token::fetch_mint(&chain, &mint).await.unwrap().unwrap().decimals, 6);

    let payer = Keypair::new();
    let merchant = Pubkey::new_unique();
    chain.airdrop(&payer.pubkey(), 1_000_000_000).await.unwrap();
    let from = chain.create_token_account(&payer.pubkey(), &mint).await.unwrap();
    let to = chain.create_token_account(&merchant, &mint).await.unwrap();
    assert_eq!(to, token::associated_token_address(&merchant, &mint));
    assert_eq!(chain.create_token_account(&merchant, &mint).await.unwrap(), to, "idempotent");
    chain.mint_to(&mint, &from, &mint_authority, 5_000_000).await.unwrap();

    let transfer = spl_token::instruction::transfer_checked(
        &token::TOKEN_PROGRAM_ID,
        &from,
        &mint,
        &to,
        &payer.pubkey(),
        &[],
        1_500_000,
        6,
    )
    .unwrap();
    let confirmed = submit_and_confirm(&chain, &[transfer], &payer, &[], ConfirmOptions::default()).await.unwrap();
    assert_eq!(confirmed.account_keys()[0], payer.pubkey());

    let source = token::fetch_token_account(&chain, &from).await.unwrap().unwrap();
    let destination = token::fetch_token_account(&chain, &to).await.unwrap().unwrap();
    assert_eq!((source.amount, destination.amount), (3_500_000, 1_500_000));
    assert_eq!((destination.owner, destination.mint), (merchant, mint));

    // A mint is not a token account; a system account is neither.
    assert!(matches!(token::fetch_token_account(&chain, &mint).await, Err(ChainError::Decode(_))));
    assert!(matches!(token::fetch_mint(&chain, &payer.pubkey()).await, Err(ChainError::Decode(_))));
}

#[tokio::test]
async fn decoders_reject_accounts_of_other_owners_or_types() {
    let chain = chain().await;
    let merchant = Merchant::new(2);
    let policy = merchant.register(&chain).await;
    // A system account where a policy is expected; a policy where a shard is expected.
    let system = program::fetch_policy(&chain, &chain.payer().pubkey()).await.unwrap_err();
    assert!(matches!(system, ChainError::Decode(ref m) if m.contains("owned by")), "{system:?}");
    let account = chain.account(&policy).await.unwrap().unwrap();
    assert!(matches!(program::decode_shard(&policy, &account), Err(ChainError::Decode(_))));
    let short = Account { data: account.data[..40].to_vec(), ..account.clone() };
    assert!(matches!(program::decode_policy(&policy, &short), Err(ChainError::Decode(_))));
    assert_eq!(program::fetch_nullifier_expiry(&chain, &policy, &[9; 32]).await.unwrap(), None);
}

#[tokio::test]
async fn signatures_for_address_lists_the_transactions_naming_it_newest_first_in_pages() {
    use anchor_lang::solana_program::system_instruction::transfer;
    use zk402_chain::SignatureInfo;
    use zk402_chain::submit::sign;

    let chain = chain().await;
    let payer = chain.payer();
    let watched = Pubkey::new_unique();
    let send = |to: Pubkey, lamports: u64| {
        let (chain, payer) = (chain.clone(), payer.insecure_clone());
        async move {
            let tx = sign(&chain, &[transfer(&payer.pubkey(), &to, lamports)], &payer, &[]).await.unwrap();
            let outcome = chain.send_transaction(&tx).await;
            (tx.signatures[0], outcome.err())
        }
    };
    let (first, _) = send(watched, 1_000_000).await;
    let (_elsewhere, _) = send(Pubkey::new_unique(), 1_000_000).await;
    chain.set_unix_time(NOW + 100).await.unwrap();
    let (failed, error) = send(watched, u64::MAX).await;
    assert!(matches!(error, Some(ChainError::Rejected { .. })), "{error:?}");
    let (last, _) = send(watched, 2_000_000).await;

    let all = chain.signatures_for_address(&watched, None, 10).await.unwrap();
    let signatures: Vec<_> = all.iter().map(|info| info.signature).collect();
    assert_eq!(signatures, [last, failed, first], "newest first, the failed one included, the other one not");
    let times: Vec<_> = all.iter().map(|info| info.block_time).collect();
    assert_eq!(times, [Some(NOW + 100), Some(NOW + 100), Some(NOW)]);
    assert_eq!(all[0].error, None);
    assert!(all[1].error.is_some());
    let recorded = chain.transaction(&first, Finality::Confirmed).await.unwrap().unwrap();
    assert_eq!(all[2], SignatureInfo { signature: first, slot: recorded.slot, block_time: Some(NOW), error: None });

    // Pages: the last signature of one page starts the next; past the oldest, nothing.
    let page = chain.signatures_for_address(&watched, None, 2).await.unwrap();
    assert_eq!(page, all[..2]);
    let next = chain.signatures_for_address(&watched, Some(page[1].signature), 2).await.unwrap();
    assert_eq!(next, all[2..]);
    assert!(chain.signatures_for_address(&watched, Some(first), 2).await.unwrap().is_empty());
    let unknown = solana_signature::Signature::from([7; 64]);
    assert!(chain.signatures_for_address(&watched, Some(unknown), 2).await.unwrap().is_empty());
    assert_eq!(chain.signatures_for_address(&watched, None, 0).await.unwrap(), all[..1], "limit clamped to 1");
    assert!(chain.signatures_for_address(&Pubkey::new_unique(), None, 10).await.unwrap().is_empty());
    let by_payer = chain.signatures_for_address(&payer.pubkey(), None, 10).await.unwrap();
    assert_eq!(by_payer.len(), 4, "the fee payer signed all four");
}
