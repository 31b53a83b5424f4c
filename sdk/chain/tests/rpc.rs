//! The JSON-RPC client against real loopback servers that fail in each way a cluster can.

mod support;

use solana_hash::Hash;
use solana_transaction_error::TransactionError;
use std::time::{Duration, Instant};
use support::{Behaviour, random_hash, refusing_url, signed_transaction, start};
use zk402_chain::rpc::{EndpointError, RpcEndpoint};
use zk402_chain::{Chain, ChainError};

const TIMEOUT: Duration = Duration::from_secs(5);

fn transport_message(result: Result<Hash, ChainError>) -> String {
    match result {
        Err(ChainError::Transport { message, .. }) => message,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[tokio::test]
async fn healthy_endpoint_answers() {
    let blockhash = random_hash();
    let server = start(Behaviour::Healthy(blockhash)).await;
    let endpoint = server.endpoint(TIMEOUT);
    assert_eq!(endpoint.latest_blockhash().await.unwrap(), blockhash);
    endpoint.health().await.unwrap();
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn refused_connection_is_a_transport_error_that_hides_the_api_key() {
    let mut url = refusing_url().await;
    url.set_path("/v1/secret-token");
    url.set_query(Some("api-key=secret-key"));
    let endpoint = RpcEndpoint::new(url.clone(), TIMEOUT).unwrap();
    assert_eq!(endpoint.label(), format!("http://127.0.0.1:{}", url.port().unwrap()));
    let error = endpoint.latest_blockhash().await.unwrap_err();
    assert!(error.is_retriable());
    let text = error.to_string();
    assert!(text.contains("cannot connect"), "{text}");
    assert!(!text.contains("secret"), "{text}");
}

#[tokio::test]
async fn server_error_is_a_transport_error() {
    let server = start(Behaviour::Status(503)).await;
    let message = transport_message(server.endpoint(TIMEOUT).latest_blockhash().await);
    assert!(message.contains("503"), "{message}");
    let server = start(Behaviour::Status(429)).await;
    let message = transport_message(server.endpoint(TIMEOUT).latest_blockhash().await);
    assert!(message.contains("429"), "{message}");
}

#[tokio::test]
async fn silent_endpoint_times_out() {
    let server = start(Behaviour::Hang).await;
    let started = Instant::now();
    let message = transport_message(server.endpoint(Duration::from_millis(300)).latest_blockhash().await);
    let elapsed = started.elapsed();
    assert!(message.contains("no answer within 300ms"), "{message}");
    assert!(elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[tokio::test]
async fn garbage_and_wrong_ids_are_transport_errors() {
    let server = start(Behaviour::Garbage).await;
    let message = transport_message(server.endpoint(TIMEOUT).latest_blockhash().await);
    assert!(message.contains("not a JSON-RPC response"), "{message}");
    let server = start(Behaviour::WrongId).await;
    let message = transport_message(server.endpoint(TIMEOUT).latest_blockhash().await);
    assert!(message.contains("id 999999"), "{message}");
}

#[tokio::test]
async fn json_rpc_error_is_an_rpc_error() {
    let server = start(Behaviour::RpcError(-32005, "Node is unhealthy")).await;
    let endpoint = server.endpoint(TIMEOUT);
    match endpoint.latest_blockhash().await {
        Err(ChainError::Rpc { code, message, endpoint: label }) => {
            assert_eq!((code, message.as_str()), (-32005, "Node is unhealthy"));
            assert_eq!(label, endpoint.label());
        }
        other => panic!("expected an RPC error, got {other:?}"),
    }
}

#[tokio::test]
async fn preflight_failure_is_a_rejection_with_logs() {
    let error = TransactionError::InstructionError(0, solana_instruction_error::InstructionError::Custom(6001));
    let server = start(Behaviour::Preflight(error.clone())).await;
    match server.endpoint(TIMEOUT).send_transaction(&signed_transaction()).await {
        Err(e @ ChainError::Rejected { .. }) => {
            assert!(!e.is_retriable());
            let ChainError::Rejected { error: got, logs } = e else { unreachable!() };
            assert_eq!(got, error);
            assert_eq!(logs, ["Program log: refused"]);
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[test]
fn only_http_urls_are_endpoints() {
    for url in ["ftp://example.com/", "unix:/tmp/socket", "file:///tmp/x"] {
        let url = url::Url::parse(url).unwrap();
        assert!(matches!(RpcEndpoint::new(url, TIMEOUT), Err(EndpointError::UnsupportedUrl(_))));
    }
}
