//! One contract for the nullifier store, kept by all three backends against real servers on
//! loopback: every transition and its refusal, races between tasks and instances, leases,
//! queue order, purge boundaries, depth, and malformed data read back.

mod common;

use common::{PostgresServer, RedisServer};
use std::collections::HashSet;
use std::path::PathBuf;
use zk402_facilitator::store::{
    Depth, Entry, NullifierStore, PROOF_LEN, PostgresStore, RedisStore, Reservation, SETTLED_RETENTION_SECS,
    SqliteStore, State, StoreError,
};
use zk402_x402::hex::encode32 as hex;

/// A backend under test: `open(ns)` is a store handle on namespace `ns` (its own database
/// file, key prefix or schema); two calls with one `ns` are two instances sharing state.
trait Backend: Sync {
    type Store: NullifierStore + Clone;

    async fn open(&self, ns: &str) -> Self::Store;

    /// Writes, behind the store's back, an entry `bogus` in an unknown state and a queued
    /// entry `short` whose proof is three bytes long.
    async fn write_corrupt(&self, ns: &str, bogus: [u8; 32], short: [u8; 32]);

    /// Overwrites, behind the store's back, the request hash of `nullifier` with three bytes.
    async fn write_corrupt_request_hash(&self, ns: &str, nullifier: [u8; 32]);
}

/// Entry `i` of group `group`, with deadline `deadline`.
fn entry(group: u8, i: u8, deadline: u64) -> Entry {
    let mut nullifier = [0; 32];
    (nullifier[0], nullifier[31]) = (group, i);
    Entry {
        nullifier,
        policy: [0x50 ^ i; 32],
        proof: [i.wrapping_mul(7); PROOF_LEN],
        now: 1_700_000_000 + i64::from(i),
        request_hash: [0xa0 ^ i; 32],
        deadline,
    }
}

const NOW: u64 = 1_700_000_000;

fn corrupt<T>(result: &Result<T, StoreError>) -> bool {
    matches!(result, Err(StoreError::Corrupt(_)))
}

fn wrong_state<T: std::fmt::Debug>(result: Result<T, StoreError>, what: &str) {
    assert!(matches!(result, Err(StoreError::WrongState(_))), "{what}: expected WrongState, got {result:?}");
}

async fn reserved<S: NullifierStore>(store: &S, e: &Entry) {
    assert_eq!(store.reserve(e, NOW).await.unwrap(), Reservation::Reserved, "reserve {:?}", e.nullifier);
}

async fn queued<S: NullifierStore>(store: &S, e: &Entry) {
    reserved(store, e).await;
    assert_eq!(store.enqueue(&e.nullifier).await.unwrap(), State::Queued);
}

