//! The message store: SQLite on one machine, or a Redis Stream shared by several nodes.
//!
//! SQLite: every accepted post goes to the writer thread ([`writer`]), which puts everything
//! that queued up while the previous commit was being synced into the next transaction. A
//! post is answered `201` only after its transaction is durably committed (WAL with
//! `synchronous=FULL`: it survives `kill -9` and power loss), and committed messages reach
//! the hub in id order, so fan-out order equals id order. [`database`] opens and checks the
//! file. Ids come from SQLite (`AUTOINCREMENT`): strictly increasing and never reused, even
//! after retention deletes old rows.
//!
//! Redis (`--redis`): a post is appended to the stream ([`redis`](self::redis)) and answered once
//! Redis has it; every node, including the one that took the post, fans out what it reads
//! back from the stream (its tail), so all nodes deliver the same messages in the same
//! order.

pub mod database;
pub mod redis;
pub mod writer;

pub use self::redis::{RedisConfig, RedisStore, RedisThread, Snapshot};
pub use database::{Database, DbLocation};
pub use writer::{Retention, SqliteStore, StoreListener, WriterThread};

use common::{Message, ValidNewMessage};

/// Why the store could not do what was asked. Shown to clients as a 503.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("storage is unavailable: {0}")]
    Unavailable(String),
    #[error("the server is shutting down")]
    Closed,
}

/// Cheap, cloneable handle to whichever store the server runs on.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqliteStore),
    Redis(RedisStore),
}

impl Store {
    /// Stores a message; returns it with its id once it is safely stored.
    pub async fn append(&self, message: ValidNewMessage) -> Result<Message, StoreError> {
        match self {
            Self::Sqlite(store) => store.append(message).await,
            Self::Redis(store) => store.append(message).await,
        }
    }

    /// Up to `limit` messages older than `before` (all if `None`), oldest first, and whether
    /// even older ones exist.
    pub async fn history(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<(Vec<Message>, bool), StoreError> {
        match self {
            Self::Sqlite(store) => store.history(before, limit).await,
            Self::Redis(store) => store.history(before, limit).await,
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
