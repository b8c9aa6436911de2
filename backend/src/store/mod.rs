//! The message store: SQLite on one machine, or a Redis Stream shared by several nodes.
//!
//! SQLite: every accepted post goes to the writer thread ([`writer`]), which puts everything
//! that queued up while the previous commit was being synced into the next transaction
//! ([`group_commit`] writes it). A post is answered `201` only after its transaction is
//! durably committed (WAL with `synchronous=FULL`: it survives `kill -9` and power loss),
//! and committed messages reach the hub in id order, so fan-out order equals id order.
//! [`database`] opens and checks the file. Ids come from SQLite (`AUTOINCREMENT`): strictly
//! increasing and never reused, even after retention deletes old rows.
//!
//! Redis (`--redis`): a post is appended to the stream ([`redis`](self::redis)) and answered once
//! Redis has it; every node, including the one that took the post, fans out what it reads
//! back from the stream (its tail), so all nodes deliver the same messages in the same
//! order.

mod changes;
pub mod database;
pub mod fts;
mod fts_schema;
mod group_commit;
mod reactions;
pub mod reads;
pub mod redis;
mod schema;
mod sqlite_last_ids;
mod sqlite_reads;
pub mod writer;

pub use self::redis::{PresenceSender, RedisConfig, RedisStore, RedisThread};
pub use database::{Database, DbLocation};
pub use reads::Mark;
pub use writer::{Retention, SqliteStore, StoreListener, WriterThread};

use crate::event::{Entry, Event};
use common::room::RoomId;
use common::Message;
use std::collections::HashMap;

/// Why the store could not do what was asked. Shown to clients as a 503 (a conflict as 409).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("storage is unavailable: {0}")]
    Unavailable(String),
    #[error("the server is shutting down")]
    Closed,
    /// A [`Claim`] was already taken as often as it may be: nothing was appended.
    #[error("{0} is taken")]
    Conflict(String),
}

/// A message to store: who wrote it and what (the store adds its id and time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPost {
    /// The name shown: the account's display name, or what a guest typed.
    pub user: String,
    pub text: String,
    /// The author's username, when an account posts.
    pub account: Option<String>,
    pub guest: bool,
    /// Where it was posted ([`common::room::LOBBY`] for `/msgs`).
    pub room: RoomId,
    /// Usernames the text mentions that name accounts (lowercase, each once).
    pub mentions: Vec<String>,
    /// The text says `@here`.
    pub here: bool,
}

impl NewPost {
    /// The message as stored, once the store gave it `id` and `time` (both stores).
    pub fn into_message(self, id: u64, time: u64) -> common::Message {
        common::Message {
            id,
            user: self.user,
            text: self.text,
            time,
            account: self.account,
            guest: self.guest,
            room: self.room,
            mentions: self.mentions,
            here: self.here,
            ..Default::default()
        }
    }
}

/// What to append to the chat's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewEntry {
    Post(NewPost),
    Event(Event),
}

/// A condition taken atomically with an append, on every node at once: at most `limit`
/// appends may claim `key` (a username, the first admin, an invite's uses), and an append
/// whose claim is used up is refused with [`StoreError::Conflict`], storing nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub key: String,
    pub limit: u32,
}

/// What a store holds when a node starts: where its history stands, the recent messages,
/// and every event (what the accounts are made of).
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Names this history; changes only if the store loses its data.
    pub epoch: String,
    /// The newest messages of every room, oldest first.
    pub recent: Vec<Message>,
    /// The newest messages of the lobby, oldest first (the course's window).
    pub lobby: Vec<Message>,
    /// Every event, in order.
    pub events: Vec<Entry>,
    /// The highest id ever given, to a message or an event.
    pub last_id: u64,
    /// Each room's newest message id as the store holds it, also for rooms whose messages
    /// all lie before `recent` (a room missing has none). Redis: bounded for messages
    /// appended by releases before it was kept (`redis/last_ids.rs`).
    pub last_ids: HashMap<RoomId, u64>,
}

/// Cheap, cloneable handle to whichever store the server runs on.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqliteStore),
    Redis(RedisStore),
}

impl Store {
    /// Appends to the log if every claim can be taken; returns the entry, with its id, once
    /// it is safely stored.
    pub async fn append(&self, entry: NewEntry, claims: Vec<Claim>) -> Result<Entry, StoreError> {
        match self {
            Self::Sqlite(store) => store.append(entry, claims).await,
            Self::Redis(store) => store.append(entry, claims).await,
        }
    }

