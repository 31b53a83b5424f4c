//! The policy's nullifier set on chain: shard creation and closing by the authority, and every
//! way of passing `verify_payment` a shard other than the nullifier's own.

mod common;

use common::payments::*;
use common::*;
use solana_signer::Signer;
use zk402_chain::program::{close_nullifier_shard, create_nullifier_shard, policy_address, verify_payment};
use zk402_nullifier_set::{Cell, DISCRIMINATOR_LEN, HEADER_LEN, Probe};
use zk402_verifier::errors::ZkError;

fn expect_code(result: Result<Vec<String>, solana_transaction_error::TransactionError>, expected: u32) {
    let err = result.expect_err("transaction must fail");
    assert_eq!(anchor_code(&err), Some(expected), "{err:?}");
}

#[tokio::test]
async fn the_shard_the_nullifier_does_not_hash_to_is_refused() {
    let (mut env, merchant, policy) = setup(41).await;
    let (payer, set) = (env.payer().pubkey(), merchant.set(&env));
    let s = merchant.pay(NOW, 1);
    let own = set.shard_for(&s.nullifier);
    let other = set.all().into_iter().find(|a| *a != own).unwrap();
    let mut ix = verify_payment(&payer, &policy, &set, &s);
    ix.accounts.iter_mut().filter(|m| m.pubkey == own).for_each(|m| m.pubkey = other);
    expect_code(env.send(&[ix], &[]).await, code(ZkError::WrongShard));
    env.send(&[verify_payment(&payer, &policy, &set, &s)], &[]).await.expect("its own shard records it");
}

#[tokio::test]
async fn a_shard_of_another_policy_is_refused() {
    let (mut env, merchant, policy) = setup(42).await;
    let other = Merchant::new(43);
    other.register(&mut env).await;
    let payer = env.payer().pubkey();
    let s = merchant.pay(NOW, 2);
    // The other policy's shard of the same index: only the policy differs.
    let ix = verify_payment(&payer, &policy, &other.set(&env), &s);
    expect_code(env.send(&[ix], &[]).await, code(ZkError::ShardPolicyMismatch));
}

#[tokio::test]
async fn accounts_of_the_wrong_owner_or_size_are_refused() {
    let (mut env, merchant, policy) = setup(44).await;
    let (payer, set) = (env.payer().pubkey(), merchant.set(&env));
    let s = merchant.pay(NOW, 3);
    let address = set.shard_for(&s.nullifier);
    let genuine = env.raw(address).await.unwrap();

    // The same bytes owned by the system program.
    let foreign = solana_account::Account { owner: anchor_lang::system_program::ID, ..genuine.clone() };
    env.put(address, foreign);
    let owned_elsewhere = anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram as u32;
    expect_code(env.send(&[verify_payment(&payer, &policy, &set, &s)], &[]).await, owned_elsewhere);

    // A program-owned shard eight bytes longer than its capacity says.
    let mut longer = genuine.clone();
    longer.data.extend_from_slice(&[0; 8]);
    env.put(address, longer);
    env.next_blockhash().await;
    expect_code(env.send(&[verify_payment(&payer, &policy, &set, &s)], &[]).await, code(ZkError::InvalidShardCapacity));

    env.put(address, genuine);
    env.next_blockhash().await;
    env.send(&[verify_payment(&payer, &policy, &set, &s)], &[]).await.expect("the genuine shard records it");
}

#[tokio::test]
async fn a_full_shard_refuses_with_its_own_error() {
    let (mut env, merchant, policy) = setup(45).await;
    let (payer, set) = (env.payer().pubkey(), merchant.set(&env));
    let s = merchant.pay(NOW, 4);
    let address = set.shard_for(&s.nullifier);
    // Every cell live far into the future, under tags other than this nullifier's.
    let mut full = env.raw(address).await.unwrap();
    let tag = Probe::new(&s.nullifier, CAPACITY).tag();
    let cell = Cell { tag: tag.wrapping_add(1), until: u32::MAX };
    for chunk in full.data[DISCRIMINATOR_LEN + HEADER_LEN..].chunks_exact_mut(8) {
        chunk.copy_from_slice(bytemuck::bytes_of(&cell));
    }
    env.put(address, full);
    expect_code(env.send(&[verify_payment(&payer, &policy, &set, &s)], &[]).await, code(ZkError::NullifierShardFull));
}

