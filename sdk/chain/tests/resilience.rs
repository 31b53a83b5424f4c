//! Retries, backoff, circuit breakers and fallback over real loopback endpoints.

mod support;

use solana_transaction_error::TransactionError;
use std::time::{Duration, Instant};
use support::{Behaviour, TestServer, random_hash, refusing_url, signed_transaction, start};
use zk402_chain::resilience::{BreakerConfig, BreakerState, FallbackChain, RetryPolicy};
use zk402_chain::rpc::RpcEndpoint;
use zk402_chain::{Chain, ChainBackend, ChainConfig, ChainError};

const TIMEOUT: Duration = Duration::from_secs(5);

fn retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy { max_attempts, base_delay: Duration::from_millis(20), max_delay: Duration::from_millis(80) }
}

fn no_trip() -> BreakerConfig {
    BreakerConfig { failure_threshold: 1000, cool_down: Duration::from_secs(60) }
}

fn chain_of(servers: &[&TestServer], retry: RetryPolicy, breaker: BreakerConfig) -> FallbackChain<RpcEndpoint> {
    let endpoints = servers
        .iter()
        .map(|s| {
            let endpoint = s.endpoint(TIMEOUT);
            (endpoint.label().to_owned(), endpoint)
        })
        .collect();
    FallbackChain::new(endpoints, retry, breaker)
}

#[tokio::test]
async fn retries_with_backoff_then_falls_back() {
    let failing = start(Behaviour::Status(503)).await;
    let blockhash = random_hash();
    let healthy = start(Behaviour::Healthy(blockhash)).await;
    let chain = chain_of(&[&failing, &healthy], retry(3), no_trip());
    assert_eq!(chain.latest_blockhash().await.unwrap(), blockhash);
    assert_eq!((failing.hits(), healthy.hits()), (3, 1));
    let stats = chain.stats();
    assert_eq!(stats.fallbacks, 1);
    assert_eq!((stats.endpoints[0].retriable_errors, stats.endpoints[0].ok), (3, 0));
    assert_eq!((stats.endpoints[1].retriable_errors, stats.endpoints[1].ok), (0, 1));
}

#[tokio::test]
async fn every_attempt_is_made_and_backoff_stays_within_its_ceilings() {
    let failing = start(Behaviour::Status(500)).await;
    // Ceilings 100, 200, 400 ms: the three jittered sleeps together take at most 700 ms.
    let policy =
        RetryPolicy { max_attempts: 4, base_delay: Duration::from_millis(100), max_delay: Duration::from_secs(1) };
    let chain = chain_of(&[&failing], policy, no_trip());
    let started = Instant::now();
    let error = chain.latest_blockhash().await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(error, ChainError::Unavailable(_)));
    assert_eq!(failing.hits(), 4);
    assert!(elapsed < Duration::from_millis(700 + 500), "{elapsed:?}");
}

#[tokio::test]
async fn breaker_opens_after_consecutive_failures_and_short_circuits() {
    let failing = start(Behaviour::Status(503)).await;
    let healthy = start(Behaviour::Healthy(random_hash())).await;
    let breaker = BreakerConfig { failure_threshold: 2, cool_down: Duration::from_secs(60) };
    let chain = chain_of(&[&failing, &healthy], retry(1), breaker);
    for _ in 0..4 {
        chain.latest_blockhash().await.unwrap();
    }
    assert_eq!(failing.hits(), 2, "after two failures the breaker stops calls to the endpoint");
    assert_eq!(healthy.hits(), 4);
    let stats = chain.stats();
    assert_eq!(stats.endpoints[0].breaker_state, BreakerState::Open);
    assert_eq!((stats.endpoints[0].breaker_opens, stats.endpoints[0].short_circuited), (1, 2));
    assert_eq!(stats.fallbacks, 4);
}

