//! The message store: SQLite, written by one thread that commits in groups.
//!
//! Every accepted post goes to the writer thread ([`writer`]), which puts everything that
//! queued up while the previous commit was being synced into the next transaction. A post
//! is answered `201` only after its transaction is durably committed (WAL with
//! `synchronous=FULL`: it survives `kill -9` and power loss), and committed messages reach
//! the hub in id order, so fan-out order equals id order. [`database`] opens and checks the
//! file. Ids come from SQLite (`AUTOINCREMENT`): strictly increasing and never reused, even
//! after retention deletes old rows.

pub mod database;
pub mod writer;

pub use database::{Database, DbLocation};
pub use writer::{Retention, Store, StoreListener, WriterThread};

/// Why the store could not do what was asked. Shown to clients as a 503.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("storage is unavailable: {0}")]
    Unavailable(String),
    #[error("the server is shutting down")]
    Closed,
}
