//! `verify_payment` with real proofs from the real prover over the real circuit: the valid path
//! recording into the policy's nullifier set, then every check broken on its own.

mod common;

use common::payments::*;
use common::*;
use solana_signer::Signer;
use zk402_chain::program::{MAX_TRANSACTION_SIZE, payment_events, transaction_size, verify_payment};
use zk402_verifier::errors::ZkError;
use zk402_verifier_core::encoding::R_BE;

fn expect_code(result: Result<Vec<String>, solana_transaction_error::TransactionError>, expected: ZkError) {
    let err = result.expect_err("transaction must fail");
    assert_eq!(anchor_code(&err), Some(code(expected)), "{err:?}");
}

#[tokio::test]
async fn valid_proof_records_the_nullifier_and_emits_the_event() {
    let (mut env, merchant, policy) = setup(11).await;
    let payer = env.payer().pubkey();
    let s = merchant.pay(NOW, 42);
    let set = merchant.set(&env);
    let ix = verify_payment(&payer, &policy, &set, &s);
    let size = transaction_size(std::slice::from_ref(&ix), &payer);
    println!("verify_payment transaction: {size} bytes");
    assert!(size <= MAX_TRANSACTION_SIZE);
    let logs = env.send(&[ix], &[]).await.expect("valid proof verifies");

    let shard = env.shard(set.shard_for(&s.nullifier)).await;
    assert_eq!(shard.shard().expiry_of(&s.nullifier), Some(NOW + 3_600 + 60));
    assert_eq!((shard.header().policy, shard.header().inserted), (policy.to_bytes(), 1));
    let other_shard = set.all().into_iter().find(|a| *a != set.shard_for(&s.nullifier)).unwrap();
    assert_eq!(env.shard(other_shard).await.header().inserted, 0, "only the nullifier's shard is written");
    let event = payment_events(&logs).pop().expect("PaymentVerified emitted");
    assert_eq!(
        (event.policy, event.nullifier, event.request_hash, event.now),
        (policy, s.nullifier, s.request_hash, NOW)
    );
}

#[tokio::test]
async fn replayed_nullifier_is_rejected() {
    let (mut env, merchant, policy) = setup(12).await;
    let (payer, set) = (env.payer().pubkey(), merchant.set(&env));
    let s = merchant.pay(NOW, 1);
    env.send(&[verify_payment(&payer, &policy, &set, &s)], &[]).await.unwrap();
    env.next_blockhash().await;
    expect_code(env.send(&[verify_payment(&payer, &policy, &set, &s)], &[]).await, ZkError::NullifierAlreadyUsed);
}

#[tokio::test]
async fn tampered_proof_points_are_rejected() {
    let (mut env, merchant, policy) = setup(13).await;
    let (payer, set) = (env.payer().pubkey(), merchant.set(&env));
    let good = merchant.pay(NOW, 2);
    let other = merchant.pay(NOW, 3);
    // A, B and C each replaced by the same part of another valid proof: valid points, wrong proof.
    for (name, range) in [("A", 0..64), ("B", 64..192), ("C", 192..256)] {
        let mut s = good.clone();
        s.proof[range.clone()].copy_from_slice(&other.proof[range]);
        let result = env.send(&[verify_payment(&payer, &policy, &set, &s)], &[]).await;
        let err = result.expect_err(name);
        assert_eq!(anchor_code(&err), Some(code(ZkError::ProofInvalid)), "{name}: {err:?}");
    }
    let mut off_curve = good.clone();
    off_curve.proof[63] ^= 1;
    expect_code(
        env.send(&[verify_payment(&payer, &policy, &set, &off_curve)], &[]).await,
        ZkError::InvalidProofEncoding,
    );
    // The untouched proof still verifies: nothing above consumed its nullifier.
    env.send(&[verify_payment(&payer, &policy, &set, &good)], &[]).await.unwrap();
}

#[tokio::test]
async fn swapped_or_out_of_field_public_inputs_are_rejected() {
    let (mut env, merchant, policy) = setup(14).await;
    let (payer, set) = (env.payer().pubkey(), merchant.set(&env));
    let s = merchant.pay(NOW, 4);
    let mut swapped = s.clone();
    (swapped.nullifier, swapped.request_hash) = (s.request_hash, s.nullifier);
    expect_code(env.send(&[verify_payment(&payer, &policy, &set, &swapped)], &[]).await, ZkError::ProofInvalid);
    let mut rebound = s.clone();
    rebound.request_hash[31] ^= 1;
    expect_code(env.send(&[verify_payment(&payer, &policy, &set, &rebound)], &[]).await, ZkError::ProofInvalid);
    let mut at_r = s.clone();
    at_r.request_hash = R_BE;
    expect_code(env.send(&[verify_payment(&payer, &policy, &set, &at_r)], &[]).await, ZkError::InvalidPublicInput);
}

#[tokio::test]
async fn proof_for_another_policy_is_rejected() {
    let (mut env, merchant, _) = setup(15).await;
    let other = Merchant::new(16);
    let other_policy = other.register(&mut env).await;
    let payer = env.payer().pubkey();
    expect_code(
        env.send(&[verify_payment(&payer, &other_policy, &other.set(&env), &merchant.pay(NOW, 5))], &[]).await,
        ZkError::ProofInvalid,
    );
}

#[tokio::test]
async fn stale_and_future_now_are_rejected_at_the_window_edge() {
    let (mut env, merchant, policy) = setup(17).await;
    let (payer, set) = (env.payer().pubkey(), merchant.set(&env));
    for (clock, ok) in [(NOW + 61, false), (NOW - 61, false), (NOW + 60, true)] {
        env.set_time(clock).await;
        let result = env.send(&[verify_payment(&payer, &policy, &set, &merchant.pay(NOW, clock as u64))], &[]).await;
        match ok {
            true => assert!(result.is_ok(), "clock {clock}: {result:?}"),
            false => expect_code(result, ZkError::NowOutsideWindow),
        }
    }
}
