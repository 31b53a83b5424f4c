//! `verify_payment` and `close_nullifier` with real proofs from the real prover over the real
//! circuit: the valid path, then every check broken on its own.

mod common;

use common::payments::*;
use common::*;
use solana_signer::Signer;
use zk402_chain::program::{
    MAX_TRANSACTION_SIZE, close_nullifier, nullifier_address, payment_events, transaction_size, verify_payment,
};
use zk402_verifier::errors::ZkError;
use zk402_verifier::state::NullifierRecord;
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
    let ix = verify_payment(&payer, &policy, &s);
    let size = transaction_size(std::slice::from_ref(&ix), &payer);
    println!("verify_payment transaction: {size} bytes");
    assert!(size <= MAX_TRANSACTION_SIZE);
    let logs = env.send(&[ix], &[]).await.expect("valid proof verifies");

    let record_address = nullifier_address(&s.nullifier);
    let record: NullifierRecord = env.account(record_address).await.expect("record created");
    assert_eq!((record.policy, record.rent_payer), (policy, payer));
    assert_eq!(record.expires_at, NOW + 3_600 + 60);
    let locked = env.lamports(record_address).await;
    println!("lamports locked per access: {locked}");
    let event = payment_events(&logs).pop().expect("PaymentVerified emitted");
    assert_eq!(
        (event.policy, event.nullifier, event.request_hash, event.now),
        (policy, s.nullifier, s.request_hash, NOW)
    );
}

#[tokio::test]
async fn replayed_nullifier_is_rejected() {
    let (mut env, merchant, policy) = setup(12).await;
    let payer = env.payer().pubkey();
    let s = merchant.pay(NOW, 1);
    env.send(&[verify_payment(&payer, &policy, &s)], &[]).await.unwrap();
    env.next_blockhash().await;
    expect_code(env.send(&[verify_payment(&payer, &policy, &s)], &[]).await, ZkError::NullifierAlreadyUsed);
}

#[tokio::test]
async fn tampered_proof_points_are_rejected() {
    let (mut env, merchant, policy) = setup(13).await;
    let payer = env.payer().pubkey();
    let good = merchant.pay(NOW, 2);
    let other = merchant.pay(NOW, 3);
    // A, B and C each replaced by the same part of another valid proof: valid points, wrong proof.
    for (name, range) in [("A", 0..64), ("B", 64..192), ("C", 192..256)] {
        let mut s = good.clone();
        s.proof[range.clone()].copy_from_slice(&other.proof[range]);
        let result = env.send(&[verify_payment(&payer, &policy, &s)], &[]).await;
        let err = result.expect_err(name);
        assert_eq!(anchor_code(&err), Some(code(ZkError::ProofInvalid)), "{name}: {err:?}");
    }
    let mut off_curve = good.clone();
    off_curve.proof[63] ^= 1;
    expect_code(env.send(&[verify_payment(&payer, &policy, &off_curve)], &[]).await, ZkError::InvalidProofEncoding);
    // The untouched proof still verifies: nothing above consumed its nullifier.
    env.send(&[verify_payment(&payer, &policy, &good)], &[]).await.unwrap();
}

#[tokio::test]
async fn swapped_or_out_of_field_public_inputs_are_rejected() {
    let (mut env, merchant, policy) = setup(14).await;
    let payer = env.payer().pubkey();
    let s = merchant.pay(NOW, 4);
    let mut swapped = s.clone();
    (swapped.nullifier, swapped.request_hash) = (s.request_hash, s.nullifier);
    expect_code(env.send(&[verify_payment(&payer, &policy, &swapped)], &[]).await, ZkError::ProofInvalid);
    let mut rebound = s.clone();
    rebound.request_hash[31] ^= 1;
    expect_code(env.send(&[verify_payment(&payer, &policy, &rebound)], &[]).await, ZkError::ProofInvalid);
    let mut at_r = s.clone();
    at_r.request_hash = R_BE;
    expect_code(env.send(&[verify_payment(&payer, &policy, &at_r)], &[]).await, ZkError::InvalidPublicInput);
}

#[tokio::test]
async fn proof_for_another_policy_is_rejected() {
    let (mut env, merchant, _) = setup(15).await;
    let other = Merchant::new(16);
    let other_policy = other.register(&mut env).await;
    let payer = env.payer().pubkey();
    expect_code(
        env.send(&[verify_payment(&payer, &other_policy, &merchant.pay(NOW, 5))], &[]).await,
        ZkError::ProofInvalid,
    );
}

#[tokio::test]
async fn stale_and_future_now_are_rejected_at_the_window_edge() {
    let (mut env, merchant, policy) = setup(17).await;
    let payer = env.payer().pubkey();
    for (clock, ok) in [(NOW + 61, false), (NOW - 61, false), (NOW + 60, true)] {
        env.set_time(clock).await;
        let result = env.send(&[verify_payment(&payer, &policy, &merchant.pay(NOW, clock as u64))], &[]).await;
        match ok {
            true => assert!(result.is_ok(), "clock {clock}: {result:?}"),
            false => expect_code(result, ZkError::NowOutsideWindow),
        }
    }
}

#[tokio::test]
async fn wrong_or_prefunded_record_address() {
    let (mut env, merchant, policy) = setup(18).await;
    let payer = env.payer().pubkey();
    let s = merchant.pay(NOW, 6);
    let record = nullifier_address(&s.nullifier);
    // The instruction with another nullifier's record in place of this one's.
    let wrong = nullifier_address(&merchant.pay(NOW, 7).nullifier);
    let mut misdirected = verify_payment(&payer, &policy, &s);
    misdirected.accounts.iter_mut().filter(|meta| meta.pubkey == record).for_each(|meta| meta.pubkey = wrong);
    expect_code(env.send(&[misdirected], &[]).await, ZkError::NullifierAccountMismatch);
    // Lamports sent to the record address first (a front-running grief) do not block the receipt.
    let grief = anchor_lang::solana_program::system_instruction::transfer(&payer, &record, 1_000_000);
    env.send(&[grief], &[]).await.unwrap();
    env.send(&[verify_payment(&payer, &policy, &s)], &[]).await.expect("verifies despite prefunding");
    assert!(env.account::<NullifierRecord>(record).await.is_some());
}

#[tokio::test]
async fn record_is_reclaimed_after_expiry_but_not_one_second_before() {
    let (mut env, merchant, policy) = setup(19).await;
    let relayer = env.funded(1_000_000_000).await;
    let s = merchant.pay(NOW, 8);
    env.send(&[verify_payment(&relayer.pubkey(), &policy, &s)], &[&relayer]).await.unwrap();
    let record = nullifier_address(&s.nullifier);
    let expires_at = NOW + 3_600 + 60;
    let rent = env.lamports(record).await;
    let before = env.lamports(relayer.pubkey()).await;

    env.set_time(expires_at).await;
    expect_code(env.send(&[close_nullifier(&record, &relayer.pubkey())], &[]).await, ZkError::RecordNotExpired);
    env.set_time(expires_at + 1).await;
    let wrong_payer = env.payer().pubkey();
    let err = env.send(&[close_nullifier(&record, &wrong_payer)], &[]).await.unwrap_err();
    assert_eq!(anchor_code(&err), Some(anchor_lang::error::ErrorCode::ConstraintHasOne as u32));
    env.next_blockhash().await;
    env.send(&[close_nullifier(&record, &relayer.pubkey())], &[]).await.expect("closable after expiry");
    assert!(env.account::<NullifierRecord>(record).await.is_none());
    assert_eq!(env.lamports(relayer.pubkey()).await, before + rent, "rent back to its payer");
}