async fn every_transition_and_its_refusal<B: Backend>(b: &B) {
    let s = b.open("transitions").await;
    let settled = State::Settled { transaction: "tx1".into() };
    let failed = State::Failed { reason: "deadline_passed".into() };

    // Reserved → queued → settled; settling again by the same transaction is a no-op.
    let a = entry(1, 0, NOW + 60);
    assert_eq!(s.state(&a.nullifier).await.unwrap(), None);
    reserved(&s, &a).await;
    assert_eq!(s.state(&a.nullifier).await.unwrap(), Some(State::Reserved));
    assert_eq!(s.enqueue(&a.nullifier).await.unwrap(), State::Queued);
    assert_eq!(s.enqueue(&a.nullifier).await.unwrap(), State::Queued, "enqueue twice is a no-op");
    s.settled(&a.nullifier, "tx1").await.unwrap();
    s.settled(&a.nullifier, "tx1").await.unwrap();
    assert_eq!(s.state(&a.nullifier).await.unwrap(), Some(settled.clone()));
    wrong_state(s.settled(&a.nullifier, "tx2").await, "settle a settled entry by another transaction");
    wrong_state(s.failed(&a.nullifier, "deadline_passed").await, "fail a settled entry");
    wrong_state(s.release(&a.nullifier).await, "release a settled entry");
    assert_eq!(s.enqueue(&a.nullifier).await.unwrap(), settled, "enqueue a settled entry");
    assert_eq!(s.reserve(&a, NOW).await.unwrap(), Reservation::Taken(settled.clone()));
    assert_eq!(s.state(&a.nullifier).await.unwrap(), Some(settled));

    // Queued → failed; failing again for the same reason is a no-op.
    let c = entry(1, 1, NOW + 60);
    queued(&s, &c).await;
    s.failed(&c.nullifier, "deadline_passed").await.unwrap();
    s.failed(&c.nullifier, "deadline_passed").await.unwrap();
    wrong_state(s.failed(&c.nullifier, "other").await, "fail a failed entry for another reason");
    wrong_state(s.settled(&c.nullifier, "tx1").await, "settle a failed entry");
    wrong_state(s.release(&c.nullifier).await, "release a failed entry");
    assert_eq!(s.enqueue(&c.nullifier).await.unwrap(), failed, "enqueue a failed entry");
    assert_eq!(s.reserve(&c, NOW).await.unwrap(), Reservation::Taken(failed.clone()));
    assert_eq!(s.state(&c.nullifier).await.unwrap(), Some(failed));

    // Reserved: neither settled nor failed before it is queued; released, it can be reserved again.
    let r = entry(1, 2, NOW + 60);
    reserved(&s, &r).await;
    wrong_state(s.settled(&r.nullifier, "tx1").await, "settle a reserved entry");
    wrong_state(s.failed(&r.nullifier, "x").await, "fail a reserved entry");
    s.release(&r.nullifier).await.unwrap();
    assert_eq!(s.state(&r.nullifier).await.unwrap(), None);
    reserved(&s, &r).await;

    // Queued entries are released too.
    let q = entry(1, 3, NOW + 60);
    queued(&s, &q).await;
    s.release(&q.nullifier).await.unwrap();
    assert_eq!(s.state(&q.nullifier).await.unwrap(), None);
    assert_eq!(s.claim(10, NOW, 30).await.unwrap(), Vec::new(), "a released entry is not claimed");

    // An unknown nullifier allows nothing.
    let u = entry(1, 4, NOW + 60).nullifier;
    wrong_state(s.enqueue(&u).await, "enqueue an unknown nullifier");
    wrong_state(s.settled(&u, "tx1").await, "settle an unknown nullifier");
    wrong_state(s.failed(&u, "x").await, "fail an unknown nullifier");
    wrong_state(s.release(&u).await, "release an unknown nullifier");
}

async fn a_second_reservation_is_taken_and_keeps_the_first_proof<B: Backend>(b: &B) {
    let s = b.open("reserve_twice").await;
    let first = entry(2, 0, NOW + 60);
    let second = Entry { proof: [0xee; PROOF_LEN], request_hash: [0xee; 32], ..first.clone() };
    assert_eq!(s.request_hash(&first.nullifier).await.unwrap(), None);
    reserved(&s, &first).await;
    assert_eq!(s.reserve(&second, NOW).await.unwrap(), Reservation::Taken(State::Reserved));
    assert_eq!(s.request_hash(&first.nullifier).await.unwrap(), Some(first.request_hash), "the first request's");
    s.enqueue(&first.nullifier).await.unwrap();
    assert_eq!(s.reserve(&second, NOW).await.unwrap(), Reservation::Taken(State::Queued));
    assert_eq!(s.claim(10, NOW, 30).await.unwrap(), vec![first], "the store keeps the first proof");
}

async fn concurrent_reserves_of_one_nullifier_have_one_winner<B: Backend>(b: &B) {
    let mut handles = Vec::new();
    for _ in 0..4 {
        handles.push(b.open("race").await);
    }
    for round in 0..4 {
        let tasks: Vec<_> = (0..16u8)
            .map(|t| {
                let store = handles[usize::from(t) % handles.len()].clone();
                let e = Entry { proof: [t; PROOF_LEN], ..entry(3, round, NOW + 60) };
                tokio::spawn(async move { store.reserve(&e, NOW).await.unwrap() })
            })
            .collect();
        let mut winners = 0;
        for task in tasks {
            match task.await.unwrap() {
                Reservation::Reserved => winners += 1,
                Reservation::Taken(state) => assert_eq!(state, State::Reserved),
            }
        }
        assert_eq!(winners, 1, "round {round}: exactly one of 16 concurrent reservations wins");
    }
}

