//! Attacks on the per-client rate limit, each performed against the real router: rotating API
//! key values, rotating IPv6 addresses inside one /64, flooding the client table, and spoofing
//! forwarded-address headers on a loopback listener.
//!
//! Admission (API key, then token bucket) comes before the service looks at its proving key, so
//! these services never load one: an admitted request answers 503 `not_ready`, a refused one 401
//! or 429. No test waits for a bucket to refill (the rate is one token per 1000 s).

use axum::body::{Body, to_bytes};
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use serde_json::Value;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;
use zk402_prover::service::client::ApiKeyHash;
use zk402_prover::service::config::ServiceSettings;
use zk402_prover::service::metrics::Outcome;
use zk402_prover::service::{Service, router};

/// A service (not ready: see the module docs) with `burst` tokens per client, `max_clients`
/// tracked, accepting the keys in `keys` (anonymous access at its default).
fn service(burst: u32, max_clients: usize, keys: &[&str]) -> Arc<Service> {
    let settings = ServiceSettings {
        zkey: Some("unused.zkey".into()),
        wasm: Some("unused.wasm".into()),
        rate: Some(0.001),
        burst: Some(burst),
        max_clients: Some(max_clients),
        api_key_sha256: (!keys.is_empty()).then(|| keys.iter().map(|k| ApiKeyHash::of(k.as_bytes())).collect()),
        ..ServiceSettings::default()
    };
    Arc::new(Service::new(settings.with_defaults().expect("test settings")))
}

/// `POST /v1/proofs` from `peer` (as `axum::serve` with connect info records it), with `key` in
/// the default `x-api-key` header if given.
fn from(peer: &str, key: Option<&str>) -> Request<Body> {
    let peer: IpAddr = peer.parse().expect("test address");
    let mut request = Request::post("/v1/proofs").header(header::CONTENT_TYPE, "application/json");
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    let mut request = request.body(Body::from("{}")).expect("request");
    request.extensions_mut().insert(ConnectInfo(SocketAddr::new(peer, 40000)));
    request
}

async fn send(service: &Arc<Service>, request: Request<Body>) -> Response {
    router(service.clone()).oneshot(request).await.expect("infallible router")
}

/// The status and error code of the answer.
async fn answer(service: &Arc<Service>, request: Request<Body>) -> (StatusCode, String) {
    let response = send(service, request).await;
    let status = response.status();
    let body: Value =
        serde_json::from_slice(&to_bytes(response.into_body(), 1 << 16).await.expect("body")).expect("JSON error body");
    (status, body["error"]["code"].as_str().unwrap_or_default().to_owned())
}

/// Whether the request passed authentication and the rate limit.
async fn admitted(service: &Arc<Service>, request: Request<Body>) -> bool {
    match answer(service, request).await {
        (StatusCode::SERVICE_UNAVAILABLE, code) if code == "not_ready" => true,
        (StatusCode::TOO_MANY_REQUESTS, code) if code == "rate_limited" => false,
        other => panic!("neither admitted nor rate limited: {other:?}"),
    }
}

fn random_key() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("randomness");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn rotating_random_api_keys_gets_no_fresh_bucket() {
    let service = service(3, 100, &["alice-key"]);
    let attacker = "198.51.100.7";
    for attempt in 0..20 {
        let key = random_key();
        let response = send(&service, from(attacker, Some(&key))).await;
        let status = response.status();
        let challenge = response.headers().get(header::WWW_AUTHENTICATE).cloned();
        let body = String::from_utf8(to_bytes(response.into_body(), 1 << 16).await.unwrap().to_vec()).unwrap();
        assert!(!body.contains(&key), "the refusal echoes the key: {body}");
        if attempt < 3 {
            // Each guess costs the attacker's address a token, then is refused.
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
            assert!(body.contains("\"unknown_api_key\""), "{body}");
            assert_eq!(challenge.unwrap(), "ApiKey header=\"x-api-key\"");
        } else {
            assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "guess {attempt} got a fresh bucket: {body}");
        }
    }
    assert_eq!(service.metrics.outcome_total(Outcome::Unauthorized), 3);
    assert_eq!(service.metrics.outcome_total(Outcome::RateLimited), 17);
    // The configured key still has its own bucket, even from the attacker's address.
    assert!(admitted(&service, from(attacker, Some("alice-key"))).await);
}

#[tokio::test]
async fn a_configured_key_is_admitted_and_shares_one_bucket_across_addresses() {
    let service = service(2, 100, &["alice-key", "bob-key"]);
    assert!(admitted(&service, from("192.0.2.1", Some("alice-key"))).await);
    assert!(admitted(&service, from("2001:db8::1", Some("alice-key"))).await);
    assert!(
        !admitted(&service, from("203.0.113.9", Some("alice-key"))).await,
        "a third address does not bring the key a fresh bucket"
    );
    assert!(admitted(&service, from("192.0.2.1", Some("bob-key"))).await, "another key has its own bucket");
}

