//! `verify_batch`: proofs staged in a buffer verified in one pairing check, all or nothing.

mod common;

use anchor_lang::prelude::Pubkey;
use common::payments::*;
use common::*;
use solana_signer::Signer;
use zk402_chain::program::{
    MAX_TRANSACTION_SIZE, ProofSubmission, nullifier_address, open_proof_buffer, payment_events, transaction_size,
    verify_batch, verify_payment, write_proof_buffer,
};
use zk402_verifier::errors::ZkError;
use zk402_verifier::state::{NullifierRecord, ProofBuffer};

fn records(submissions: &[ProofSubmission]) -> Vec<Pubkey> {
    submissions.iter().map(|s| nullifier_address(&s.nullifier)).collect()
}

#[tokio::test]
async fn batches_of_1_and_10_verify_and_record_every_nullifier() {
    let (mut env, merchant, policy) = setup(21).await;
    let owner = env.payer().pubkey();
    for (buffer_id, n) in [(1u64, 1usize), (2, 10)] {
        let subs: Vec<_> = (0..n).map(|i| merchant.pay(NOW, 1_000 * buffer_id + i as u64)).collect();
        let buffer = stage(&mut env, policy, buffer_id, &subs).await;
        let ix = verify_batch(&owner, &policy, &buffer, &records(&subs));
        let size = transaction_size(std::slice::from_ref(&ix), &owner);
        println!("verify_batch of {n}: {size} bytes");
        assert!(size <= MAX_TRANSACTION_SIZE);
        let logs = env.send(&[ix], &[]).await.expect("batch verifies");
        assert_eq!(payment_events(&logs).len(), n);
        for r in records(&subs) {
            assert!(env.account::<NullifierRecord>(r).await.is_some());
        }
        assert!(env.account::<ProofBuffer>(buffer).await.is_none(), "buffer closed");
    }
}

#[tokio::test]
async fn one_bad_proof_fails_the_whole_batch() {
    let (mut env, merchant, policy) = setup(22).await;
    let owner = env.payer().pubkey();
    let mut subs: Vec<_> = (0..4).map(|i| merchant.pay(NOW, 10 + i)).collect();
    subs[2].request_hash[31] ^= 1;
    let buffer = stage(&mut env, policy, 1, &subs).await;
    let result = env.send(&[verify_batch(&owner, &policy, &buffer, &records(&subs))], &[]).await;
    assert_eq!(anchor_code(&result.unwrap_err()), Some(code(ZkError::ProofInvalid)));
    for r in records(&subs) {
        assert!(env.account::<NullifierRecord>(r).await.is_none(), "no record from a failed batch");
    }
    assert!(env.account::<ProofBuffer>(buffer).await.is_some(), "buffer kept for the owner to close");
}

#[tokio::test]
async fn spent_or_repeated_nullifiers_fail_the_batch() {
    let (mut env, merchant, policy) = setup(23).await;
    let owner = env.payer().pubkey();
    let a = merchant.pay(NOW, 30);
    env.send(&[verify_payment(&owner, &policy, &a)], &[]).await.unwrap();
    let b = merchant.pay(NOW, 31);
    let subs = vec![b.clone(), a];
    let buffer = stage(&mut env, policy, 1, &subs).await;
    let result = env.send(&[verify_batch(&owner, &policy, &buffer, &records(&subs))], &[]).await;
    assert_eq!(anchor_code(&result.unwrap_err()), Some(code(ZkError::NullifierAlreadyUsed)));
    let twice = vec![b.clone(), b];
    let buffer = stage(&mut env, policy, 2, &twice).await;
    let result = env.send(&[verify_batch(&owner, &policy, &buffer, &records(&twice))], &[]).await;
    assert_eq!(anchor_code(&result.unwrap_err()), Some(code(ZkError::NullifierAlreadyUsed)));
}

#[tokio::test]
async fn buffer_and_account_checks() {
    let (mut env, merchant, policy) = setup(24).await;
    let owner = env.payer().pubkey();
    for count in [0u8, 11] {
        let err =
            env.send(&[open_proof_buffer(&owner, &policy, 100 + u64::from(count), count)], &[]).await.unwrap_err();
        assert_eq!(anchor_code(&err), Some(code(ZkError::BatchSizeInvalid)), "count {count}: {err:?}");
    }

    let subs = vec![merchant.pay(NOW, 40), merchant.pay(NOW, 41)];
    let buffer = stage(&mut env, policy, 1, &subs).await;
    let past_end = write_proof_buffer(&owner, &buffer, 2 * 352 - 1, vec![0, 0]);
    let err = env.send(&[past_end], &[]).await.unwrap_err();
    assert_eq!(anchor_code(&err), Some(code(ZkError::BufferOutOfBounds)), "{err:?}");
    let short = verify_batch(&owner, &policy, &buffer, &records(&subs)[..1]);
    assert_eq!(anchor_code(&env.send(&[short], &[]).await.unwrap_err()), Some(code(ZkError::BatchAccountsMismatch)));

    let other = Merchant::new(25);
    let other_policy = other.register(&mut env).await;
    let wrong_policy = verify_batch(&owner, &other_policy, &buffer, &records(&subs));
    assert_eq!(anchor_code(&env.send(&[wrong_policy], &[]).await.unwrap_err()), Some(code(ZkError::PolicyMismatch)));

    let stranger = env.funded(1_000_000_000).await;
    let steal = write_proof_buffer(&stranger.pubkey(), &buffer, 0, vec![1]);
    let err = env.send(&[steal], &[&stranger]).await.unwrap_err();
    assert_eq!(anchor_code(&err), Some(anchor_lang::error::ErrorCode::ConstraintHasOne as u32));

    env.send(&[verify_batch(&owner, &policy, &buffer, &records(&subs))], &[])
        .await
        .expect("the staged batch is intact");
}
