//! The Redis store: every node appends to one Redis Stream and tails it.
//!
//! A message is an entry `ID-0` of the stream `PREFIX:msgs` with fields `user`, `text` and
//! `time`. Its id comes from the counter `PREFIX:next_id`, taken and used in one Lua script,
//! so ids are plain increasing integers (as with SQLite, and safe for JavaScript) and the
//! stream's order is the id order on every node. `PREFIX:epoch` names this history: if
//! Redis loses its data, a new epoch tells clients their ids mean nothing any more.
//!
//! All Redis I/O runs on one thread of its own ([`RedisThread`]): the connection drivers and
//! the tail live there, and a post handler only hands its command over and awaits the answer.

mod tail;

use super::{StoreError, StoreListener};
use crate::clock::new_epoch;
use crate::metrics::Metrics;
use anyhow::Context;
use common::{Message, ValidNewMessage};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::streams::StreamId;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// How long one command may take before the store counts as unreachable.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);

/// Takes the next id and appends the entry, atomically, so two nodes can never append out
/// of id order. Guards against a lost counter by never going below the stream's last id.
/// The time comes from Redis, one clock for every node.
const APPEND: &str = r"
local id = redis.call('INCR', KEYS[2])
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if last[1] then
  local n = tonumber(string.match(last[1][1], '^(%d+)'))
  if n and n >= id then
    id = n + 1
    redis.call('SET', KEYS[2], id)
  end
end
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], string.format('%d-0', id),
  'user', ARGV[2], 'text', ARGV[3], 'time', string.format('%d', ms))
return {id, ms}
";

/// What `--redis` and its companions ask for.
#[derive(Debug, Clone)]
pub struct RedisConfig {
    pub url: String,
    pub prefix: String,
    /// Approximate number of entries the stream keeps (`XADD MAXLEN ~`).
    pub max_len: u64,
    /// Messages in the recent window.
    pub history: usize,
}

/// The keys of one chat.
#[derive(Debug)]
struct Keys {
    pub msgs: String,
    pub next_id: String,
    pub epoch: String,
}

impl Keys {
    fn new(prefix: &str) -> Self {
        Self {
            msgs: format!("{prefix}:msgs"),
            next_id: format!("{prefix}:next_id"),
            epoch: format!("{prefix}:epoch"),
        }
    }
}

/// Whether the tail currently reaches Redis. Posts fail fast while it does not.
#[derive(Debug)]
struct Reachable(AtomicBool);