    /// Stores a message; returns it with its id once it is safely stored.
    pub async fn post(&self, post: NewPost) -> Result<Message, StoreError> {
        let entry = self.append(NewEntry::Post(post), Vec::new()).await?;
        match entry.record {
            crate::event::Record::Message(message) => Ok(message),
            crate::event::Record::Event(_) => Err(StoreError::Unavailable(
                "the store returned an event for a post".into(),
            )),
        }
    }

    /// Up to `limit` messages of `room` older than `before` (all if `None`), oldest first,
    /// and whether even older ones exist.
    pub async fn history(
        &self,
        room: RoomId,
        before: Option<u64>,
        limit: usize,
    ) -> Result<(Vec<Message>, bool), StoreError> {
        match self {
            Self::Sqlite(store) => store.history(room, before, limit).await,
            Self::Redis(store) => store.history(room, before, limit).await,
        }
    }

    /// One message by id (as it is now, edited or deleted), whatever its room; `None` if
    /// there is none (or retention deleted it).
    pub async fn message(&self, id: u64) -> Result<Option<Message>, StoreError> {
        match self {
            Self::Sqlite(store) => store.message(id).await,
            Self::Redis(store) => store.message(id).await,
        }
    }

    /// The messages matching `lookup` (not deleted), the best first: from the database's
    /// index (SQLite) or this node's own (Redis).
    pub async fn search(&self, lookup: fts::Lookup) -> Result<Vec<Message>, StoreError> {
        match self {
            Self::Sqlite(store) => store.search(lookup).await,
            Self::Redis(store) => store.search(lookup).await,
        }
    }

    /// The id of the newest entry in the log as the store holds it, when other nodes may
    /// have appended what this one has not applied yet (Redis); `None` for SQLite, whose
    /// only writer is this node.
    pub async fn log_head(&self) -> Result<Option<u64>, StoreError> {
        match self {
            Self::Sqlite(_) => Ok(None),
            Self::Redis(store) => store.log_head().await.map(Some),
        }
    }

    /// Remembers a first-run setup token (its hash) for every node of the chat.
    pub async fn add_setup_token(&self, hash: String) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(store) => store.setup_token(hash, true).await.map(drop),
            Self::Redis(store) => store.setup_token(hash, true).await.map(drop),
        }
    }

    /// Whether a setup token (its hash) was issued by a node of this chat.
    pub async fn setup_token_known(&self, hash: String) -> Result<bool, StoreError> {
        match self {
            Self::Sqlite(store) => store.setup_token(hash, false).await,
            Self::Redis(store) => store.setup_token(hash, false).await,
        }
    }

    /// Sends an event that is never kept (typing) to every node's streams: through Redis's
    /// Pub/Sub, or straight to `local` (this node's hub) on SQLite, whose node is alone.
    pub async fn publish(
        &self,
        event: common::StreamEvent,
        local: &dyn StoreListener,
    ) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(_) => {
                local.ephemeral(event);
                Ok(())
            }
            Self::Redis(store) => store.publish(&event).await,
        }
    }

    /// Keeps where guest message `id` came from for the other nodes (Redis, a week); on
    /// SQLite this node is alone and its own memory ([`crate::guest_origins`]) is enough.
    pub async fn remember_origin(&self, id: u64, ip: std::net::IpAddr) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(_) => Ok(()),
            Self::Redis(store) => store.remember_origin(id, ip).await,
        }
    }

    /// Where guest message `id` came from, as another node kept it (Redis).
    pub async fn origin(&self, id: u64) -> Result<Option<std::net::IpAddr>, StoreError> {
        match self {
            Self::Sqlite(_) => Ok(None),
            Self::Redis(store) => store.origin(id).await,
        }
    }

    /// Applies a retention policy now; returns how many messages were deleted. Redis trims
    /// its stream on every append (`MAXLEN ~`), so there this deletes nothing.
    pub async fn retain(&self, policy: Retention) -> Result<usize, StoreError> {
        match self {
            Self::Sqlite(store) => store.retain(policy).await,
            Self::Redis(_) => Ok(0),
        }
    }
}

/// What must be stopped after the server stops: the SQLite writer (which checkpoints and
/// closes the file) or the Redis thread.
pub enum StoreThread {
    Sqlite(WriterThread),
    Redis(RedisThread),
}

impl StoreThread {
    /// Blocks until the store is closed.
    pub fn join(self) {
        match self {
            Self::Sqlite(writer) => writer.join(),
            Self::Redis(redis) => redis.join(),
        }
    }
}
