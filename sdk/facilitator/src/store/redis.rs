//! The shared store for several facilitator instances on Redis. Under the key prefix: one hash
//! per nullifier (`n:<hex nullifier>`), and the indexes that make every query cheap, each a
//! sorted set of hex nullifiers — `reserved` and `settled` (scored by deadline, for `purge`),
//! `ready` (queued and not leased, scored by enqueue order), `leased` (queued and claimed,
//! scored by the lease's end), `failed` — plus the `seq` counter that orders enqueues. Every
//! transition is one Lua script, which Redis runs atomically; `depth` counts the indexes.
//!
//! Scripts reach entry keys they compute from the prefix, so the store needs one Redis server
//! (or, on a cluster, a prefix with a hash tag such as `{zk402}:` putting every key in one
//! slot). Redis cannot undo a script half-way, so scripts check what they read before they
//! write, except `claim`: entries it leased that then fail to decode make it answer
//! [`StoreError::Corrupt`], and their leases lapse as usual. Connections are re-made after a failure; a call that cannot reach Redis within
//! [`TIMEOUT`] fails with [`StoreError::Unavailable`].

use super::codec;
use super::{Depth, Entry, NullifierStore, Reservation, State, StoreError};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, FromRedisValue, Script, Value};
use std::time::Duration;
use zk402_x402::hex::encode32 as hex;

/// How long connecting or any one command may take.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// Answers `{'taken', state, detail}` when the key exists, else writes the entry.
const RESERVE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then
  local cur = redis.call('HMGET', KEYS[1], 'state', 'tx_signature', 'reason')
  return {'taken', cur[1], cur[2] or cur[3]}
end
redis.call('HSET', KEYS[1], 'state', 'reserved', 'nullifier', ARGV[2], 'policy', ARGV[3], 'proof', ARGV[4],
  'proof_now', ARGV[5], 'request_hash', ARGV[6], 'deadline', ARGV[7], 'reserved_at', ARGV[8])
redis.call('ZADD', KEYS[2], ARGV[7], ARGV[1])
return {'reserved'}
";

/// Answers the state after the call (`{}` for an unknown nullifier).
const ENQUEUE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
local cur = redis.call('HMGET', KEYS[1], 'state', 'tx_signature', 'reason')
if cur[1] ~= 'reserved' then return {cur[1], cur[2] or cur[3]} end
local seq = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[1], 'state', 'queued', 'seq', seq, 'lease_until', 0)
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], seq, ARGV[1])
return {'queued'}
";

/// Returns lapsed leases to `ready` in enqueue order, then leases the oldest `limit`. Answers
/// `{'ok', fields…}`, or `{'corrupt', nullifier}` before changing anything.
const CLAIM: &str = r"
local prefix = ARGV[4]
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
local seqs = {}
for i, m in ipairs(lapsed) do
  seqs[i] = tonumber(redis.call('HGET', prefix .. m, 'seq'))
  if not seqs[i] then return {'corrupt', m} end
end
for i, m in ipairs(lapsed) do
  redis.call('ZREM', KEYS[2], m)
  redis.call('ZADD', KEYS[1], seqs[i], m)
end
local out = {'ok'}
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[3]) - 1)) do
  redis.call('ZREM', KEYS[1], m)
  redis.call('ZADD', KEYS[2], ARGV[2], m)
  redis.call('HSET', prefix .. m, 'lease_until', ARGV[2])
  out[#out + 1] = redis.call('HMGET', prefix .. m, 'nullifier', 'policy', 'proof', 'proof_now', 'request_hash', 'deadline')
end
return out
";

/// Queued → `ARGV[2]` (settled or failed) with detail field `ARGV[3]` = `ARGV[4]`, indexed in
/// `KEYS[4]` by deadline; a repeat with the same detail is a no-op. Answers `{'ok'}`,
/// `{'corrupt'}` or `{'refused', state, detail}`.
const FINISH: &str = r"
local cur = redis.call('HMGET', KEYS[1], 'state', ARGV[3], 'deadline')
if cur[1] == 'queued' or (cur[1] == ARGV[2] and cur[2] == ARGV[4]) then
  local deadline = tonumber(cur[3])
  if not deadline then return {'corrupt'} end
  redis.call('HSET', KEYS[1], 'state', ARGV[2], ARGV[3], ARGV[4])
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('ZADD', KEYS[4], deadline, ARGV[1])
  return {'ok'}
end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'refused'} end
local now = redis.call('HMGET', KEYS[1], 'state', 'tx_signature', 'reason')
return {'refused', now[1], now[2] or now[3]}
";

/// Forgets a reserved or queued entry. Answers like [`FINISH`].
const RELEASE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return {'refused'} end
local cur = redis.call('HMGET', KEYS[1], 'state', 'tx_signature', 'reason')
if cur[1] ~= 'reserved' and cur[1] ~= 'queued' then return {'refused', cur[1], cur[2] or cur[3]} end
redis.call('DEL', KEYS[1])
for i = 2, 4 do redis.call('ZREM', KEYS[i], ARGV[1]) end
return {'ok'}
";