#[tokio::test]
async fn shard_creation_checks_authority_index_count_address_and_size() {
    let (mut env, merchant, policy) = setup(46).await;
    let authority = env.payer().pubkey();
    let id = merchant.policy_id;

    // Another signer cannot add a shard to the policy.
    let stranger = env.funded(10_000_000_000).await;
    let mut ixs = create_nullifier_shard(&stranger.pubkey(), id, 0, SHARDS, CAPACITY).unwrap();
    ixs[1].accounts[1].pubkey = policy;
    let has_one = anchor_lang::error::ErrorCode::ConstraintHasOne as u32;
    expect_code(env.send(&ixs, &[&stranger]).await, has_one);

    // The shard count is fixed by the first shard; indices stay below it.
    for (index, count) in [(2, 3), (2, 2)] {
        let ixs = create_nullifier_shard(&authority, id, index, count, CAPACITY).unwrap();
        expect_code(env.send(&ixs, &[]).await, code(ZkError::InvalidShardIndex));
    }

    // An account at another address than the policy's shard address.
    let mut ixs = create_nullifier_shard(&authority, id + 1_000, 0, SHARDS, CAPACITY).unwrap();
    ixs[1].accounts[1].pubkey = policy;
    expect_code(env.send(&ixs, &[]).await, code(ZkError::ShardAddressMismatch));

    // A close-and-recreate of shard 1 whose account is larger than the capacity named.
    let shard = merchant.set(&env).shard(1);
    env.set_time(NOW + 1).await; // an empty shard's latest expiry is its creation second
    env.send(&[close_nullifier_shard(&authority, &shard)], &[]).await.expect("an empty shard closes");
    let bigger = create_nullifier_shard(&authority, id, 1, SHARDS, 2 * CAPACITY).unwrap();
    let named = create_nullifier_shard(&authority, id, 1, SHARDS, CAPACITY).unwrap();
    let mismatched = [bigger[0].clone(), named[1].clone()];
    expect_code(env.send(&mismatched, &[]).await, code(ZkError::InvalidShardCapacity));
    env.next_blockhash().await; // `named` is the setup's own creation of shard 1
    env.send(&named, &[]).await.expect("the right size is accepted");
    assert_eq!(env.shard(shard).await.header().capacity, CAPACITY);
    assert_eq!(policy, policy_address(&authority, id));
}

#[tokio::test]
async fn a_shard_closes_after_its_last_entry_expires_not_at_it() {
    let (mut env, merchant, policy) = setup(47).await;
    let (payer, set) = (env.payer().pubkey(), merchant.set(&env));
    let s = merchant.pay(NOW, 5);
    env.send(&[verify_payment(&payer, &policy, &set, &s)], &[]).await.unwrap();
    let shard = set.shard_for(&s.nullifier);
    let expires_at = NOW + 3_600 + 60;
    assert_eq!(env.shard(shard).await.header().max_expires_at, expires_at);
    let rent = env.lamports(shard).await;

    env.set_time(expires_at).await;
    expect_code(env.send(&[close_nullifier_shard(&payer, &shard)], &[]).await, code(ZkError::ShardNotExpired));
    env.set_time(expires_at + 1).await;
    let stranger = env.funded(1_000_000_000).await;
    let by_stranger = close_nullifier_shard(&stranger.pubkey(), &shard);
    expect_code(env.send(&[by_stranger], &[&stranger]).await, code(ZkError::NotShardAuthority));
    let before = env.lamports(payer).await;
    env.next_blockhash().await; // the same close as the refused one above
    env.send(&[close_nullifier_shard(&payer, &shard)], &[]).await.expect("closable after expiry");
    assert!(env.raw(shard).await.is_none());
    assert!(env.lamports(payer).await + 10_000 >= before + rent, "rent back to the authority (less the fee)");
}