async fn a_lease_hides_a_claimed_entry_until_it_lapses<B: Backend>(b: &B) {
    let (one, two) = (b.open("lease").await, b.open("lease").await);
    let e = entry(4, 0, NOW + 600);
    queued(&one, &e).await;
    assert_eq!(one.claim(10, 100, 30).await.unwrap(), vec![e.clone()]);
    assert_eq!(one.claim(10, 100, 30).await.unwrap(), Vec::new(), "claimed again under its lease");
    assert_eq!(two.claim(10, 129, 30).await.unwrap(), Vec::new(), "another instance claimed it under its lease");
    assert_eq!(two.claim(10, 130, 30).await.unwrap(), vec![e.clone()], "the lease lapses at its end");
    assert_eq!(one.claim(10, 159, 30).await.unwrap(), Vec::new(), "the new lease holds");
    // Settled, it is claimed no more.
    two.settled(&e.nullifier, "tx").await.unwrap();
    assert_eq!(one.claim(10, 10_000, 30).await.unwrap(), Vec::new());
}

async fn concurrent_claims_never_share_an_entry<B: Backend>(b: &B) {
    let mut handles = Vec::new();
    for _ in 0..4 {
        handles.push(b.open("claim_race").await);
    }
    let entries: Vec<Entry> = (0..48).map(|i| entry(10, i, NOW + 600)).collect();
    for e in &entries {
        queued(&handles[0], e).await;
    }
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let store = handles[t % handles.len()].clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let claimed = store.claim(3, NOW, 30).await.unwrap();
                    if claimed.is_empty() {
                        return mine;
                    }
                    mine.extend(claimed.into_iter().map(|e| e.nullifier));
                }
            })
        })
        .collect();
    let mut claimed = Vec::new();
    for task in tasks {
        claimed.extend(task.await.unwrap());
    }
    let distinct: HashSet<[u8; 32]> = claimed.iter().copied().collect();
    assert_eq!(claimed.len(), distinct.len(), "an entry was claimed twice under one lease");
    assert_eq!(distinct.len(), entries.len(), "every entry was claimed");
}

async fn claims_take_the_oldest_enqueued_first_within_the_limit<B: Backend>(b: &B) {
    let s = b.open("queue_order").await;
    let entries: Vec<Entry> = (0..5).map(|i| entry(5, i, NOW + 600)).collect();
    for e in &entries {
        reserved(&s, e).await;
    }
    let order = [3, 1, 4, 0, 2];
    for &i in &order {
        s.enqueue(&entries[i].nullifier).await.unwrap();
    }
    let in_order: Vec<Entry> = order.iter().map(|&i| entries[i].clone()).collect();
    assert_eq!(s.claim(0, 100, 30).await.unwrap(), Vec::new(), "limit 0 claims nothing");
    assert_eq!(s.claim(2, 100, 30).await.unwrap(), in_order[..2]);
    assert_eq!(s.claim(10, 110, 30).await.unwrap(), in_order[2..]);
    // Once every lease lapsed, all come back in enqueue order.
    assert_eq!(s.claim(10, 140, 30).await.unwrap(), in_order);
}

async fn two_instances_share_state<B: Backend>(b: &B) {
    let (one, two) = (b.open("instances").await, b.open("instances").await);
    let e = entry(6, 0, NOW + 60);
    reserved(&one, &e).await;
    assert_eq!(two.reserve(&e, NOW).await.unwrap(), Reservation::Taken(State::Reserved));
    assert_eq!(two.enqueue(&e.nullifier).await.unwrap(), State::Queued);
    assert_eq!(one.state(&e.nullifier).await.unwrap(), Some(State::Queued));
    assert_eq!(one.claim(10, 100, 30).await.unwrap(), vec![e.clone()]);
    two.settled(&e.nullifier, "tx").await.unwrap();
    assert_eq!(one.state(&e.nullifier).await.unwrap(), Some(State::Settled { transaction: "tx".into() }));
    assert_eq!(one.depth().await.unwrap(), two.depth().await.unwrap());
}

