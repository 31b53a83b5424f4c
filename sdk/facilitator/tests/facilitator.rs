//! The facilitator on an in-process cluster with real proofs: every refusal reached by the
//! attack it stops (each alongside the honest payment, which passes), the nullifier reserved
//! once under concurrent verifications, and the settlement worker — one `verify_batch` for ten
//! proofs paid by the facilitator (the payer's key in none of its transactions), a flush on
//! age, a batch split when one proof was recorded meanwhile, a missed deadline reported and
//! kept, `confirm` mode, and two instances sharing one SQLite queue.

mod common;

use anchor_lang::prelude::Pubkey;
use common::world::*;
use solana_signer::Signer;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use zk402_chain::ConfirmedTransaction;
use zk402_chain::program::{fetch_nullifier_expiry, payment_events};
use zk402_circuit::SigningKey;
use zk402_facilitator::store::{NullifierStore, State};
use zk402_facilitator::{Invalid, Mode, SettleError, VerifyError, challenge};
use zk402_x402::{Network, PaymentPayload, PaymentRequirements, ZkPayload};

/// The code of `outcome`'s refusal (panics on anything else).
fn refusal<T: std::fmt::Debug>(outcome: Result<T, VerifyError>) -> &'static str {
    match outcome {
        Err(VerifyError::Invalid(invalid)) => invalid.code(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The value of the metric line starting with `series ` in `f`'s metrics.
fn metric(f: &LocalFacilitator, series: &str) -> f64 {
    let text = f.metrics().render();
    let line =
        text.lines().find(|l| l.starts_with(&format!("{series} "))).unwrap_or_else(|| panic!("{series} in {text}"));
    line[series.len() + 1..].parse().expect("a number")
}

fn verifications(f: &LocalFacilitator, result: &str) -> f64 {
    metric(f, &format!("zk402_facilitator_verifications_total{{result=\"{result}\"}}"))
}

/// The honest payment of credit 0 with `attack` applied to its payload and requirements is
/// refused as `code` (and counted); the honest payment then verifies: the attack alone was
/// refused, and it reserved nothing.
async fn refused(code: &str, attack: impl FnOnce(&World, &mut PaymentPayload, &mut PaymentRequirements)) {
    let w = World::create().await;
    let f = w.facilitator(Mode::Deferred);
    let honest = payment(0);
    let (mut payload, mut requirements) = w.pay(&honest);
    attack(&w, &mut payload, &mut requirements);
    assert_eq!(refusal(f.verify(&payload, &requirements).await), code);
    assert_eq!(verifications(&f, code), 1.0);
    assert_eq!(f.store().state(&honest.zk.nullifier).await.unwrap(), None, "nothing reserved");
    let (payload, requirements) = w.pay(&honest);
    f.verify(&payload, &requirements).await.expect("the honest payment verifies");
}

/// Both the payload's `accepted` and the server's requirements changed by `change`.
fn both(
    payload: &mut PaymentPayload,
    requirements: &mut PaymentRequirements,
    change: impl Fn(&mut PaymentRequirements),
) {
    change(&mut payload.accepted);
    change(requirements);
}

#[tokio::test]
async fn a_payload_claiming_cheaper_accepted_terms_is_refused() {
    refused("requirements_mismatch", |_, payload, _| payload.accepted.amount = 1).await;
}

#[tokio::test]
async fn a_payment_for_another_network_is_refused() {
    refused("network_mismatch", |_, p, r| both(p, r, |r| r.network = Network::solana_mainnet())).await;
}

#[tokio::test]
async fn a_payment_naming_another_verifier_program_is_refused() {
    let other = Pubkey::new_unique().to_string();
    refused("program_mismatch", |_, p, r| both(p, r, |r| r.extra.verifier_program.clone_from(&other))).await;
}

#[tokio::test]
async fn a_payment_for_a_policy_not_served_here_is_refused() {
    let other = Pubkey::new_unique().to_string();
    refused("unknown_policy", |_, p, r| both(p, r, |r| r.extra.policy.clone_from(&other))).await;
    refused("unknown_policy", |_, p, r| both(p, r, |r| r.extra.policy = "not an address".into())).await;
}

#[tokio::test]
async fn a_served_policy_without_an_account_is_refused() {
    let w = World::create().await;
    let missing = Pubkey::new_unique();
    let f = w.facilitator_with(Mode::Deferred, settle_config(Duration::ZERO), "store.sqlite", &[missing]);
    let (payload, requirements) = w.pay_under(&missing, &payment(0));
    assert_eq!(refusal(f.verify(&payload, &requirements).await), "unknown_policy");
}

#[tokio::test]
async fn a_payment_redirected_to_another_recipient_is_refused() {
    let thief = Pubkey::new_unique().to_string();
    refused("terms_mismatch", |_, p, r| both(p, r, |r| r.pay_to.clone_from(&thief))).await;
}

#[tokio::test]
async fn an_underpriced_payment_is_refused() {
    refused("terms_mismatch", |_, p, r| both(p, r, |r| r.amount = PRICE - 1)).await;
}

#[tokio::test]
async fn a_payment_naming_no_resource_is_refused() {
    refused("resource_missing", |_, payload, _| payload.resource = None).await;
}

#[tokio::test]
async fn a_proof_replayed_for_another_resource_is_refused() {
    refused("challenge_forged", |_, payload, _| {
        payload.resource.as_mut().expect("a resource").url = "https://api.example.com/v1/admin".into();
    })
    .await;
}

#[tokio::test]
async fn extending_the_challenge_expiry_is_refused_as_forged() {
    refused("challenge_forged", |_, p, r| both(p, r, |r| r.extra.challenge.expires_at += 3_600)).await;
}

#[tokio::test]
async fn a_challenge_minted_with_another_key_is_refused() {
    let forger = zk402_facilitator::ChallengeKey::generate().unwrap();
    let forged =
        challenge::mint(&forger, &policy().to_bytes(), "GET", URL, zk402_facilitator::unix_now(), 600).unwrap();
    refused("challenge_forged", |_, p, r| both(p, r, |r| r.extra.challenge = forged.clone())).await;
}

#[tokio::test]
async fn an_expired_challenge_is_refused() {
    let minted_at = zk402_facilitator::unix_now() - 120;
    let expired = challenge::mint(challenge_key(), &policy().to_bytes(), "GET", URL, minted_at, 60).unwrap();
    refused("challenge_expired", |_, p, r| {
        both(p, r, |r| r.extra.challenge = expired.clone());
        p.payload.request_hash = expired.request_hash;
    })
    .await;
}

#[tokio::test]
async fn a_challenge_carrying_another_requests_hash_is_refused() {
    // The MAC does not cover the hash: the facilitator recomputes it from the fields.
    let other = payment(1);
    refused("request_hash_mismatch", |_, p, r| {
        both(p, r, |r| r.extra.challenge.request_hash = other.challenge.request_hash);
        p.payload = other.zk.clone();
    })
    .await;
}

#[tokio::test]
async fn a_proof_for_another_challenge_is_refused() {
    let other = payment(1);
    refused("proof_request_hash_mismatch", |_, payload, _| payload.payload = other.zk.clone()).await;
}

#[tokio::test]
async fn a_proof_older_than_the_clock_window_is_refused() {
    let w = World::create().await;
    set_clock(&w.chain, now() + CLOCK_WINDOW as i64 + 1).await;
    let f = w.facilitator(Mode::Deferred);
    let (payload, requirements) = w.pay(&payment(0));
    assert_eq!(refusal(f.verify(&payload, &requirements).await), "now_outside_window");
}

#[tokio::test]
async fn a_proof_dated_beyond_the_window_in_the_future_is_refused() {
    let w = World::create().await;
    set_clock(&w.chain, now() - CLOCK_WINDOW as i64 - 1).await;
    let f = w.facilitator(Mode::Deferred);
    let (payload, requirements) = w.pay(&payment(0));
    assert_eq!(refusal(f.verify(&payload, &requirements).await), "now_outside_window");
}

#[tokio::test]
async fn a_proof_too_old_to_settle_in_time_is_refused() {
    // Inside the window, but with less than the 20 s settlement margin left.
    let w = World::create().await;
    set_clock(&w.chain, now() + CLOCK_WINDOW as i64 - 19).await;
    let f = w.facilitator(Mode::Deferred);
    let (payload, requirements) = w.pay(&payment(0));
    assert_eq!(refusal(f.verify(&payload, &requirements).await), "too_late_to_settle");
    set_clock(&w.chain, now() + CLOCK_WINDOW as i64 - 20).await;
    let f = w.facilitator(Mode::Deferred);
    f.verify(&payload, &requirements).await.expect("exactly the margin left");
}

#[tokio::test]
async fn a_proof_moved_to_a_later_now_is_refused() {
    refused("proof_invalid", |_, payload, _| payload.payload.now += 1).await;
}

#[tokio::test]
async fn a_proof_under_a_fresh_nullifier_is_refused() {
    // Spending the same credit again under a nullifier never seen.
    refused("proof_invalid", |_, payload, _| payload.payload.nullifier[31] ^= 1).await;
}

#[tokio::test]
async fn a_tampered_proof_is_refused() {
    refused("proof_invalid", |_, payload, _| payload.payload.proof[200] ^= 1).await;
    refused("proof_invalid", |_, payload, _| payload.payload.proof = [0; 256]).await;
}

#[tokio::test]
async fn a_credit_spent_on_chain_is_refused() {
    let w = World::create().await;
    let f = w.facilitator(Mode::Deferred);
    let spent = payment(0);
    w.settle_elsewhere(&spent).await;
    let (payload, requirements) = w.pay(&spent);
    assert_eq!(refusal(f.verify(&payload, &requirements).await), "nullifier_spent");
    assert_eq!(f.store().state(&spent.zk.nullifier).await.unwrap(), None);
}

#[tokio::test]
async fn a_credit_spent_again_on_another_request_is_refused_while_the_first_settles() {
    let w = World::create().await;
    let f = w.facilitator(Mode::Deferred);
    let (payload, requirements) = w.pay(&payment(0));
    f.verify(&payload, &requirements).await.unwrap();
    let again = respend();
    assert_eq!(again.zk.nullifier, payment(0).zk.nullifier, "the same credit");
    let (payload, requirements) = w.pay(&again);
    assert_eq!(refusal(f.verify(&payload, &requirements).await), "nullifier_reserved");
    let (payload, requirements) = w.pay(&payment(0));
    assert_eq!(refusal(f.verify(&payload, &requirements).await), "nullifier_reserved", "a replay");
}

#[tokio::test]
async fn a_policy_without_a_nullifier_set_is_refused() {
    let w = World::create().await;
    let bare = w.create_policy(2, &SigningKey::from_seed(&[0x44; 32]), false).await;
    let f = w.facilitator_with(Mode::Deferred, settle_config(Duration::ZERO), "store.sqlite", &[bare]);
    let fresh =
        challenge::mint(challenge_key(), &bare.to_bytes(), "GET", URL, zk402_facilitator::unix_now(), 600).unwrap();
    let (mut payload, requirements) = w.pay_under(&bare, &Payment { challenge: fresh.clone(), zk: payment(0).zk });
    // Refused before the proof is checked: nothing could settle it.
    payload.payload.request_hash = fresh.request_hash;
    assert_eq!(refusal(f.verify(&payload, &requirements).await), "no_nullifier_set");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_nullifier_is_reserved_exactly_once_under_concurrent_verifies() {
    let w = World::create().await;
    let f = w.facilitator(Mode::Deferred);
    let (payload, requirements) = w.pay(&payment(0));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (f, payload, requirements) = (Arc::clone(&f), payload.clone(), requirements.clone());
            tokio::spawn(async move { f.verify(&payload, &requirements).await })
        })
        .collect();
    let mut codes = Vec::new();
    for task in tasks {
        codes.push(match task.await.unwrap() {
            Ok(_) => "valid",
            outcome => refusal(outcome),
        });
    }
    codes.sort_unstable();
    assert_eq!(codes, [["nullifier_reserved"; 7].as_slice(), &["valid"]].concat());
    assert_eq!(f.store().state(&payload.payload.nullifier).await.unwrap(), Some(State::Reserved));
}

/// A payload for a fresh challenge that carries `known`'s nullifier (read from the chain's
/// events, or from a `payer` field) with `proof`.
fn carrying_nullifier(w: &World, known: &Payment, proof: [u8; 256]) -> (PaymentPayload, PaymentRequirements) {
    let fresh = challenge::mint(challenge_key(), &policy().to_bytes(), "GET", URL, zk402_facilitator::unix_now(), 600);
    let fresh = fresh.unwrap();
    let zk = ZkPayload { proof, request_hash: fresh.request_hash, ..known.zk.clone() };
    w.pay(&Payment { challenge: fresh, zk })
}

#[tokio::test]
async fn a_forged_payload_carrying_a_settled_nullifier_is_no_settlement() {
    let w = World::create().await;
    let f = w.facilitator(Mode::Confirm);
    let _worker = AbortOnDrop(f.spawn_worker());
    let honest = payment(0);
    let (payload, requirements) = w.pay(&honest);
    let transaction = f.settle(&payload, &requirements).await.unwrap().expect("settled");
    for proof in [[0; 256], honest.zk.proof] {
        let (payload, requirements) = carrying_nullifier(&w, &honest, proof);
        let outcome = f.settle(&payload, &requirements).await;
        assert!(
            matches!(&outcome, Err(SettleError::Verify(VerifyError::Invalid(Invalid::ProofInvalid)))),
            "{outcome:?}"
        );
    }
    // The honest payment's settlement is unchanged and still reported.
    assert_eq!(f.settle(&payload, &requirements).await.unwrap(), Some(transaction));
}

#[tokio::test]
async fn a_forged_payload_carrying_a_reserved_nullifier_is_not_queued() {
    let w = World::create().await;
    let f = w.facilitator(Mode::Deferred);
    let honest = payment(0);
    let (payload, requirements) = w.pay(&honest);
    f.verify(&payload, &requirements).await.unwrap();
    let (forged, forged_requirements) = carrying_nullifier(&w, &honest, [0; 256]);
    let outcome = f.settle(&forged, &forged_requirements).await;
    assert!(matches!(&outcome, Err(SettleError::Verify(VerifyError::Invalid(Invalid::ProofInvalid)))), "{outcome:?}");
    assert_eq!(f.store().state(&honest.zk.nullifier).await.unwrap(), Some(State::Reserved), "not queued");
    assert_eq!(f.settle(&payload, &requirements).await.unwrap(), None, "the honest payment is queued");
    assert_eq!(f.store().state(&honest.zk.nullifier).await.unwrap(), Some(State::Queued));
}

/// Waits (up to 30 s) until every nullifier is settled or failed in `f`'s store; their states.
async fn outcomes(f: &LocalFacilitator, nullifiers: &[[u8; 32]]) -> Vec<State> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut states = Vec::new();
        for n in nullifiers {
            states.push(f.store().state(n).await.unwrap().expect("known"));
        }
        if states.iter().all(|s| matches!(s, State::Settled { .. } | State::Failed { .. })) {
            return states;
        }
        assert!(Instant::now() < deadline, "not settled within 30 s: {states:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn transaction_of(state: &State) -> String {
    match state {
        State::Settled { transaction } => transaction.clone(),
        other => panic!("expected settled, got {other:?}"),
    }
}

/// The cluster's successful transactions by signature.
fn ledger(w: &World) -> HashMap<String, ConfirmedTransaction> {
    let all = w.chain.ledger().unwrap().into_iter().filter(|tx| tx.error.is_none());
    all.map(|tx| (tx.signature.to_string(), tx)).collect()
}

/// The nullifiers `tx`'s `PaymentVerified` events record.
fn recorded(tx: &ConfirmedTransaction) -> Vec<[u8; 32]> {
    payment_events(&tx.logs).into_iter().map(|e| e.nullifier).collect()
}

/// How many times each nullifier was recorded over the whole ledger.
fn recorded_counts(w: &World) -> HashMap<[u8; 32], usize> {
    let mut counts = HashMap::new();
    for tx in ledger(w).values() {
        for n in recorded(tx) {
            *counts.entry(n).or_default() += 1;
        }
    }
    counts
}

/// Verifies and queues `payments` through `f`.
async fn queue(w: &World, f: &LocalFacilitator, payments: &[Payment]) {
    for p in payments {
        let (payload, requirements) = w.pay(p);
        assert_eq!(f.settle(&payload, &requirements).await.unwrap(), None, "deferred");
    }
}

#[tokio::test]
async fn ten_queued_proofs_settle_in_one_verify_batch_transaction_paid_by_the_facilitator() {
    let w = World::create().await;
    let f = w.facilitator_with(Mode::Deferred, settle_config(Duration::from_secs(60)), "store.sqlite", &[]);
    let ten = payments(10).await;
    let nullifiers: Vec<[u8; 32]> = ten.iter().map(|p| p.zk.nullifier).collect();
    let _worker = AbortOnDrop(f.spawn_worker());
    queue(&w, &f, &ten).await;
    let states = outcomes(&f, &nullifiers).await;
    let signature = transaction_of(&states[0]);
    assert!(states.iter().all(|s| transaction_of(s) == signature), "one transaction: {states:?}");

    let ledger = ledger(&w);
    let tx = &ledger[&signature];
    assert_eq!(recorded(tx), nullifiers, "one verify_batch records all ten, in queue order");
    assert_eq!(tx.account_keys()[0], w.fee_payer.pubkey(), "the facilitator pays");
    for n in &nullifiers {
        assert!(fetch_nullifier_expiry(&w.chain, &policy(), n).await.unwrap().is_some());
    }
    // The payer's key is on the ledger (its SPL payment) but in no settlement transaction.
    let payer = payer().pubkey();
    let keys = |tx: &ConfirmedTransaction| {
        let loaded = tx.loaded_addresses();
        tx.account_keys().iter().chain(&loaded.writable).chain(&loaded.readonly).copied().collect::<Vec<Pubkey>>()
    };
    assert!(ledger.values().any(|tx| keys(tx).contains(&payer)));
    let settlement: Vec<_> = ledger.values().filter(|tx| tx.account_keys()[0] == w.fee_payer.pubkey()).collect();
    assert!(settlement.len() >= 2, "staging and verify_batch");
    for tx in settlement {
        assert!(!keys(tx).contains(&payer), "the payer's key in settlement transaction {}", tx.signature);
    }
    assert_eq!(metric(&f, "zk402_facilitator_settled_total"), 10.0);
    assert_eq!(metric(&f, "zk402_facilitator_settlement_batch_size_count"), 1.0);
    assert_eq!(metric(&f, "zk402_facilitator_settlement_batch_size_sum"), 10.0);
}

#[tokio::test]
async fn fewer_than_a_batch_are_flushed_once_the_oldest_has_waited() {
    let w = World::create().await;
    let flush_after = Duration::from_millis(400);
    let f = w.facilitator_with(Mode::Deferred, settle_config(flush_after), "store.sqlite", &[]);
    let three = payments(3).await;
    let nullifiers: Vec<[u8; 32]> = three.iter().map(|p| p.zk.nullifier).collect();
    let _worker = AbortOnDrop(f.spawn_worker());
    let started = Instant::now();
    queue(&w, &f, &three).await;
    let states = outcomes(&f, &nullifiers).await;
    assert!(started.elapsed() >= flush_after, "sent before the flush delay");
    let signature = transaction_of(&states[0]);
    assert!(states.iter().all(|s| transaction_of(s) == signature), "one batch: {states:?}");
    assert_eq!(recorded(&ledger(&w)[&signature]), nullifiers);
}

#[tokio::test]
async fn a_batch_holding_a_proof_recorded_meanwhile_settles_the_others_one_by_one() {
    let w = World::create().await;
    let f = w.facilitator(Mode::Deferred);
    let three = payments(3).await;
    let nullifiers: Vec<[u8; 32]> = three.iter().map(|p| p.zk.nullifier).collect();
    queue(&w, &f, &three).await;
    let elsewhere = w.settle_elsewhere(&three[1]).await;
    let _worker = AbortOnDrop(f.spawn_worker());
    let states = outcomes(&f, &nullifiers).await;
    let ledger = ledger(&w);
    for i in [0, 2] {
        let tx = &ledger[&transaction_of(&states[i])];
        assert_eq!(recorded(tx), [nullifiers[i]], "proof {i} settled alone");
        assert_eq!(tx.account_keys()[0], w.fee_payer.pubkey());
    }
    assert_ne!(transaction_of(&states[0]), transaction_of(&states[2]));
    // Recorded by another transaction: settled, not failed, and recorded once.
    assert!(matches!(&states[1], State::Settled { .. }), "{:?}", states[1]);
    assert_eq!(recorded(&ledger[&elsewhere.signature.to_string()]), [nullifiers[1]]);
    let counts = recorded_counts(&w);
    assert!(nullifiers.iter().all(|n| counts[n] == 1), "each recorded once");
    assert_eq!(metric(&f, "zk402_facilitator_settled_total"), 2.0);
}

#[tokio::test]
async fn a_proof_past_its_deadline_is_marked_failed_and_counted_never_dropped() {
    let w = World::create().await;
    let f = w.facilitator_with(Mode::Deferred, settle_config(Duration::from_millis(1_500)), "store.sqlite", &[]);
    let late = payment(0);
    let _worker = AbortOnDrop(f.spawn_worker());
    queue(&w, &f, std::slice::from_ref(&late)).await;
    // The worker holds it for its batch while the cluster clock passes its deadline.
    set_clock(&w.chain, now() + CLOCK_WINDOW as i64 + 1).await;
    let states = outcomes(&f, &[late.zk.nullifier]).await;
    assert_eq!(states, [State::Failed { reason: "deadline_passed".into() }]);
    let failures = "zk402_facilitator_settlement_failures_total{reason=\"deadline_passed\"}";
    assert_eq!(metric(&f, failures), 1.0);
    assert_eq!(f.store().depth().await.unwrap().failed, 1, "kept for the report");
    assert_eq!(fetch_nullifier_expiry(&w.chain, &policy(), &late.zk.nullifier).await.unwrap(), None);
    // Settling it again reports the failure.
    let (payload, requirements) = w.pay(&late);
    let again = f.settle(&payload, &requirements).await;
    assert!(matches!(&again, Err(SettleError::Failed(r)) if r == "deadline_passed"), "{again:?}");
}

#[tokio::test]
async fn confirm_mode_settle_returns_the_settlement_transaction() {
    let w = World::create().await;
    let f = w.facilitator(Mode::Confirm);
    let _worker = AbortOnDrop(f.spawn_worker());
    let paid = payment(0);
    let (payload, requirements) = w.pay(&paid);
    let signature = f.settle(&payload, &requirements).await.unwrap().expect("a transaction");
    let tx = &ledger(&w)[&signature];
    assert_eq!(recorded(tx), [paid.zk.nullifier]);
    assert_eq!(tx.account_keys()[0], w.fee_payer.pubkey());
    assert_eq!(f.store().state(&paid.zk.nullifier).await.unwrap(), Some(State::Settled { transaction: signature }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_facilitators_sharing_one_sqlite_file_settle_every_proof_exactly_once() {
    let w = World::create().await;
    let config = settle_config(Duration::from_millis(100));
    let a = w.facilitator_with(Mode::Deferred, config, "shared.sqlite", &[]);
    let b = w.facilitator_with(Mode::Deferred, config, "shared.sqlite", &[]);
    let eight = payments(8).await;
    let nullifiers: Vec<[u8; 32]> = eight.iter().map(|p| p.zk.nullifier).collect();
    let _workers = (AbortOnDrop(a.spawn_worker()), AbortOnDrop(b.spawn_worker()));
    for (i, p) in eight.iter().enumerate() {
        let (first, second) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let (payload, requirements) = w.pay(p);
        first.verify(&payload, &requirements).await.unwrap();
        assert_eq!(refusal(second.verify(&payload, &requirements).await), "nullifier_reserved", "shared reservations");
        first.settle(&payload, &requirements).await.unwrap();
    }
    let states = outcomes(&a, &nullifiers).await;
    let ledger = ledger(&w);
    for (state, n) in states.iter().zip(&nullifiers) {
        assert!(recorded(&ledger[&transaction_of(state)]).contains(n), "its transaction records it");
    }
    let counts = recorded_counts(&w);
    assert!(nullifiers.iter().all(|n| counts[n] == 1), "each recorded exactly once: {counts:?}");
    let settled = metric(&a, "zk402_facilitator_settled_total") + metric(&b, "zk402_facilitator_settled_total");
    assert_eq!(settled, 8.0);
}

/// Aborts a worker when the test ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
