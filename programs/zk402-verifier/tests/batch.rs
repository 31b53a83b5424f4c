//! `verify_batch`: proofs staged in a buffer verified in one pairing check, all or nothing.

mod common;

use common::payments::*;
use common::*;
use solana_signer::Signer;
use zk402_chain::program::{
    MAX_TRANSACTION_SIZE, NullifierSet, ProofSubmission, open_proof_buffer, payment_events, transaction_size,
    verify_batch, verify_payment, write_proof_buffer,
};
use zk402_verifier::errors::ZkError;
use zk402_verifier::state::ProofBuffer;

/// Whether each submission's nullifier is recorded (live) in its shard.
async fn recorded(env: &mut Env, set: &NullifierSet, submissions: &[ProofSubmission]) -> Vec<bool> {
    let mut out = Vec::new();
    for s in submissions {
        out.push(env.shard(set.shard_for(&s.nullifier)).await.shard().expiry_of(&s.nullifier).is_some());
    }
    out
}

#[tokio::test]
async fn batches_of_1_and_10_verify_and_record_every_nullifier() {
    let (mut env, merchant, policy) = setup(21).await;
    let (owner, set) = (env.payer().pubkey(), merchant.set(&env));
    for (buffer_id, n) in [(1u64, 1usize), (2, 10)] {
        let subs: Vec<_> = (0..n).map(|i| merchant.pay(NOW, 1_000 * buffer_id + i as u64)).collect();
        let buffer = stage(&mut env, policy, &set, buffer_id, &subs).await;
        let ix = verify_batch(&owner, &policy, &buffer, &set.all());
        let size = transaction_size(std::slice::from_ref(&ix), &owner);
        println!("verify_batch of {n}: {size} bytes");
        assert!(size <= MAX_TRANSACTION_SIZE);
        let logs = env.send(&[ix], &[]).await.expect("batch verifies");
        assert_eq!(payment_events(&logs).len(), n);
        assert!(recorded(&mut env, &set, &subs).await.iter().all(|r| *r));
        assert!(env.account::<ProofBuffer>(buffer).await.is_none(), "buffer closed");
    }
}

#[tokio::test]
async fn one_bad_proof_fails_the_whole_batch() {
    let (mut env, merchant, policy) = setup(22).await;
    let (owner, set) = (env.payer().pubkey(), merchant.set(&env));
    let mut subs: Vec<_> = (0..4).map(|i| merchant.pay(NOW, 10 + i)).collect();
    subs[2].request_hash[31] ^= 1;
    let buffer = stage(&mut env, policy, &set, 1, &subs).await;
    let result = env.send(&[verify_batch(&owner, &policy, &buffer, &set.all())], &[]).await;
    assert_eq!(anchor_code(&result.unwrap_err()), Some(code(ZkError::ProofInvalid)));
    assert!(recorded(&mut env, &set, &subs).await.iter().all(|r| !*r), "nothing recorded by a failed batch");
    assert!(env.account::<ProofBuffer>(buffer).await.is_some(), "buffer kept for the owner to close");
}

#[tokio::test]
async fn replays_across_and_inside_batches_fail_the_whole_batch() {
    let (mut env, merchant, policy) = setup(23).await;
    let (owner, set) = (env.payer().pubkey(), merchant.set(&env));
    // Across: a spent by verify_payment, c by an earlier batch.
    let a = merchant.pay(NOW, 30);
    env.send(&[verify_payment(&owner, &policy, &set, &a)], &[]).await.unwrap();
    let c = merchant.pay(NOW, 32);
    let buffer = stage(&mut env, policy, &set, 3, std::slice::from_ref(&c)).await;
    env.send(&[verify_batch(&owner, &policy, &buffer, &set.all())], &[]).await.unwrap();
    let b = merchant.pay(NOW, 31);
    for (id, subs) in [(1, vec![b.clone(), a]), (4, vec![b.clone(), c])] {
        let buffer = stage(&mut env, policy, &set, id, &subs).await;
        let result = env.send(&[verify_batch(&owner, &policy, &buffer, &set.all())], &[]).await;
        assert_eq!(anchor_code(&result.unwrap_err()), Some(code(ZkError::NullifierAlreadyUsed)));
    }
    // Inside: the same proof twice in one batch; its first insertion is undone with the batch.
    let twice = vec![b.clone(), b.clone()];
    let buffer = stage(&mut env, policy, &set, 2, &twice).await;
    let result = env.send(&[verify_batch(&owner, &policy, &buffer, &set.all())], &[]).await;
    assert_eq!(anchor_code(&result.unwrap_err()), Some(code(ZkError::NullifierAlreadyUsed)));
    assert_eq!(recorded(&mut env, &set, &[b]).await, vec![false], "all or nothing");
}

#[tokio::test]
async fn buffer_and_account_checks() {
    let (mut env, merchant, policy) = setup(24).await;
    let (owner, set) = (env.payer().pubkey(), merchant.set(&env));
    for count in [0u8, 11] {
        let err =
            env.send(&[open_proof_buffer(&owner, &policy, 100 + u64::from(count), count)], &[]).await.unwrap_err();
        assert_eq!(anchor_code(&err), Some(code(ZkError::BatchSizeInvalid)), "count {count}: {err:?}");
    }

    let subs = vec![merchant.pay(NOW, 40), merchant.pay(NOW, 41)];
    let buffer = stage(&mut env, policy, &set, 1, &subs).await;
    let past_end = write_proof_buffer(&owner, &buffer, 2 * 352 - 1, vec![0, 0]);
    let err = env.send(&[past_end], &[]).await.unwrap_err();
    assert_eq!(anchor_code(&err), Some(code(ZkError::BufferOutOfBounds)), "{err:?}");
    // No shard, or only a shard none of the nullifiers hashes to.
    let none = verify_batch(&owner, &policy, &buffer, &[]);
    assert_eq!(anchor_code(&env.send(&[none], &[]).await.unwrap_err()), Some(code(ZkError::BatchAccountsMismatch)));
    let needed: Vec<_> = subs.iter().map(|s| set.shard_for(&s.nullifier)).collect();
    if let Some(unneeded) = set.all().into_iter().find(|a| !needed.contains(a)) {
        let wrong = verify_batch(&owner, &policy, &buffer, &[unneeded]);
        let err = env.send(&[wrong], &[]).await.unwrap_err();
        assert_eq!(anchor_code(&err), Some(code(ZkError::BatchAccountsMismatch)));
    }

    let other = Merchant::new(25);
    let other_policy = other.register(&mut env).await;
    let wrong_policy = verify_batch(&owner, &other_policy, &buffer, &set.all());
    assert_eq!(anchor_code(&env.send(&[wrong_policy], &[]).await.unwrap_err()), Some(code(ZkError::PolicyMismatch)));

    let stranger = env.funded(1_000_000_000).await;
    let steal = write_proof_buffer(&stranger.pubkey(), &buffer, 0, vec![1]);
    let err = env.send(&[steal], &[&stranger]).await.unwrap_err();
    assert_eq!(anchor_code(&err), Some(anchor_lang::error::ErrorCode::ConstraintHasOne as u32));

    env.send(&[verify_batch(&owner, &policy, &buffer, &set.all())], &[]).await.expect("the staged batch is intact");
}