/// Purge removes reserved entries whose deadline is strictly before `now` (a proof whose
/// deadline is now can still land) and settled ones whose deadline is strictly before
/// `now - SETTLED_RETENTION_SECS`; queued and failed entries stay.
async fn purge_removes_strictly_before_its_boundaries<B: Backend>(b: &B) {
    let s = b.open("purge").await;
    let now = 10 * SETTLED_RETENTION_SECS;
    let horizon = now - SETTLED_RETENTION_SECS;
    let reserved_at_now = entry(7, 0, now);
    let reserved_past = entry(7, 1, now - 1);
    let settled_at_horizon = entry(7, 2, horizon);
    let settled_past = entry(7, 3, horizon - 1);
    let settled_recent = entry(7, 4, now - 1);
    let queued_past = entry(7, 5, 1);
    let failed_past = entry(7, 6, 1);
    for e in [&reserved_at_now, &reserved_past] {
        reserved(&s, e).await;
    }
    for e in [&settled_at_horizon, &settled_past, &settled_recent, &queued_past, &failed_past] {
        queued(&s, e).await;
    }
    for e in [&settled_at_horizon, &settled_past, &settled_recent] {
        s.settled(&e.nullifier, "tx").await.unwrap();
    }
    s.failed(&failed_past.nullifier, "deadline_passed").await.unwrap();

    assert_eq!(s.purge(now).await.unwrap(), 2);
    assert_eq!(s.state(&reserved_past.nullifier).await.unwrap(), None);
    assert_eq!(s.state(&settled_past.nullifier).await.unwrap(), None);
    assert_eq!(s.state(&reserved_at_now.nullifier).await.unwrap(), Some(State::Reserved), "deadline == now is kept");
    assert!(s.state(&settled_at_horizon.nullifier).await.unwrap().is_some(), "deadline == horizon is kept");
    assert!(s.state(&settled_recent.nullifier).await.unwrap().is_some());
    assert_eq!(s.state(&queued_past.nullifier).await.unwrap(), Some(State::Queued));
    assert!(s.state(&failed_past.nullifier).await.unwrap().is_some());
    assert_eq!(s.purge(now).await.unwrap(), 0, "purge is idempotent");

    // A purged reservation may be made again (its proof can no longer land anyway).
    reserved(&s, &reserved_past).await;
    assert_eq!(s.purge(now + 1).await.unwrap(), 3);
    assert_eq!(s.state(&reserved_at_now.nullifier).await.unwrap(), None);
    assert_eq!(s.state(&settled_at_horizon.nullifier).await.unwrap(), None);
    assert_eq!(s.depth().await.unwrap(), Depth { reserved: 0, queued: 1, failed: 1 });
    assert_eq!(s.claim(10, now, 30).await.unwrap(), vec![queued_past], "a purge keeps the queue");
}

async fn depth_counts_unfinished_entries<B: Backend>(b: &B) {
    let s = b.open("depth").await;
    assert_eq!(s.depth().await.unwrap(), Depth::default());
    let e: Vec<Entry> = (0..6).map(|i| entry(8, i, NOW + 60)).collect();
    for x in &e {
        reserved(&s, x).await;
    }
    assert_eq!(s.depth().await.unwrap(), Depth { reserved: 6, queued: 0, failed: 0 });
    for x in &e[..4] {
        s.enqueue(&x.nullifier).await.unwrap();
    }
    assert_eq!(s.claim(1, 100, 30).await.unwrap().len(), 1);
    assert_eq!(s.depth().await.unwrap(), Depth { reserved: 2, queued: 4, failed: 0 }, "leased entries count");
    s.settled(&e[0].nullifier, "tx").await.unwrap();
    s.failed(&e[1].nullifier, "deadline_passed").await.unwrap();
    s.release(&e[4].nullifier).await.unwrap();
    assert_eq!(s.depth().await.unwrap(), Depth { reserved: 1, queued: 2, failed: 1 });
}