/// Answers `{}` for an unknown nullifier, else `{state, detail}`.
const STATE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
local cur = redis.call('HMGET', KEYS[1], 'state', 'tx_signature', 'reason')
return {cur[1], cur[2] or cur[3]}
";

/// Deletes the entries of index `KEYS[i]` scored strictly below `ARGV[i]`; answers how many.
const PURGE: &str = r"
local n = 0
for i = 1, 2 do
  local bound = '(' .. ARGV[i]
  local gone = redis.call('ZRANGEBYSCORE', KEYS[i], '-inf', bound)
  for _, m in ipairs(gone) do redis.call('DEL', ARGV[3] .. m) end
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', bound)
  n = n + #gone
end
return n
";

/// Nullifiers in a Redis server shared by facilitator instances.
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    prefix: String,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to `url` (`redis://host:port/db`), keeping every key under `key_prefix`.
    pub async fn connect(url: &str, key_prefix: &str) -> Result<RedisStore, StoreError> {
        let client = Client::open(url).map_err(unavailable)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(1);
        let conn = client.get_connection_manager_with_config(config).await.map_err(unavailable)?;
        Ok(RedisStore { conn, prefix: key_prefix.to_owned() })
    }

    fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn entry_prefix(&self) -> String {
        self.key("n:")
    }

    async fn run<T: FromRedisValue>(&self, script: &str, keys: &[String], args: &[&[u8]]) -> Result<T, StoreError> {
        let script = Script::new(script);
        let mut invocation = script.prepare_invoke();
        for key in keys {
            invocation.key(key);
        }
        for arg in args {
            invocation.arg(*arg);
        }
        let mut conn = self.conn.clone();
        invocation.invoke_async(&mut conn).await.map_err(unavailable)
    }

    /// Runs [`FINISH`] or [`RELEASE`] and turns its answer into the outcome of `action`.
    async fn transition(&self, script: &str, keys: &[String], args: &[&[u8]], action: &str) -> Result<(), StoreError> {
        let answer: Vec<Value> = self.run(script, keys, args).await?;
        let (tag, rest) = answer.split_first().ok_or_else(|| corrupt("empty script answer"))?;
        match text(tag)?.as_str() {
            "ok" => Ok(()),
            "refused" => Err(StoreError::WrongState(format!(
                "cannot {action} a nullifier in state {:?}",
                (!rest.is_empty()).then(|| state(rest)).transpose()?
            ))),
            other => Err(StoreError::Corrupt(format!("{action} found malformed data ({other})"))),
        }
    }
}

/// A key of another type is data this code did not write; the rest is Redis failing.
fn unavailable(e: redis::RedisError) -> StoreError {
    if e.code() == Some("WRONGTYPE") {
        StoreError::Corrupt(e.to_string())
    } else {
        StoreError::Unavailable(e.to_string())
    }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_owned())
}