#[tokio::test]
async fn breaker_half_opens_after_cool_down_and_closes_on_success() {
    let flaky = start(Behaviour::Status(503)).await;
    let healthy = start(Behaviour::Healthy(random_hash())).await;
    let breaker = BreakerConfig { failure_threshold: 1, cool_down: Duration::from_millis(200) };
    let chain = chain_of(&[&flaky, &healthy], retry(1), breaker);
    chain.latest_blockhash().await.unwrap();
    assert_eq!(chain.breaker_states()[0].1, BreakerState::Open);
    chain.latest_blockhash().await.unwrap();
    assert_eq!(flaky.hits(), 1, "open: not called");

    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(chain.breaker_states()[0].1, BreakerState::HalfOpen);
    chain.latest_blockhash().await.unwrap();
    assert_eq!(flaky.hits(), 2, "half-open: one probe");
    assert_eq!(chain.breaker_states()[0].1, BreakerState::Open, "the probe failed");

    let blockhash = random_hash();
    flaky.set(Behaviour::Healthy(blockhash));
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(chain.latest_blockhash().await.unwrap(), blockhash, "the probe goes to the first endpoint");
    assert_eq!(chain.breaker_states()[0].1, BreakerState::Closed);
    assert_eq!(chain.stats().endpoints[0].breaker_opens, 2);
}

#[tokio::test]
async fn all_endpoints_failing_is_unavailable_with_a_summary() {
    let refusing = RpcEndpoint::new(refusing_url().await, TIMEOUT).unwrap();
    let failing = start(Behaviour::Garbage).await;
    let second = failing.endpoint(TIMEOUT);
    let labels = (refusing.label().to_owned(), second.label().to_owned());
    let chain = FallbackChain::new(vec![(labels.0.clone(), refusing), (labels.1.clone(), second)], retry(2), no_trip());
    match chain.unix_time().await {
        Err(ChainError::Unavailable(summary)) => {
            assert!(summary.contains(&labels.0) && summary.contains("cannot connect"), "{summary}");
            assert!(summary.contains(&labels.1) && summary.contains("not a JSON-RPC response"), "{summary}");
        }
        other => panic!("expected unavailable, got {other:?}"),
    }
    assert_eq!(failing.hits(), 2);
    assert_eq!(chain.stats().unavailable, 1);
}

#[tokio::test]
async fn rejection_returns_at_once_without_fallback() {
    let rejecting = start(Behaviour::Preflight(TransactionError::AccountNotFound)).await;
    let healthy = start(Behaviour::Healthy(random_hash())).await;
    let chain = chain_of(&[&rejecting, &healthy], retry(3), no_trip());
    let error = chain.send_transaction(&signed_transaction()).await.unwrap_err();
    assert!(matches!(error, ChainError::Rejected { error: TransactionError::AccountNotFound, .. }), "{error:?}");
    assert_eq!((rejecting.hits(), healthy.hits()), (1, 0));
    assert_eq!(chain.stats().endpoints[0].fatal_errors, 1);
}

#[tokio::test]
async fn resent_transaction_that_already_landed_counts_as_sent() {
    let failing = start(Behaviour::Status(502)).await;
    let landed = start(Behaviour::Preflight(TransactionError::AlreadyProcessed)).await;
    let chain = chain_of(&[&failing, &landed], retry(1), no_trip());
    let transaction = signed_transaction();
    assert_eq!(chain.send_transaction(&transaction).await.unwrap(), transaction.signatures[0]);

    // Sent once only: AlreadyProcessed is a real rejection.
    let only = chain_of(&[&landed], retry(1), no_trip());
    assert!(matches!(
        only.send_transaction(&transaction).await,
        Err(ChainError::Rejected { error: TransactionError::AlreadyProcessed, .. })
    ));
}

#[tokio::test]
async fn timeout_falls_back_quickly() {
    let silent = start(Behaviour::Hang).await;
    let blockhash = random_hash();
    let healthy = start(Behaviour::Healthy(blockhash)).await;
    let config = ChainConfig {
        rpc_urls: vec![silent.url.clone(), healthy.url.clone()],
        request_timeout: Duration::from_millis(200),
        retry: retry(1),
        breaker: no_trip(),
    };
    let backend = ChainBackend::rpc(&config).unwrap();
    let started = Instant::now();
    assert_eq!(backend.latest_blockhash().await.unwrap(), blockhash);
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert_eq!(silent.hits(), 1);
}

#[test]
fn a_backend_needs_an_endpoint() {
    assert!(matches!(ChainBackend::rpc(&ChainConfig::new(vec![])), Err(zk402_chain::BackendError::NoEndpoints)));
}