async fn malformed_data_reads_back_as_corrupt<B: Backend>(b: &B) {
    let s = b.open("corrupt").await;
    let (bogus, short) = (entry(9, 0, NOW + 60).nullifier, entry(9, 1, NOW + 60).nullifier);
    b.write_corrupt("corrupt", bogus, short).await;
    let state = s.state(&bogus).await;
    assert!(corrupt(&state), "unknown state: {state:?}");
    b.write_corrupt_request_hash("corrupt", bogus).await;
    let hash = s.request_hash(&bogus).await;
    assert!(corrupt(&hash), "a request hash of the wrong length: {hash:?}");
    let reserve = s.reserve(&entry(9, 0, NOW + 60), NOW).await;
    assert!(corrupt(&reserve), "reserve over an unknown state: {reserve:?}");
    let claim = s.claim(10, NOW, 30).await;
    assert!(corrupt(&claim), "three-byte proof: {claim:?}");
}

async fn contract<B: Backend>(b: &B) {
    every_transition_and_its_refusal(b).await;
    a_second_reservation_is_taken_and_keeps_the_first_proof(b).await;
    concurrent_reserves_of_one_nullifier_have_one_winner(b).await;
    a_lease_hides_a_claimed_entry_until_it_lapses(b).await;
    concurrent_claims_never_share_an_entry(b).await;
    claims_take_the_oldest_enqueued_first_within_the_limit(b).await;
    two_instances_share_state(b).await;
    purge_removes_strictly_before_its_boundaries(b).await;
    depth_counts_unfinished_entries(b).await;
    malformed_data_reads_back_as_corrupt(b).await;
}

struct Sqlite(tempfile::TempDir);

impl Sqlite {
    fn path(&self, ns: &str) -> PathBuf {
        self.0.path().join(format!("{ns}.db"))
    }
}

impl Backend for Sqlite {
    type Store = SqliteStore;

    async fn open(&self, ns: &str) -> SqliteStore {
        SqliteStore::open(&self.path(ns)).unwrap()
    }

    async fn write_corrupt(&self, ns: &str, bogus: [u8; 32], short: [u8; 32]) {
        let conn = rusqlite::Connection::open(self.path(ns)).unwrap();
        conn.execute(
            "INSERT INTO zk402_nullifiers
               (nullifier, policy, proof, proof_now, request_hash, deadline, reserved_at, state, enqueued_seq)
             VALUES (?1, ?3, ?3, 1, ?3, 5, 1, 'bogus', NULL), (?2, ?3, x'010203', 1, ?3, 5, 1, 'queued', 1)",
            rusqlite::params![&bogus[..], &short[..], &[0u8; 32][..]],
        )
        .unwrap();
    }

