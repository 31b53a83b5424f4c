//! The challenge stores against real backends: SQLite files and a `redis-server` on loopback.
//! One generic body per property, run for each backend.

mod common;

use common::RedisServer;
use std::sync::Arc;
use std::time::{Duration, Instant};
use zk402_merchant::challenge::{
    Challenge, ChallengeStore, RedisStore, Reservation, SqliteStore, StoreError, new_challenge, unix_now,
};

const TIMEOUT: Duration = Duration::from_secs(2);

fn challenge(ttl: u64) -> Challenge {
    new_challenge([5; 32], "https://merchant.test/v1/data".into(), unix_now(), ttl).unwrap()
}

async fn state_machine<S: ChallengeStore>(store: &S) {
    let c = challenge(60);
    store.issue(&c).await.unwrap();
    let now = unix_now();
    assert_eq!(store.reserve(&c.nonce, now).await.unwrap(), Reservation::Reserved(c.clone()));
    assert_eq!(store.reserve(&c.nonce, now).await.unwrap(), Reservation::InUse);
    store.release(&c.nonce).await.unwrap();
    assert!(matches!(store.release(&c.nonce).await, Err(StoreError::NotReserved)));
    assert_eq!(store.reserve(&c.nonce, now).await.unwrap(), Reservation::Reserved(c.clone()));
    store.commit(&c.nonce, "sig-1").await.unwrap();
    assert_eq!(store.reserve(&c.nonce, now).await.unwrap(), Reservation::AlreadyUsed);
    assert!(matches!(store.commit(&c.nonce, "sig-2").await, Err(StoreError::NotReserved)));
    assert!(matches!(store.release(&c.nonce).await, Err(StoreError::NotReserved)));
    assert_eq!(store.reserve(&[0xee; 32], now).await.unwrap(), Reservation::Unknown);

    let short = challenge(60);
    store.issue(&short).await.unwrap();
    assert_eq!(store.reserve(&short.nonce, short.expires_at).await.unwrap(), Reservation::Expired);
    assert_eq!(store.reserve(&short.nonce, short.expires_at - 1).await.unwrap(), Reservation::Reserved(short));
}

/// Many reservers race for one challenge through separate store handles: exactly one wins.
async fn race<S: ChallengeStore + Clone>(stores: Vec<S>) {
    let c = challenge(60);
    stores[0].issue(&c).await.unwrap();
    let start = Arc::new(tokio::sync::Barrier::new(stores.len()));
    let tasks: Vec<_> = stores
        .into_iter()
        .map(|store| {
            let (start, nonce) = (Arc::clone(&start), c.nonce);
            tokio::spawn(async move {
                start.wait().await;
                store.reserve(&nonce, unix_now()).await.unwrap()
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    let winners = outcomes.iter().filter(|o| matches!(o, Reservation::Reserved(_))).count();
    assert_eq!(winners, 1, "{outcomes:?}");
    assert!(outcomes.iter().all(|o| matches!(o, Reservation::Reserved(_) | Reservation::InUse)), "{outcomes:?}");
}

#[tokio::test]
async fn sqlite_state_machine() {
    let dir = tempfile::tempdir().unwrap();
    state_machine(&SqliteStore::open(&dir.path().join("challenges.db")).unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_race_across_connections() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("challenges.db");
    let stores: Vec<_> = (0..8).map(|_| SqliteStore::open(&path).unwrap()).collect();
    for _ in 0..5 {
        race(stores.clone()).await;
    }
}

#[tokio::test]
async fn sqlite_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("challenges.db");
    let (used, pending, reserved) = (challenge(60), challenge(60), challenge(60));
    {
        let store = SqliteStore::open(&path).unwrap();
        for c in [&used, &pending, &reserved] {
            store.issue(c).await.unwrap();
        }
        store.reserve(&used.nonce, unix_now()).await.unwrap();
        store.commit(&used.nonce, "sig").await.unwrap();
        store.reserve(&reserved.nonce, unix_now()).await.unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.reserve(&used.nonce, unix_now()).await.unwrap(), Reservation::AlreadyUsed);
    assert_eq!(store.reserve(&reserved.nonce, unix_now()).await.unwrap(), Reservation::InUse);
    assert_eq!(store.reserve(&pending.nonce, unix_now()).await.unwrap(), Reservation::Reserved(pending));
}

#[tokio::test]
async fn sqlite_purges_long_expired_challenges() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("challenges.db")).unwrap();
    let mut old = challenge(0);
    old.expires_at = unix_now() - zk402_merchant::challenge::EXPIRED_RETENTION_SECS - 1;
    let mut recent = challenge(0);
    recent.expires_at = unix_now() - 1;
    store.issue(&old).await.unwrap();
    store.issue(&recent).await.unwrap();
    store.issue(&challenge(60)).await.unwrap();
    assert_eq!(store.reserve(&old.nonce, unix_now()).await.unwrap(), Reservation::Unknown, "purged");
    assert_eq!(store.reserve(&recent.nonce, unix_now()).await.unwrap(), Reservation::Expired, "kept a while");
}

#[test]
fn sqlite_open_fails_cleanly_on_a_bad_path() {
    let dir = tempfile::tempdir().unwrap();
    let err = SqliteStore::open(&dir.path().join("missing-dir/challenges.db")).unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err}");
}

#[tokio::test]
async fn redis_state_machine() {
    let Some(server) = RedisServer::start() else { return };
    state_machine(&RedisStore::new(&server.url(), "test:challenge:", TIMEOUT).unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_race_across_connections() {
    let Some(server) = RedisServer::start() else { return };
    let stores: Vec<_> = (0..8).map(|_| RedisStore::new(&server.url(), "test:challenge:", TIMEOUT).unwrap()).collect();
    for _ in 0..5 {
        race(stores.clone()).await;
    }
}

#[tokio::test]
async fn redis_keys_expire_after_retention() {
    let Some(server) = RedisServer::start() else { return };
    let store = RedisStore::new(&server.url(), "test:challenge:", TIMEOUT).unwrap();
    let mut gone = challenge(0);
    gone.expires_at = unix_now() - zk402_merchant::challenge::EXPIRED_RETENTION_SECS - 1;
    store.issue(&gone).await.unwrap();
    assert_eq!(store.reserve(&gone.nonce, unix_now()).await.unwrap(), Reservation::Unknown, "purged by Redis");
}

#[tokio::test]
async fn redis_down_fails_closed() {
    let Some(mut server) = RedisServer::start() else { return };
    let store = RedisStore::new(&server.url(), "test:challenge:", TIMEOUT).unwrap();
    let c = challenge(60);
    store.issue(&c).await.unwrap();
    server.kill();
    let started = Instant::now();
    for result in [
        store.reserve(&c.nonce, unix_now()).await.map(drop),
        store.issue(&challenge(60)).await,
        store.commit(&c.nonce, "sig").await,
        store.release(&c.nonce).await,
    ] {
        assert!(matches!(result, Err(StoreError::Unavailable(_))), "{result:?}");
    }
    assert!(started.elapsed() < 4 * 4 * TIMEOUT, "each call gives up within its timeouts");
}

#[tokio::test]
async fn redis_unreachable_from_the_start_fails_closed() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let store = RedisStore::new(&format!("redis://127.0.0.1:{port}/"), "test:", TIMEOUT).unwrap();
    assert!(matches!(store.reserve(&[1; 32], unix_now()).await, Err(StoreError::Unavailable(_))));
}
