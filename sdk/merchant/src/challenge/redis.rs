//! The shared store for several merchant instances: one Redis hash per challenge
//! (`<prefix><hex nonce>`), expiring [`EXPIRED_RETENTION_SECS`] after the challenge. Every
//! state change is a Lua script, which Redis runs atomically.
//!
//! Connections are made lazily and re-made after a failure; a call that cannot reach Redis
//! within the configured timeout fails with [`StoreError::Unavailable`].

use super::store::{ChallengeStore, Reservation, StoreError};
use super::{Challenge, EXPIRED_RETENTION_SECS};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, Script, Value};
use std::time::Duration;
use zk402_x402::hex;

const ISSUE: &str = r"
redis.call('HSET', KEYS[1], 'policy', ARGV[1], 'expires_at', ARGV[2], 'resource', ARGV[3], 'state', 'issued')
redis.call('EXPIREAT', KEYS[1], ARGV[4])
return 1
";

const RESERVE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return {'unknown'} end
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'used' then return {'used'} end
local expires_at = redis.call('HGET', KEYS[1], 'expires_at')
if tonumber(expires_at) <= tonumber(ARGV[1]) then return {'expired'} end
if state ~= 'issued' then return {'in_use'} end
redis.call('HSET', KEYS[1], 'state', 'reserved')
return {'reserved', redis.call('HGET', KEYS[1], 'policy'), expires_at, redis.call('HGET', KEYS[1], 'resource')}
";

const COMMIT: &str = r"
if redis.call('HGET', KEYS[1], 'state') ~= 'reserved' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'used', 'tx_signature', ARGV[1])
return 1
";

const RELEASE: &str = r"
if redis.call('HGET', KEYS[1], 'state') ~= 'reserved' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'issued')
return 1
";

/// Challenges in a Redis server shared by merchant instances.
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
    /// A store at `url` (`redis://host:port/db`) with keys under `prefix`; every connection
    /// attempt and command gives up after `timeout`. Connects on first use.
    pub fn new(url: &str, prefix: &str, timeout: Duration) -> Result<RedisStore, StoreError> {
        let client = Client::open(url).map_err(unavailable)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1);
        let conn = client.get_connection_manager_lazy(config).map_err(unavailable)?;
        Ok(RedisStore { conn, prefix: prefix.to_owned() })
    }

    fn key(&self, nonce: &[u8; 32]) -> String {
        format!("{}{}", self.prefix, hex::encode32(nonce))
    }

    async fn run<T: redis::FromRedisValue>(&self, script: &str, key: String, args: &[String]) -> Result<T, StoreError> {
        let script = Script::new(script);
        let mut invocation = script.key(key);
        for arg in args {
            invocation.arg(arg);
        }
        let mut conn = self.conn.clone();
        invocation.invoke_async(&mut conn).await.map_err(unavailable)
    }
}

fn unavailable(e: redis::RedisError) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

fn text(value: &Value) -> Result<String, StoreError> {
    redis::from_redis_value_ref::<String>(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn decode_reserved(nonce: [u8; 32], fields: &[Value]) -> Result<Reservation, StoreError> {
    let [policy, expires_at, resource] = fields else {
        return Err(StoreError::Corrupt("reserve script answered an unexpected shape".into()));
    };
    let policy =
        hex::decode32(&text(policy)?).ok_or_else(|| StoreError::Corrupt("policy is not 32 hex bytes".into()))?;
    let expires_at = text(expires_at)?.parse().map_err(|_| StoreError::Corrupt("expiry is not a number".into()))?;
    Ok(Reservation::Reserved(Challenge { policy, nonce, expires_at, resource: text(resource)? }))
}

impl ChallengeStore for RedisStore {
    async fn issue(&self, challenge: &Challenge) -> Result<(), StoreError> {
        let purge_at = challenge.expires_at.saturating_add(EXPIRED_RETENTION_SECS);
        let args = [
            hex::encode32(&challenge.policy),
            challenge.expires_at.to_string(),
            challenge.resource.clone(),
            purge_at.to_string(),
        ];
        self.run::<i64>(ISSUE, self.key(&challenge.nonce), &args).await.map(drop)
    }

    async fn reserve(&self, nonce: &[u8; 32], now: u64) -> Result<Reservation, StoreError> {
        let answer: Vec<Value> = self.run(RESERVE, self.key(nonce), &[now.to_string()]).await?;
        let (tag, fields) = answer.split_first().ok_or_else(|| StoreError::Corrupt("empty reserve answer".into()))?;
        match text(tag)?.as_str() {
            "reserved" => decode_reserved(*nonce, fields),
            "used" => Ok(Reservation::AlreadyUsed),
            "unknown" => Ok(Reservation::Unknown),
            "expired" => Ok(Reservation::Expired),
            "in_use" => Ok(Reservation::InUse),
            other => Err(StoreError::Corrupt(format!("reserve script answered {other:?}"))),
        }
    }

    async fn commit(&self, nonce: &[u8; 32], tx_signature: &str) -> Result<(), StoreError> {
        let changed: i64 = self.run(COMMIT, self.key(nonce), &[tx_signature.to_owned()]).await?;
        if changed == 1 { Ok(()) } else { Err(StoreError::NotReserved) }
    }

    async fn release(&self, nonce: &[u8; 32]) -> Result<(), StoreError> {
        let changed: i64 = self.run(RELEASE, self.key(nonce), &[]).await?;
        if changed == 1 { Ok(()) } else { Err(StoreError::NotReserved) }
    }
}
