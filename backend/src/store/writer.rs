//! The writer thread: the only code that writes to the database.
//!
//! Appends (posts and events) arrive on a channel. The thread takes the first, then
//! everything else already waiting (up to [`MAX_BATCH`]), and commits them in one
//! transaction: one fsync for the whole group. While it syncs, new appends queue up and form
//! the next group, so throughput grows with concurrency instead of being one fsync per post.
//! It runs on its own OS thread, so SQLite's blocking calls never stall the actix workers.
//!
//! It also gives the ids: messages and events share one sequence, so the log has one order.

use super::database::{older_than, Database};
use super::group_commit::write_group;
use super::{Claim, NewEntry, Snapshot, StoreError};
use crate::clock::now_ms;
use crate::event::{Entry, Record};
use crate::metrics::Metrics;
use common::room::RoomId;
use common::Message;
use rusqlite::{params, Connection, OptionalExtension};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Most posts committed in one transaction; bounds the latency of the group's first post.
pub const MAX_BATCH: usize = 1024;
/// Posts waiting for the writer before new ones are held back (the post handlers wait).
const QUEUE: usize = 8192;

/// Told about every committed change, in commit order.
pub trait StoreListener: Send + Sync + 'static {
    /// These entries are durably stored; ids are increasing.
    fn committed(&self, entries: &[Entry]);
    /// Retention deleted every message with id below `first_kept`.
    fn retained(&self, first_kept: u64);
    /// The store became unreachable (`Some(why)`) or reachable again (`None`).
    fn store_state(&self, degraded: Option<&str>);
    /// The store lost its history and started a new one (Redis restarted empty): ids from
    /// before mean nothing now.
    fn reset(&self, snapshot: Snapshot);
    /// An event that is never kept (typing) reached this node: pass it on to the streams
    /// concerned now, or never.
    fn ephemeral(&self, event: common::StreamEvent);
    /// An event for one account's streams alone (its read marker moved, it chose a
    /// notification level) reached this node; never kept either.
    fn personal(&self, account: crate::event::AccountId, event: common::StreamEvent);
}

/// What retention keeps. Both limits apply when both are set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retention {
    pub days: Option<u64>,
    pub messages: Option<u64>,
}

impl Retention {
    pub fn is_off(&self) -> bool {
        self.days.is_none() && self.messages.is_none()
    }
}

type Reply = oneshot::Sender<Result<Entry, StoreError>>;

enum Command {
    Append {
        entry: NewEntry,
        claims: Vec<Claim>,
        reply: Reply,
    },
    History {
        room: RoomId,
        before: Option<u64>,
        limit: usize,
        reply: oneshot::Sender<Result<(Vec<Message>, bool), StoreError>>,
    },
    Retain {
        policy: Retention,
        reply: oneshot::Sender<Result<usize, StoreError>>,
    },
    /// One message by id ([`super::changes::message`]).
    Message {
        id: u64,
        reply: oneshot::Sender<Result<Option<Message>, StoreError>>,
    },
    /// Read markers and notification levels ([`super::reads`]).
    Reads(super::sqlite_reads::ReadsCommand),
    /// A full-text search ([`super::fts`]).
    Search(super::fts::SearchCommand),
    /// Remembers a setup token's hash (`meta`, key `setup:HASH`), or checks for one.
    SetupToken {
        hash: String,
        add: bool,
        reply: oneshot::Sender<Result<bool, StoreError>>,
    },
}

/// Cheap, cloneable handle to the writer thread.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    tx: mpsc::Sender<Command>,
}

/// The writer thread; [`WriterThread::close`] finishes queued work and closes the file.
pub struct WriterThread {
    handle: std::thread::JoinHandle<()>,
}

impl WriterThread {
    /// Waits (blocking) until every handle is dropped and the queue is drained, then for the
    /// checkpoint and close.
    pub fn join(self) {
        let _ = self.handle.join();
    }
}

