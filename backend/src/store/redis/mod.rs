//! The Redis store: every node appends to the chat's log in Redis and tails it.
//!
//! A message is an entry `ID-0` of the stream `PREFIX:msgs`, an event one of `PREFIX:log`
//! ([`entries`] has the layout). Ids come from the counter `PREFIX:next_id`, taken and used
//! in one Lua script ([`append`]), so ids are plain increasing integers (as with SQLite,
//! and safe for JavaScript) and the log's order is the id order on every node.
//! `PREFIX:epoch` names this history: if Redis loses its data, a new epoch tells clients
//! their ids mean nothing any more.
//!
//! All Redis I/O runs on one thread of its own ([`RedisThread`]): the connection drivers and
//! the tail live there, and a handler only hands its command over and awaits the answer.

mod append;
mod changes;
mod entries;
mod ephemeral;
mod last_ids;
mod older;
mod origins;
mod presence;
mod reactions;
mod reads;
mod search_index;
mod snapshot;
mod tail;

use super::{Claim, NewEntry, Snapshot, StoreError, StoreListener};
use crate::event::{Entry, Event, Record};
use crate::metrics::Metrics;
use anyhow::Context;
use append::{script_args, stored, APPEND};
use common::room::RoomId;
use common::Message;
use entries::{newest, Keys};
pub use presence::PresenceSender;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use snapshot::snapshot;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// How long one command may take before the store counts as unreachable.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);

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
    /// This node's search index (`search_index.rs`).
    index: Arc<search_index::NodeIndex>,
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
        let index = Arc::new(
            search_index::NodeIndex::new().context("cannot open the in-memory search index")?,
        );
        let where_ = describe(&client);
        let connect = {
            let client = client.clone();
            let keys = keys.clone();
            let history = config.history;
            let index = index.clone();
            handle.spawn(async move {
                let manager_config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(COMMAND_TIMEOUT))
                    .set_response_timeout(Some(COMMAND_TIMEOUT))
                    .set_max_delay(Duration::from_secs(2));
                let mut conn = ConnectionManager::new_with_config(client, manager_config).await?;
                let snapshot = snapshot(&mut conn, &keys, history).await?;
                let indexed = search_index::build(&mut conn, &keys, &index).await?;
                tracing::info!(messages = indexed, "search index built from the stream");
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
            index,
        };
        store.metrics.set_store_up("redis", true);
        Ok((store, snapshot, thread))
    }

    /// Starts following the stream after `last_id` (of history `epoch`), handing every new
    /// entry to `listener` in stream order, after this node's search index took it.
    pub fn start_tail(&self, listener: Arc<dyn StoreListener>, last_id: u64, epoch: String) {
        let listener = Arc::new(search_index::Indexing {
            index: self.index.clone(),
            inner: listener,
        });
        self.runtime.spawn(tail::run(
            (*self.client).clone(),
            self.clone(),
            listener,
            last_id,
            epoch,
        ));
    }

    /// Appends if every claim can be taken; returns the entry, with its id, once Redis has
    /// it. Every node (this one too) applies it when its tail reads it back.
    pub async fn append(&self, entry: NewEntry, claims: Vec<Claim>) -> Result<Entry, StoreError> {
        if !self.reachable.is_up() {
            return Err(unreachable_now());
        }
        let started = Instant::now();
        let mut conn = self.conn.clone();
        let script = self.script.clone();
        let keys = self.keys.clone();
        let max_len = self.config.max_len;
        let args = script_args(&entry, &claims);
        let result = self
            .run(async move {
                let mut invocation = script.prepare_invoke();
                invocation
                    .key(&keys.msgs)
                    .key(&keys.next_id)
                    .key(&keys.log)
                    .key(&keys.claims)
                    .key(&keys.last_ids)
                    .arg(max_len);
                for arg in &args {
                    invocation.arg(arg);
                }
                invocation
                    .invoke_async::<(u64, u64, String)>(&mut conn)
                    .await
            })
            .await;
        self.metrics.observe_commit(started.elapsed());
        let stored = match result? {
            (0, _, taken) => return Err(StoreError::Conflict(taken)),
            (id, time, _) => stored(entry, id, time),
        };
        self.record_change(&stored).await?;
        self.record_reaction(&stored).await?;
        Ok(stored)
    }

    /// After a reaction is in the log: who reacted with what is recorded beside the message
    /// ([`reactions::record`]).
    async fn record_reaction(&self, entry: &Entry) -> Result<(), StoreError> {
        let Record::Event(Event::Reaction {
            message,
            emoji,
            account,
            added,
            ..
        }) = entry.record.clone()
        else {
            return Ok(());
        };
        let (mut conn, keys, id) = (self.conn.clone(), self.keys.clone(), entry.id);
        self.run(async move {
            let change = reactions::Change {
                message,
                emoji: &emoji,
                account: &account,
                added,
            };
            reactions::record(&mut conn, keys.reaction(message), change, id).await
        })
        .await
    }

    /// After an edit or deletion is in the log: the message as it is now is recorded, and
    /// a deleted one's text erased ([`changes::record`]).
    async fn record_change(&self, entry: &Entry) -> Result<(), StoreError> {
        let Some(message) = entry.changed_message().cloned() else {
            return Ok(());
        };
        let deletion = message.deleted;
        let (mut conn, keys, id) = (self.conn.clone(), self.keys.clone(), entry.id);
        self.run(async move {
            let change = keys.change(message.id);
            changes::record(&mut conn, change, deletion, &message, id).await
        })
        .await
    }

    /// The newest id given to an entry (`PREFIX:next_id`).
    pub async fn log_head(&self) -> Result<u64, StoreError> {
        let mut conn = self.conn.clone();
        let keys = self.keys.clone();
        self.run(async move {
            let head: Option<u64> = redis::cmd("GET")
                .arg(&keys.next_id)
                .query_async(&mut conn)
                .await?;
            Ok(head.unwrap_or(0))
        })
        .await
    }

    /// Remembers `hash` as a valid setup token in the set `PREFIX:setup` (`add`), or says
    /// whether it is one.
    pub async fn setup_token(&self, hash: String, add: bool) -> Result<bool, StoreError> {
        let mut conn = self.conn.clone();
        let keys = self.keys.clone();
        self.run(async move {
            let command = if add { "SADD" } else { "SISMEMBER" };
            let answer: i64 = redis::cmd(command)
                .arg(&keys.setup)
                .arg(&hash)
                .query_async(&mut conn)
                .await?;
            Ok(add || answer == 1)
        })
        .await
    }

    /// Up to `limit` messages older than `before` (all if `None`), oldest first, and whether
    /// even older ones exist.
    pub async fn history(
        &self,
        room: RoomId,
        before: Option<u64>,
        limit: usize,
    ) -> Result<(Vec<Message>, bool), StoreError> {
        let mut conn = self.conn.clone();
        let keys = self.keys.clone();
        let end = before.map_or_else(|| "+".to_owned(), |id| format!("({id}-0"));
        let mut rows = self
            .run(async move {
                let rows = newest(&mut conn, &keys.msgs, Some(room), &end, limit + 1).await?;
                let sets = keys.change_sets();
                let mut rows =
                    changes::overlay(&mut conn, sets, Some(room), &end, limit + 1, rows).await?;
                reactions::attach(&mut conn, |id| keys.reactions(id), &mut rows).await?;
                Ok(rows)
            })
            .await?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        rows.reverse();
        Ok((rows, more))
    }

    /// The messages matching `lookup`, from this node's own index (`search_index.rs`).
    pub async fn search(
        &self,
        lookup: crate::store::fts::Lookup,
    ) -> Result<Vec<Message>, StoreError> {
        let index = self.index.clone();
        tokio::task::spawn_blocking(move || index.find(&lookup))
            .await
            .map_err(|_| StoreError::Closed)?
            .map_err(|e| StoreError::Unavailable(format!("the search index failed: {e}")))
    }

    /// One message by id, as it is now ([`changes`]).
    pub async fn message(&self, id: u64) -> Result<Option<Message>, StoreError> {
        let mut conn = self.conn.clone();
        let keys = self.keys.clone();
        self.run(async move {
            let mut found = keys.message(&mut conn, id).await?;
            reactions::attach(&mut conn, |id| keys.reactions(id), found.as_mut_slice()).await?;
            Ok(found)
        })
        .await
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