impl Reachable {
    pub fn is_up(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    /// Sets the state; returns whether it changed.
    pub fn set(&self, up: bool) -> bool {
        self.0.swap(up, Ordering::AcqRel) != up
    }
}

/// The chat as Redis holds it when a node (re)attaches.
#[derive(Debug)]
pub struct Snapshot {
    pub epoch: String,
    /// The newest `history` messages, oldest first.
    pub recent: Vec<Message>,
    /// Id of the newest entry (0 if none): tailing continues after it.
    pub last_id: u64,
}

/// Cheap, cloneable handle: posts and history reads.
#[derive(Clone)]
pub struct RedisStore {
    /// Opens the tail's own connection. Shared: it is large, and this handle is cloned per call.
    client: Arc<redis::Client>,
    conn: ConnectionManager,
    keys: Arc<Keys>,
    config: Arc<RedisConfig>,
    runtime: tokio::runtime::Handle,
    reachable: Arc<Reachable>,
    metrics: Arc<Metrics>,
    script: Arc<redis::Script>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

/// The thread running every Redis connection and the tail. [`RedisThread::join`] stops it.
pub struct RedisThread {
    stop: oneshot::Sender<()>,
    handle: std::thread::JoinHandle<()>,
}

impl RedisThread {
    /// Stops the tail and closes the connections (blocking until the thread ends).
    pub fn join(self) {
        let _ = self.stop.send(());
        let _ = self.handle.join();
    }
}

/// Where the URL points, without any password in it, for messages.
fn describe(client: &redis::Client) -> String {
    client.get_connection_info().addr().to_string()
}

impl RedisStore {
    /// Connects, reads (or starts) the chat's epoch and recent window, and starts the thread
    /// all Redis I/O runs on. Fails with a readable reason when Redis cannot be reached.
    pub async fn open(
        config: RedisConfig,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<(Self, Snapshot, RedisThread)> {
        // The URL may hold a password: name the problem, not the URL.
        let client = redis::Client::open(config.url.as_str())
            .map_err(|e| anyhow::anyhow!("--redis is not a valid Redis URL: {e}"))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the Redis runtime")?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("h2chat-redis".into())
            .spawn(move || {
                runtime.block_on(async {
                    let _ = stopped.await;
                });
            })
            .context("cannot start the Redis thread")?;
        let thread = RedisThread {
            stop,
            handle: thread,
        };
        let keys = Arc::new(Keys::new(&config.prefix));
        let where_ = describe(&client);
        let connect = {
            let client = client.clone();
            let keys = keys.clone();
            let history = config.history;
            handle.spawn(async move {
                let manager_config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(COMMAND_TIMEOUT))
                    .set_response_timeout(Some(COMMAND_TIMEOUT))
                    .set_max_delay(Duration::from_secs(2));
                let mut conn = ConnectionManager::new_with_config(client, manager_config).await?;
                let snapshot = snapshot(&mut conn, &keys, history).await?;
                Ok::<_, redis::RedisError>((conn, snapshot))
            })
        };
        let (conn, snapshot) = match connect.await {
            Ok(Ok(opened)) => opened,
            Ok(Err(err)) => {
                thread.join();
                anyhow::bail!("cannot reach Redis at {where_}: {err}");
            }
            Err(err) => {
                thread.join();
                anyhow::bail!("cannot reach Redis at {where_}: {err}");
            }
        };
        let store = Self {
            client: Arc::new(client),
            conn,
            keys,
            config: Arc::new(config),
            runtime: handle,
            reachable: Arc::new(Reachable(AtomicBool::new(true))),
            metrics,
            script: Arc::new(redis::Script::new(APPEND)),
        };
        store.metrics.set_store_up("redis", true);
        Ok((store, snapshot, thread))
    }

    /// Starts following the stream after `last_id` (of history `epoch`), handing every new
    /// entry to `listener` in stream order.
    pub fn start_tail(&self, listener: Arc<dyn StoreListener>, last_id: u64, epoch: String) {
        self.runtime.spawn(tail::run(
            (*self.client).clone(),
            self.clone(),
            listener,
            last_id,
            epoch,
        ));
    }

    /// Appends a message; returns it with its id once Redis has it.
    pub async fn append(&self, message: ValidNewMessage) -> Result<Message, StoreError> {
        if !self.reachable.is_up() {
            return Err(unreachable_now());
        }
        let started = Instant::now();
        let user = message.user.into_inner();
        let text = message.text.into_inner();
        let mut conn = self.conn.clone();
        let script = self.script.clone();
        let keys = self.keys.clone();
        let max_len = self.config.max_len;
        // The strings travel to the Redis thread and back inside the message, uncopied.
        let result = self
            .run(async move {
                let (id, time) = script
                    .key(&keys.msgs)
                    .key(&keys.next_id)
                    .arg(max_len)
                    .arg(&user)
                    .arg(&text)
                    .invoke_async::<(u64, u64)>(&mut conn)
                    .await?;
                Ok(Message {
                    id,
                    user,
                    text,
                    time,
                })
            })
            .await;
        self.metrics.observe_commit(started.elapsed());
        result
    }

    /// Up to `limit` messages older than `before` (all if `None`), oldest first, and whether
    /// even older ones exist.
    pub async fn history(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<(Vec<Message>, bool), StoreError> {
        let mut conn = self.conn.clone();
        let keys = self.keys.clone();
        let end = before.map_or_else(|| "+".to_owned(), |id| format!("({id}-0"));
        let mut rows = self
            .run(async move { newest(&mut conn, &keys.msgs, &end, limit + 1).await })
            .await?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        rows.reverse();
        Ok((rows, more))
    }

    /// Runs `command` on the Redis thread with a deadline.
    async fn run<T: Send + 'static>(
        &self,
        command: impl std::future::Future<Output = redis::RedisResult<T>> + Send + 'static,
    ) -> Result<T, StoreError> {
        let task = self
            .runtime
            .spawn(async move { tokio::time::timeout(COMMAND_TIMEOUT, command).await });
        match task.await {
            Ok(Ok(Ok(value))) => Ok(value),
            Ok(Ok(Err(err))) => Err(StoreError::Unavailable(format!(
                "the message store (Redis) failed: {err}"
            ))),
            Ok(Err(_)) => Err(StoreError::Unavailable(
                "the message store (Redis) did not answer within 2 s".into(),
            )),
            Err(_) => Err(StoreError::Closed),
        }
    }

