//! The program through the sdk with real proofs: a payment verified, found again by its
//! signature (with its event) and by its nullifier in the policy's set, refused on replay; a
//! batch staged under the transaction size limit and verified; an expired shard closed.

mod common;

use common::*;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;
use zk402_chain::program::{self, MAX_TRANSACTION_SIZE};
use zk402_chain::{Chain, ChainError, Finality};

#[tokio::test]
async fn a_verified_payment_is_found_by_signature_and_nullifier_and_refused_on_replay() {
    let chain = chain().await;
    let merchant = Merchant::new(11);
    let policy = merchant.register(&chain).await;
    let payer = chain.payer();
    let submission = merchant.pay(NOW, 42);

    let ix = program::verify_payment(&payer.pubkey(), &policy, &merchant.set(), &submission);
    assert!(program::transaction_size(std::slice::from_ref(&ix), &payer.pubkey()) <= MAX_TRANSACTION_SIZE);
    let confirmed = send(&chain, std::slice::from_ref(&ix), &[]).await.expect("valid proof verifies");

    let found = chain.transaction(&confirmed.signature, Finality::Confirmed).await.unwrap().expect("in the ledger");
    assert_eq!(found.error, None);
    assert_eq!(found.block_time, Some(NOW));
    assert!(found.account_keys().contains(&program::PROGRAM_ID));
    let events = program::payment_events(&found.logs);
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(
        (event.policy, event.nullifier, event.request_hash, event.now),
        (policy, submission.nullifier, submission.request_hash, NOW)
    );

    let expires_at = program::fetch_nullifier_expiry(&chain, &policy, &submission.nullifier).await.unwrap();
    assert_eq!(expires_at, Some(NOW + 3_600 + 60));
    assert_eq!(program::fetch_nullifier_expiry(&chain, &policy, &[9; 32]).await.unwrap(), None);

    // The same instruction again (new blockhash, so not a duplicate): the nullifier is spent.
    let replay = send(&chain, &[ix], &[]).await.unwrap_err();
    let ChainError::Rejected { error, logs } = replay else { panic!("expected a rejection, got {replay:?}") };
    let used = anchor_lang::error::ERROR_CODE_OFFSET + zk402_verifier::errors::ZkError::NullifierAlreadyUsed as u32;
    assert_eq!(error, TransactionError::InstructionError(0, solana_instruction_error::InstructionError::Custom(used)));
    let failed = format!("failed: custom program error: {used:#x}");
    assert!(logs.iter().any(|l| l.ends_with(&failed)), "{logs:?}");
    assert!(program::payment_events(&logs).is_empty());

    // After the last expiry the authority closes the shard and takes its rent back.
    chain.set_unix_time(NOW + 3_600 + 60 + 1).await.unwrap();
    let shard = merchant.set().shard_for(&submission.nullifier);
    let close = program::close_nullifier_shard(&merchant.authority.pubkey(), &shard);
    zk402_chain::submit::submit_and_confirm(&chain, &[close], &merchant.authority, &[], Default::default())
        .await
        .unwrap();
    assert!(chain.account(&shard).await.unwrap().is_none());
    assert_eq!(program::fetch_nullifier_expiry(&chain, &policy, &submission.nullifier).await.unwrap(), None);
}

#[tokio::test]
async fn a_staged_batch_verifies_in_one_transaction() {
    let chain = chain().await;
    let merchant = Merchant::new(12);
    let policy = merchant.register(&chain).await;
    let owner = chain.payer();
    let submissions: Vec<_> = (0..3).map(|i| merchant.pay(NOW, 100 + i)).collect();

    let staged = program::stage_batch(&owner.pubkey(), &policy, &merchant.set(), 1, &submissions).unwrap();
    for ixs in &staged.transactions {
        assert!(program::transaction_size(ixs, &owner.pubkey()) <= MAX_TRANSACTION_SIZE);
        send(&chain, ixs, &[]).await.expect("staging transaction");
    }
    let confirmed = send(&chain, std::slice::from_ref(&staged.verify), &[]).await.expect("batch verifies");
    let events = program::payment_events(&confirmed.logs);
    assert_eq!(events.len(), 3);
    for (event, submission) in events.iter().zip(&submissions) {
        assert_eq!((event.nullifier, event.request_hash), (submission.nullifier, submission.request_hash));
        assert!(program::fetch_nullifier_expiry(&chain, &policy, &submission.nullifier).await.unwrap().is_some());
    }
    assert!(chain.account(&staged.buffer).await.unwrap().is_none(), "buffer closed by verify_batch");

    // An unused buffer can be closed by its owner.
    let spare = program::stage_batch(&owner.pubkey(), &policy, &merchant.set(), 2, &submissions[..1]).unwrap();
    send(&chain, &spare.transactions[0], &[]).await.unwrap();
    send(&chain, &[program::close_proof_buffer(&owner.pubkey(), &spare.buffer)], &[]).await.unwrap();
    assert!(chain.account(&spare.buffer).await.unwrap().is_none());
}