fn decode<T: FromRedisValue>(value: &Value) -> Result<T, StoreError> {
    redis::from_redis_value_ref(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn text(value: &Value) -> Result<String, StoreError> {
    decode(value)
}

/// A state from a script's `{state, detail}`.
fn state(fields: &[Value]) -> Result<State, StoreError> {
    let [name, rest @ ..] = fields else { return Err(corrupt("state answer without a state")) };
    let detail = rest.first().map(decode::<Option<String>>).transpose()?.flatten();
    codec::state(&text(name)?, detail)
}

fn entry(fields: &Value) -> Result<Entry, StoreError> {
    let fields: Vec<Value> = decode(fields)?;
    let [nullifier, policy, proof, now, request_hash, deadline] = fields.as_slice() else {
        return Err(corrupt("claimed entry has the wrong number of fields"));
    };
    let number = |v: &Value| -> Result<i64, StoreError> {
        text(v)?.parse().map_err(|_| corrupt("entry holds a malformed number"))
    };
    codec::entry(
        &decode::<Vec<u8>>(nullifier)?,
        &decode::<Vec<u8>>(policy)?,
        &decode::<Vec<u8>>(proof)?,
        number(now)?,
        &decode::<Vec<u8>>(request_hash)?,
        number(deadline)?,
    )
}

impl NullifierStore for RedisStore {
    async fn reserve(&self, entry: &Entry, now: u64) -> Result<Reservation, StoreError> {
        let member = hex(&entry.nullifier);
        let keys = [self.key(&format!("n:{member}")), self.key("reserved")];
        let (proof_now, deadline, now) = (entry.now.to_string(), entry.deadline.to_string(), now.to_string());
        let args: [&[u8]; 8] = [
            member.as_bytes(),
            &entry.nullifier,
            &entry.policy,
            &entry.proof,
            proof_now.as_bytes(),
            &entry.request_hash,
            deadline.as_bytes(),
            now.as_bytes(),
        ];
        let answer: Vec<Value> = self.run(RESERVE, &keys, &args).await?;
        let (tag, rest) = answer.split_first().ok_or_else(|| corrupt("empty reserve answer"))?;
        match text(tag)?.as_str() {
            "reserved" => Ok(Reservation::Reserved),
            "taken" => Ok(Reservation::Taken(state(rest)?)),
            other => Err(StoreError::Corrupt(format!("reserve script answered {other:?}"))),
        }
    }

    async fn enqueue(&self, nullifier: &[u8; 32]) -> Result<State, StoreError> {
        let member = hex(nullifier);
        let keys = [self.key(&format!("n:{member}")), self.key("reserved"), self.key("ready"), self.key("seq")];
        let answer: Vec<Value> = self.run(ENQUEUE, &keys, &[member.as_bytes()]).await?;
        if answer.is_empty() {
            return Err(StoreError::WrongState("cannot enqueue an unknown nullifier".into()));
        }
        state(&answer)
    }

    async fn claim(&self, limit: usize, now: u64, lease_secs: u64) -> Result<Vec<Entry>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let keys = [self.key("ready"), self.key("leased")];
        let (now, until, limit, prefix) =
            (now.to_string(), now.saturating_add(lease_secs).to_string(), limit.to_string(), self.entry_prefix());
        let args: [&[u8]; 4] = [now.as_bytes(), until.as_bytes(), limit.as_bytes(), prefix.as_bytes()];
        let answer: Vec<Value> = self.run(CLAIM, &keys, &args).await?;
        let (tag, rest) = answer.split_first().ok_or_else(|| corrupt("empty claim answer"))?;
        match text(tag)?.as_str() {
            "ok" => rest.iter().map(entry).collect(),
            _ => Err(StoreError::Corrupt(format!(
                "queued entry {} has no enqueue order",
                rest.first().map(text).transpose()?.unwrap_or_default()
            ))),
        }
    }

    async fn settled(&self, nullifier: &[u8; 32], transaction: &str) -> Result<(), StoreError> {
        let member = hex(nullifier);
        let keys = [self.key(&format!("n:{member}")), self.key("ready"), self.key("leased"), self.key(codec::SETTLED)];
        let args: [&[u8]; 4] = [member.as_bytes(), codec::SETTLED.as_bytes(), b"tx_signature", transaction.as_bytes()];
        self.transition(FINISH, &keys, &args, "settle").await
    }

    async fn failed(&self, nullifier: &[u8; 32], reason: &str) -> Result<(), StoreError> {
        let member = hex(nullifier);
        let keys = [self.key(&format!("n:{member}")), self.key("ready"), self.key("leased"), self.key(codec::FAILED)];
        let args: [&[u8]; 4] = [member.as_bytes(), codec::FAILED.as_bytes(), b"reason", reason.as_bytes()];
        self.transition(FINISH, &keys, &args, "fail").await
    }

    async fn release(&self, nullifier: &[u8; 32]) -> Result<(), StoreError> {
        let member = hex(nullifier);
        let keys = [self.key(&format!("n:{member}")), self.key("reserved"), self.key("ready"), self.key("leased")];
        self.transition(RELEASE, &keys, &[member.as_bytes()], "release").await
    }

    async fn state(&self, nullifier: &[u8; 32]) -> Result<Option<State>, StoreError> {
        let answer: Vec<Value> = self.run(STATE, &[self.key(&format!("n:{}", hex(nullifier)))], &[]).await?;
        if answer.is_empty() { Ok(None) } else { state(&answer).map(Some) }
    }

    async fn request_hash(&self, nullifier: &[u8; 32]) -> Result<Option<[u8; 32]>, StoreError> {
        let mut conn = self.conn.clone();
        let key = self.key(&format!("n:{}", hex(nullifier)));
        let hash: Option<Vec<u8>> =
            redis::cmd("HGET").arg(key).arg("request_hash").query_async(&mut conn).await.map_err(unavailable)?;
        hash.map(|hash| codec::request_hash(&hash)).transpose()
    }

    async fn depth(&self) -> Result<Depth, StoreError> {
        let mut conn = self.conn.clone();
        let (reserved, ready, leased, failed): (u64, u64, u64, u64) = redis::pipe()
            .atomic()
            .zcard(self.key("reserved"))
            .zcard(self.key("ready"))
            .zcard(self.key("leased"))
            .zcard(self.key(codec::FAILED))
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        Ok(Depth { reserved, queued: ready + leased, failed })
    }

    async fn purge(&self, now: u64) -> Result<u64, StoreError> {
        let keys = [self.key("reserved"), self.key(codec::SETTLED)];
        let (now, horizon, prefix) = (now.to_string(), codec::settled_horizon(now).to_string(), self.entry_prefix());
        self.run(PURGE, &keys, &[now.as_bytes(), horizon.as_bytes(), prefix.as_bytes()]).await
    }
}