impl Database {
    /// Moves the connection to its writer thread.
    pub fn start_writer(
        self,
        listener: Arc<dyn StoreListener>,
        metrics: Arc<Metrics>,
    ) -> std::io::Result<(SqliteStore, WriterThread)> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let location = self.location.to_string();
        let conn = self.conn;
        let next_id = self.last_id + 1;
        let handle = std::thread::Builder::new()
            .name("h2chat-store".into())
            .spawn(move || {
                run(conn, next_id, rx, listener.as_ref(), &metrics);
                tracing::info!(db = %location, "database closed");
            })?;
        Ok((SqliteStore { tx }, WriterThread { handle }))
    }
}

impl SqliteStore {
    /// Appends if every claim can be taken; returns the entry once it is durably committed.
    pub async fn append(&self, entry: NewEntry, claims: Vec<Claim>) -> Result<Entry, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::Append {
            entry,
            claims,
            reply,
        })
        .await?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Up to `limit` messages older than `before` (all if `None`), oldest first, and whether
    /// even older ones exist.
    pub async fn history(
        &self,
        room: RoomId,
        before: Option<u64>,
        limit: usize,
    ) -> Result<(Vec<Message>, bool), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::History {
            room,
            before,
            limit,
            reply,
        })
        .await?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// One message by id, as it is now.
    pub async fn message(&self, id: u64) -> Result<Option<Message>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::Message { id, reply }).await?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// The messages matching `lookup`, the best first ([`super::fts`]).
    pub async fn search(&self, lookup: super::fts::Lookup) -> Result<Vec<Message>, StoreError> {
        let (reply, answer) = oneshot::channel();
        let command = super::fts::SearchCommand { lookup, reply };
        self.send(Command::Search(command)).await?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Applies a retention policy now; returns how many messages were deleted.
    pub async fn retain(&self, policy: Retention) -> Result<usize, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::Retain { policy, reply }).await?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Remembers `hash` as a valid setup token (`add`), or says whether it is one.
    pub async fn setup_token(&self, hash: String, add: bool) -> Result<bool, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::SetupToken { hash, add, reply }).await?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    pub(super) async fn reads(
        &self,
        command: super::sqlite_reads::ReadsCommand,
    ) -> Result<(), StoreError> {
        self.send(Command::Reads(command)).await
    }

    async fn send(&self, command: Command) -> Result<(), StoreError> {
        self.tx.send(command).await.map_err(|_| StoreError::Closed)
    }
}

fn run(
    mut conn: Connection,
    mut next_id: u64,
    mut rx: mpsc::Receiver<Command>,
    listener: &dyn StoreListener,
    metrics: &Metrics,
) {
    while let Some(first) = rx.blocking_recv() {
        let mut appends = Vec::new();
        let mut others = Vec::new();
        let mut next = Some(first);
        while let Some(command) = next {
            match command {
                Command::Append {
                    entry,
                    claims,
                    reply,
                } => appends.push((entry, claims, reply)),
                other => others.push(other),
            }
            next = if appends.len() < MAX_BATCH {
                rx.try_recv().ok()
            } else {
                None
            };
        }
        if !appends.is_empty() {
            commit_group(&mut conn, &mut next_id, appends, listener, metrics);
        }
        for command in others {
            handle_other(&mut conn, command, listener);
        }
    }
    // Every handle is gone: fold the WAL back into the file so it closes clean and small.
    if let Err(err) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);") {
        tracing::warn!(error = %err, "final checkpoint failed; the WAL is replayed on next start");
    }
}