    /// Answers PING through the posting connection: after an outage this makes the
    /// connection manager replace its dead connection before posts are let through again.
    async fn ping(&self) -> bool {
        let mut conn = self.conn.clone();
        self.run(async move { redis::cmd("PING").query_async::<String>(&mut conn).await })
            .await
            .is_ok()
    }
}

fn unreachable_now() -> StoreError {
    StoreError::Unavailable(
        "the message store (Redis) is unreachable; posting is paused until it is back".into(),
    )
}

/// Reads the epoch (creating it for an empty Redis) and the newest `history` messages.
async fn snapshot<C: redis::aio::ConnectionLike + Send>(
    conn: &mut C,
    keys: &Keys,
    history: usize,
) -> redis::RedisResult<Snapshot> {
    // NX: every node that starts on an empty Redis agrees on the first epoch written.
    redis::cmd("SET")
        .arg(&keys.epoch)
        .arg(new_epoch())
        .arg("NX")
        .exec_async(conn)
        .await?;
    let epoch: String = redis::cmd("GET").arg(&keys.epoch).query_async(conn).await?;
    let mut recent = newest(conn, &keys.msgs, "+", history).await?;
    recent.reverse();
    let last_id = recent.last().map_or(0, |m| m.id);
    Ok(Snapshot {
        epoch,
        recent,
        last_id,
    })
}

/// The newest `count` messages up to `end` (an XREVRANGE bound), newest first.
async fn newest<C: redis::aio::ConnectionLike + Send>(
    conn: &mut C,
    stream: &str,
    end: &str,
    count: usize,
) -> redis::RedisResult<Vec<Message>> {
    let reply: redis::streams::StreamRangeReply = redis::cmd("XREVRANGE")
        .arg(stream)
        .arg(end)
        .arg("-")
        .arg("COUNT")
        .arg(count)
        .query_async(conn)
        .await?;
    Ok(reply.ids.iter().filter_map(to_message).collect())
}

/// A stream entry as a message; `None` (logged) for entries we did not write.
fn to_message(entry: &StreamId) -> Option<Message> {
    let message = (|| {
        let (id, seq) = entry.id.split_once('-')?;
        if seq != "0" {
            return None;
        }
        Some(Message {
            id: id.parse().ok()?,
            user: entry.get("user")?,
            text: entry.get("text")?,
            time: entry.get("time")?,
        })
    })();
    if message.is_none() {
        tracing::warn!(entry = %entry.id, "skipping a stream entry h2chat did not write");
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use redis::Value;
    use std::collections::HashMap;

    fn entry(id: &str, fields: &[(&str, &str)]) -> StreamId {
        let map: HashMap<String, Value> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), Value::BulkString(v.as_bytes().to_vec())))
            .collect();
        StreamId {
            id: id.into(),
            map,
            ..Default::default()
        }
    }

    #[test]
    fn our_entries_become_messages() {
        let m = to_message(&entry(
            "42-0",
            &[("user", "ann"), ("text", "hi"), ("time", "1700000000000")],
        ))
        .unwrap();
        assert_eq!(
            m,
            Message {
                id: 42,
                user: "ann".into(),
                text: "hi".into(),
                time: 1_700_000_000_000
            }
        );
    }

    #[test]
    fn foreign_entries_are_skipped() {
        let full = [("user", "a"), ("text", "t"), ("time", "1")];
        assert!(to_message(&entry("1700000000000-3", &full)).is_none());
        assert!(to_message(&entry("x-0", &full)).is_none());
        assert!(to_message(&entry("5-0", &[("user", "a"), ("time", "1")])).is_none());
        assert!(to_message(&entry(
            "5-0",
            &[("user", "a"), ("text", "t"), ("time", "soon")]
        ))
        .is_none());
    }
}