#[tokio::test]
async fn keyless_requests_are_refused_when_keys_are_configured_unless_anonymous_access_is_on() {
    let closed = service(5, 100, &["alice-key"]);
    let response = send(&closed, from("192.0.2.1", None)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "ApiKey header=\"x-api-key\"");
    assert_eq!(answer(&closed, from("192.0.2.1", None)).await, (StatusCode::UNAUTHORIZED, "api_key_required".into()));

    let settings = ServiceSettings {
        zkey: Some("unused.zkey".into()),
        wasm: Some("unused.wasm".into()),
        api_key_sha256: Some(vec![ApiKeyHash::of(b"alice-key")]),
        allow_anonymous: Some(true),
        ..ServiceSettings::default()
    };
    let open = Arc::new(Service::new(settings.with_defaults().unwrap()));
    assert!(admitted(&open, from("192.0.2.1", None)).await, "anonymous access, limited by address");
    let unknown = answer(&open, from("192.0.2.1", Some("mallory"))).await;
    assert_eq!(unknown, (StatusCode::UNAUTHORIZED, "unknown_api_key".into()), "a wrong key is not anonymous");
}

#[tokio::test]
async fn rotating_addresses_within_one_ipv6_64_shares_one_bucket() {
    let service = service(2, 100, &[]);
    let in_prefix = |i: u64| {
        let interface = i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        Ipv6Addr::from_bits((0x2001_0db8_0007_0007_u128 << 64) | u128::from(interface)).to_string()
    };
    assert!(admitted(&service, from(&in_prefix(1), None)).await);
    assert!(admitted(&service, from(&in_prefix(2), None)).await);
    for i in 3..20 {
        assert!(!admitted(&service, from(&in_prefix(i), None)).await, "{} got a fresh bucket", in_prefix(i));
    }
    assert!(admitted(&service, from("2001:db8:7:8::1", None)).await, "the next /64 is another client");

    // IPv4 clients are keyed by the whole address, also when they arrive IPv4-mapped.
    assert!(admitted(&service, from("::ffff:203.0.113.9", None)).await);
    assert!(admitted(&service, from("203.0.113.9", None)).await);
    assert!(!admitted(&service, from("203.0.113.9", None)).await, "mapped and plain IPv4 share a bucket");
    assert!(admitted(&service, from("203.0.113.10", None)).await);
}

#[tokio::test]
async fn filling_the_client_table_does_not_lock_out_a_new_client() {
    let service = service(1, 16, &[]);
    let attacker = |i: u32| Ipv4Addr::from_bits(0x0a00_0000_u32 + i).to_string();
    for i in 0..16 {
        assert!(admitted(&service, from(&attacker(i), None)).await);
        assert!(!admitted(&service, from(&attacker(i), None)).await, "each table entry is drained");
    }
    for i in 16..300 {
        assert!(admitted(&service, from(&attacker(i), None)).await, "new client {i} refused by a full table");
    }
    assert!(admitted(&service, from("192.0.2.200", None)).await, "a new client after the flood");
    assert_eq!(service.metrics.outcome_total(Outcome::RateLimited), 16);
}

#[tokio::test]
async fn an_evicted_idle_client_is_not_penalised() {
    let service = service(3, 4, &[]);
    let victim = "192.0.2.50";
    assert!(admitted(&service, from(victim, None)).await, "the victim spends one token, then idles");
    let attackers = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"];
    for attacker in attackers {
        for _ in 0..3 {
            assert!(admitted(&service, from(attacker, None)).await);
        }
    }
    // The fourth attacker took the victim's place (its bucket was the fullest); the attackers,
    // all drained, were not forgiven.
    for attacker in attackers {
        assert!(!admitted(&service, from(attacker, None)).await, "{attacker} was forgiven");
    }
    // Forgotten, the victim comes back with a full bucket: its whole burst, not just what it kept.
    for _ in 0..3 {
        assert!(admitted(&service, from(victim, None)).await, "the evicted victim was refused");
    }
    assert!(!admitted(&service, from(victim, None)).await);
}

/// Sends a keyless `POST /v1/proofs` with `extra` header lines to `server` from the loopback
/// address `source`; returns the status code.
async fn post_from(source: [u8; 4], server: SocketAddr, extra: &str) -> u16 {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((source, 0))).unwrap();
    let mut stream = socket.connect(server).await.unwrap();
    let request = format!(
        "POST /v1/proofs HTTP/1.1\r\nHost: {server}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n{extra}Connection: close\r\n\r\n{{}}"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response.split(' ').nth(1).and_then(|code| code.parse().ok()).expect("a status line")
}

#[tokio::test]
async fn spoofed_forwarded_headers_on_loopback_get_no_fresh_bucket() {
    let service = service(1, 100, &[]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = listener.local_addr().unwrap();
    let app = router(service).into_make_service_with_connect_info::<SocketAddr>();
    let serving = tokio::spawn(async move { axum::serve(listener, app).await });
    assert_eq!(post_from([127, 0, 0, 1], server, "").await, 503, "admitted (the key is not loaded)");
    let spoofed = "X-Forwarded-For: 192.0.2.99\r\nX-Real-IP: 192.0.2.99\r\nForwarded: for=192.0.2.99\r\n";
    assert_eq!(post_from([127, 0, 0, 1], server, spoofed).await, 429, "a forwarded header is not trusted");
    assert_eq!(post_from([127, 0, 0, 2], server, "").await, 503, "another IPv4 address is another client");
    serving.abort();
}
