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

mod common;

use anchor_lang::solana_program::instruction::Instruction;
use common::issuer::*;
use solana_keypair::Keypair;
use solana_signer::Signer;
use std::net::{IpAddr, Ipv4Addr};
use zk402_chain::memo::{MEMO_PROGRAM_ID, MEMO_PROGRAM_IDS, commitment_memo_text};
use zk402_chain::submit::{ConfirmOptions, send_and_confirm, sign};
use zk402_chain::{ChainError, Finality};
use zk402_circuit::Fr;
use zk402_merchant::issuer::MAX_DESTINATION_LOOKUPS;
use zk402_merchant::issuer::rate_limit::RateLimit;

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