    async fn write_corrupt_request_hash(&self, ns: &str, nullifier: [u8; 32]) {
        let conn = rusqlite::Connection::open(self.path(ns)).unwrap();
        conn.execute(
            "UPDATE zk402_nullifiers SET request_hash = x'010203' WHERE nullifier = ?1",
            rusqlite::params![&nullifier[..]],
        )
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_keeps_the_contract() {
    contract(&Sqlite(tempfile::tempdir().unwrap())).await;
}

struct Redis(RedisServer);

impl Backend for Redis {
    type Store = RedisStore;

    async fn open(&self, ns: &str) -> RedisStore {
        RedisStore::connect(&self.0.url(), &format!("zk402:test:{ns}:")).await.unwrap()
    }

    async fn write_corrupt(&self, ns: &str, bogus: [u8; 32], short: [u8; 32]) {
        let prefix = format!("zk402:test:{ns}:");
        let mut conn = redis::Client::open(self.0.url()).unwrap().get_multiplexed_async_connection().await.unwrap();
        let zero = [0u8; 32];
        redis::pipe()
            .hset(format!("{prefix}n:{}", hex(&bogus)), "state", "bogus")
            .hset_multiple(
                format!("{prefix}n:{}", hex(&short)),
                &[
                    ("state", &b"queued"[..]),
                    ("nullifier", &short[..]),
                    ("policy", &zero[..]),
                    ("proof", &[1, 2, 3][..]),
                    ("proof_now", b"1"),
                    ("request_hash", &zero[..]),
                    ("deadline", b"5"),
                    ("seq", b"1"),
                    ("lease_until", b"0"),
                ],
            )
            .zadd(format!("{prefix}ready"), hex(&short), 1)
            .exec_async(&mut conn)
            .await
            .unwrap();
    }

    async fn write_corrupt_request_hash(&self, ns: &str, nullifier: [u8; 32]) {
        let mut conn = redis::Client::open(self.0.url()).unwrap().get_multiplexed_async_connection().await.unwrap();
        redis::cmd("HSET")
            .arg(format!("zk402:test:{ns}:n:{}", hex(&nullifier)))
            .arg("request_hash")
            .arg(&[1u8, 2, 3][..])
            .exec_async(&mut conn)
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store_keeps_the_contract() {
    contract(&Redis(RedisServer::start())).await;
}

#[tokio::test]
async fn redis_key_of_another_type_reads_as_corrupt() {
    let server = Redis(RedisServer::start());
    let store = server.open("wrong_type").await;
    let e = entry(11, 0, NOW + 60);
    let mut conn = redis::Client::open(server.0.url()).unwrap().get_multiplexed_async_connection().await.unwrap();
    redis::cmd("SET")
        .arg(format!("zk402:test:wrong_type:n:{}", hex(&e.nullifier)))
        .arg("not a hash")
        .exec_async(&mut conn)
        .await
        .unwrap();
    let state = store.state(&e.nullifier).await;
    assert!(corrupt(&state), "a string where a hash belongs: {state:?}");
    let hash = store.request_hash(&e.nullifier).await;
    assert!(corrupt(&hash), "a string where a hash belongs: {hash:?}");
    let reserve = store.reserve(&e, NOW).await;
    assert!(corrupt(&reserve), "reserve over a string: {reserve:?}");
}

struct Postgres(PostgresServer);

impl Postgres {
    async fn client(&self, extra: &str) -> tokio_postgres::Client {
        let (client, connection) =
            tokio_postgres::connect(&self.0.conn_str(extra), tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        client
    }

    fn search_path(ns: &str) -> String {
        format!("options='-c search_path={ns}'")
    }
}

impl Backend for Postgres {
    type Store = PostgresStore;

    async fn open(&self, ns: &str) -> PostgresStore {
        self.client("").await.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {ns}")).await.unwrap();
        PostgresStore::connect(&self.0.conn_str(&Self::search_path(ns))).await.unwrap()
    }

    async fn write_corrupt(&self, ns: &str, bogus: [u8; 32], short: [u8; 32]) {
        self.client(&Self::search_path(ns))
            .await
            .execute(
                "INSERT INTO zk402_nullifiers
                   (nullifier, policy, proof, proof_now, request_hash, deadline, reserved_at, state, enqueued_seq)
                 VALUES ($1, $3, $3, 1, $3, 5, 1, 'bogus', NULL), ($2, $3, '\\x010203', 1, $3, 5, 1, 'queued', 1)",
                &[&&bogus[..], &&short[..], &&[0u8; 32][..]],
            )
            .await
            .unwrap();
    }

    async fn write_corrupt_request_hash(&self, ns: &str, nullifier: [u8; 32]) {
        self.client(&Self::search_path(ns))
            .await
            .execute("UPDATE zk402_nullifiers SET request_hash = '\\x010203' WHERE nullifier = $1", &[&&nullifier[..]])
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store_keeps_the_contract() {
    contract(&Postgres(PostgresServer::start())).await;
}

/// With its server gone, a store refuses (`Unavailable`) rather than answering.
#[tokio::test]
async fn stores_fail_closed_when_their_server_is_gone() {
    let e = entry(12, 0, NOW + 60);
    let unavailable = |r: &Result<Reservation, StoreError>| matches!(r, Err(StoreError::Unavailable(_)));

    let redis = Redis(RedisServer::start());
    let store = redis.open("gone").await;
    drop(redis);
    let reserve = store.reserve(&e, NOW).await;
    assert!(unavailable(&reserve), "Redis gone: {reserve:?}");

    let postgres = Postgres(PostgresServer::start());
    let store = postgres.open("gone").await;
    drop(postgres);
    let reserve = store.reserve(&e, NOW).await;
    assert!(unavailable(&reserve), "PostgreSQL gone: {reserve:?}");
}
