//! Policy lifecycle: creation really creates the accounts (the `init` CPI runs), the stored
//! hash equals the circuit's Poseidon policy hash, only the authority may update or close,
//! max_age and the clock window cannot be raised, a price of 0 is refused, and an issuer key
//! serves one policy.

mod common;

use anchor_lang::prelude::*;
use common::payments::Merchant;
use common::*;
use solana_signer::Signer;
use zk402_chain::program::{close_policy, create_policy, issuer_address, policy_address, update_policy};
use zk402_circuit::Policy as CircuitPolicy;
use zk402_circuit::field::fr_to_be_bytes;
use zk402_verifier::errors::ZkError;
use zk402_verifier::instructions::{PolicyParams, PolicyUpdate};
use zk402_verifier::state::{IssuerRegistration, Policy};

#[tokio::test]
async fn create_policy_stores_the_circuit_policy_hash() {
    let mut env = Env::start().await;
    let authority = env.payer();
    let merchant = Merchant::new(1);
    let (p, circuit) = (merchant.params.clone(), merchant.circuit_policy());
    env.send(&[create_policy(&authority.pubkey(), 7, p.clone())], &[]).await.unwrap();
    // The accounts exist with program data: the init CPI really ran (the syscall-stub forwarder
    // that `zk402_chain::local::start_program_test` installs is in place).
    let policy: Policy = env.account(policy_address(&authority.pubkey(), 7)).await.expect("policy created");
    assert_eq!(policy.authority, authority.pubkey());
    assert_eq!(policy.policy_hash, fr_to_be_bytes(&circuit.hash()));
    assert_eq!((policy.price, policy.max_age, policy.clock_window), (1_000_000, 3_600, 60));
    let reg: IssuerRegistration = env.account(issuer_address(&p.issuer)).await.expect("issuer registered");
    assert_eq!(reg.policy, policy_address(&authority.pubkey(), 7));
}

#[tokio::test]
async fn an_issuer_key_serves_one_policy() {
    let mut env = Env::start().await;
    let authority = env.payer();
    let p = Merchant::new(2).params;
    env.send(&[create_policy(&authority.pubkey(), 1, p.clone())], &[]).await.unwrap();
    let err = env.send(&[create_policy(&authority.pubkey(), 2, p.clone())], &[]).await.unwrap_err();
    // The system program refuses to create the registration again ("account already in use").
    assert_eq!(anchor_code(&err), Some(0), "{err:?}");
    let other = env.funded(1_000_000_000).await;
    let err = env.send(&[create_policy(&other.pubkey(), 1, p)], &[&other]).await.unwrap_err();
    assert_eq!(anchor_code(&err), Some(0), "another authority cannot reuse the key either: {err:?}");
}

#[tokio::test]
async fn invalid_policy_parameters_are_rejected() {
    let mut env = Env::start().await;
    let authority = env.payer();
    let cases = [
        (PolicyParams { max_age: 0, ..Merchant::new(3).params }, ZkError::InvalidPolicyParameter),
        (PolicyParams { clock_window: 0, ..Merchant::new(4).params }, ZkError::InvalidPolicyParameter),
        (PolicyParams { clock_window: 3_601, ..Merchant::new(5).params }, ZkError::InvalidPolicyParameter),
        (PolicyParams { issuer: [0xff; 64], ..Merchant::new(6).params }, ZkError::InvalidIssuerKey),
        // Price 0: (index + 1) * 0 <= amount for every index, so one receipt would pay forever.
        (PolicyParams { price: 0, ..Merchant::new(9).params }, ZkError::ZeroPrice),
    ];
    for (i, (p, expected)) in cases.into_iter().enumerate() {
        let err = env.send(&[create_policy(&authority.pubkey(), i as u64, p)], &[]).await.unwrap_err();
        assert_eq!(anchor_code(&err), Some(code(expected)), "case {i}: {err:?}");
    }
}

#[tokio::test]
async fn only_the_authority_updates_and_limits_hold() {
    let mut env = Env::start().await;
    let authority = env.payer();
    let merchant = Merchant::new(8);
    let (p, circuit) = (merchant.params.clone(), merchant.circuit_policy());
    env.send(&[create_policy(&authority.pubkey(), 1, p)], &[]).await.unwrap();
    let address = policy_address(&authority.pubkey(), 1);

    let intruder = env.funded(1_000_000_000).await;
    let update = PolicyUpdate { price: 1, max_age: 3_600, clock_window: 60 };
    let err = env.send(&[update_policy(&intruder.pubkey(), &address, update.clone())], &[&intruder]).await.unwrap_err();
    assert_eq!(anchor_code(&err), Some(anchor_lang::error::ErrorCode::ConstraintHasOne as u32), "{err:?}");

    let raise_age = PolicyUpdate { price: 1, max_age: 3_601, clock_window: 60 };
    let err = env.send(&[update_policy(&authority.pubkey(), &address, raise_age)], &[]).await.unwrap_err();
    assert_eq!(anchor_code(&err), Some(code(ZkError::MaxAgeRaised)));
    let raise_window = PolicyUpdate { price: 1, max_age: 3_600, clock_window: 61 };
    let err = env.send(&[update_policy(&authority.pubkey(), &address, raise_window)], &[]).await.unwrap_err();
    assert_eq!(anchor_code(&err), Some(code(ZkError::ClockWindowRaised)));
    let free = PolicyUpdate { price: 0, max_age: 3_600, clock_window: 60 };
    let err = env.send(&[update_policy(&authority.pubkey(), &address, free)], &[]).await.unwrap_err();
    assert_eq!(anchor_code(&err), Some(code(ZkError::ZeroPrice)), "a free policy would pay forever");

    let lower = PolicyUpdate { price: 2_000_000, max_age: 1_800, clock_window: 30 };
    env.send(&[update_policy(&authority.pubkey(), &address, lower)], &[]).await.unwrap();
    let policy: Policy = env.account(address).await.unwrap();
    let expected = CircuitPolicy { price: 2_000_000, max_age: 1_800, ..circuit };
    assert_eq!(policy.policy_hash, fr_to_be_bytes(&expected.hash()), "hash follows the update");
    assert_eq!((policy.price, policy.max_age, policy.clock_window), (2_000_000, 1_800, 30));
}

#[tokio::test]
async fn only_the_authority_closes_and_the_issuer_stays_registered() {
    let mut env = Env::start().await;
    let authority = env.payer();
    let p = Merchant::new(9).params;
    env.send(&[create_policy(&authority.pubkey(), 1, p.clone())], &[]).await.unwrap();
    let address = policy_address(&authority.pubkey(), 1);
    let intruder = env.funded(1_000_000_000).await;
    let err = env.send(&[close_policy(&intruder.pubkey(), &address)], &[&intruder]).await.unwrap_err();
    assert_eq!(anchor_code(&err), Some(anchor_lang::error::ErrorCode::ConstraintHasOne as u32));
    env.send(&[close_policy(&authority.pubkey(), &address)], &[]).await.unwrap();
    assert!(env.account::<Policy>(address).await.is_none());
    assert!(env.account::<IssuerRegistration>(issuer_address(&p.issuer)).await.is_some());
    let err = env.send(&[create_policy(&authority.pubkey(), 2, p)], &[]).await.unwrap_err();
    assert_eq!(anchor_code(&err), Some(0), "a closed policy's issuer cannot be registered again");
}