fn commit_group(
    conn: &mut Connection,
    next_id: &mut u64,
    appends: Vec<(NewEntry, Vec<Claim>, Reply)>,
    listener: &dyn StoreListener,
    metrics: &Metrics,
) {
    let time = now_ms();
    let started = std::time::Instant::now();
    let (requests, replies): (Vec<_>, Vec<_>) = appends
        .into_iter()
        .map(|(entry, claims, reply)| ((entry, claims), reply))
        .unzip();
    let result = write_group(conn, next_id, time, requests);
    let erased = result.as_ref().is_ok_and(|outcomes| {
        outcomes.iter().flatten().any(|entry| match &entry.record {
            Record::Event(event) => super::changes::erases(event),
            Record::Message(_) => false,
        })
    });
    if erased {
        super::changes::truncate_wal(conn);
    }
    metrics.observe_commit(started.elapsed());
    match result {
        Ok(outcomes) => {
            let stored: Vec<Entry> = outcomes.iter().filter_map(|o| o.clone().ok()).collect();
            tracing::debug!(group = stored.len(), "committed");
            // Answer the posters first, then fan out. Fanning out wakes every stream's task;
            // answered after that, a post's 201 would queue behind thousands of stream
            // writes on its worker. Nothing is lost by the order: the group is committed,
            // and any stream opened in between is registered before the broadcast below,
            // so it still receives the group exactly once.
            for (reply, outcome) in replies.into_iter().zip(outcomes) {
                let _ = reply.send(outcome);
            }
            if !stored.is_empty() {
                listener.committed(&stored);
            }
        }
        Err(err) => {
            // Rolled back: nothing of the group is stored, no id was spent, nothing was sent.
            tracing::error!(error = %err, group = replies.len(), "commit failed; appends refused");
            let error = StoreError::Unavailable(err.to_string());
            for reply in replies {
                let _ = reply.send(Err(error.clone()));
            }
        }
    }
}

fn handle_other(conn: &mut Connection, command: Command, listener: &dyn StoreListener) {
    match command {
        Command::Append { .. } => unreachable!("appends are grouped by the caller"),
        Command::Reads(command) => super::sqlite_reads::handle(conn, command),
        Command::Search(command) => super::fts::handle(conn, command),
        Command::Message { id, reply } => {
            let found = super::changes::message(conn, id)
                .map_err(|e| StoreError::Unavailable(e.to_string()));
            let _ = reply.send(found);
        }
        Command::History {
            room,
            before,
            limit,
            reply,
        } => {
            let before = before.map_or(i64::MAX, |b| b.min(i64::MAX as u64) as i64);
            let result = older_than(conn, Some(room), before, limit + 1)
                .map(|mut rows| {
                    let more = rows.len() > limit;
                    rows.truncate(limit);
                    rows.reverse();
                    (rows, more)
                })
                .map_err(|e| StoreError::Unavailable(e.to_string()));
            let _ = reply.send(result);
        }
        Command::SetupToken { hash, add, reply } => {
            let key = format!("setup:{hash}");
            let result = if add {
                conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, '')",
                    params![key],
                )
                .map(|_| true)
            } else {
                conn.query_row(
                    "SELECT 1 FROM meta WHERE key = ?1",
                    params![key],
                    |_| Ok(()),
                )
                .optional()
                .map(|found| found.is_some())
            };
            let _ = reply.send(result.map_err(|e| StoreError::Unavailable(e.to_string())));
        }
        Command::Retain { policy, reply } => {
            let result = retain(conn, policy).map_err(|e| StoreError::Unavailable(e.to_string()));
            if let Ok((deleted, first_kept)) = &result {
                if *deleted > 0 {
                    tracing::info!(deleted, first_kept, "retention deleted old messages");
                    listener.retained(*first_kept);
                }
            }
            let _ = reply.send(result.map(|(deleted, _)| deleted));
        }
    }
}

/// Deletes what the policy does not keep; returns (deleted, first id kept).
fn retain(conn: &mut Connection, policy: Retention) -> rusqlite::Result<(usize, u64)> {
    let tx = conn.transaction()?;
    let mut deleted = 0;
    if let Some(days) = policy.days {
        let cutoff = now_ms().saturating_sub(days.saturating_mul(86_400_000));
        deleted += tx.execute(
            "DELETE FROM messages WHERE time < ?1",
            params![cutoff as i64],
        )?;
    }
    if let Some(keep) = policy.messages {
        // By rank, not by id arithmetic: events share the id sequence, so ids have gaps.
        deleted += tx.execute(
            "DELETE FROM messages WHERE id <= (
                 SELECT id FROM messages ORDER BY id DESC LIMIT 1 OFFSET ?1
             )",
            params![keep.min(i64::MAX as u64) as i64],
        )?;
    }
    let first_kept: Option<i64> =
        tx.query_row("SELECT MIN(id) FROM messages", [], |row| row.get(0))?;
    let first_kept = first_kept.map_or(u64::MAX, |id| id as u64);
    super::reactions::retained(&tx, first_kept)?;
    tx.commit()?;
    Ok((deleted, first_kept))
}
