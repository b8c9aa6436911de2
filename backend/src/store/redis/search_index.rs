//! Each node's own search index on Redis: an in-memory SQLite database with the same
//! `messages` table and FTS5 index as the SQLite store (`store/fts.rs`), so both stores
//! search alike. Every node sees every message and change through its tail, so each keeps
//! its index itself ([`Indexing`] applies what the tail reads before the hub fans it out);
//! nothing about search is stored in Redis. A node that starts reads the whole stream into
//! its index ([`build`]), laying the edits and deletions (`changes.rs`) over it; if Redis
//! loses the history, the index starts over with it.
//!
//! The index holds what the node has seen: messages that `MAXLEN` later trims from the
//! stream stay searchable on a node until it restarts.

use super::entries::{to_message, Keys};
use crate::event::{Entry, Record};
use crate::store::fts::{self, Lookup};
use crate::store::{Snapshot, StoreListener};
use common::Message;
use parking_lot::Mutex;
use rusqlite::{params, Connection};
use std::sync::Arc;

/// The table `store/database.rs` keeps, with the columns a message has.
const TABLE: &str = "
    CREATE TABLE messages (
        id       INTEGER PRIMARY KEY,
        user     TEXT    NOT NULL,
        text     TEXT    NOT NULL,
        time     INTEGER NOT NULL,
        account  TEXT,
        guest    INTEGER NOT NULL,
        room     INTEGER NOT NULL,
        mentions TEXT,
        here     INTEGER NOT NULL,
        edited   INTEGER NOT NULL,
        deleted  INTEGER NOT NULL
    );";

/// Entries read per `XRANGE` while building.
const PAGE: usize = 1000;

pub(crate) struct NodeIndex {
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for NodeIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeIndex").finish_non_exhaustive()
    }
}

impl NodeIndex {
    pub fn new() -> rusqlite::Result<Self> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch(TABLE)?;
        conn.execute_batch(crate::store::fts_schema::SEARCH_INDEX)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// Indexes messages as they are now: new or edited ones (again), deleted ones out.
    pub fn put(&self, messages: &[Message]) {
        let mut conn = self.conn.lock();
        let result = (|| {
            let tx = conn.transaction()?;
            for message in messages {
                put(&tx, message)?;
            }
            tx.commit()
        })();
        if let Err(err) = result {
            tracing::error!(error = %err, "the search index could not take messages");
        }
    }

    /// Applies what the tail read: messages, edits and deletions.
    pub fn apply(&self, entries: &[Entry]) {
        let messages: Vec<Message> = entries
            .iter()
            .filter_map(|entry| match &entry.record {
                Record::Message(message) => Some(message.clone()),
                Record::Event(_) => entry.changed_message().cloned(),
            })
            .collect();
        if !messages.is_empty() {
            self.put(&messages);
        }
    }

    /// Forgets everything (Redis lost the history).
    pub fn clear(&self) {
        if let Err(err) = self.conn.lock().execute("DELETE FROM messages", []) {
            tracing::error!(error = %err, "the search index could not be cleared");
        }
    }

    pub fn find(&self, lookup: &Lookup) -> rusqlite::Result<Vec<Message>> {
        fts::find(&self.conn.lock(), lookup)
    }
}

fn put(tx: &rusqlite::Transaction, message: &Message) -> rusqlite::Result<()> {
    if message.deleted {
        tx.execute("DELETE FROM messages WHERE id = ?1", params![id(message)])?;
        return Ok(());
    }
    tx.prepare_cached(
        "INSERT INTO messages (id, user, text, time, account, guest, room, mentions, here,
             edited, deleted)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0)
         ON CONFLICT (id) DO UPDATE SET text = excluded.text, mentions = excluded.mentions,
             here = excluded.here, edited = excluded.edited",
    )?
    .execute(params![
        id(message),
        message.user,
        message.text,
        message.time.min(i64::MAX as u64) as i64,
        message.account,
        message.guest,
        message.room.min(i64::MAX as u64) as i64,
        crate::store::database::join_mentions(&message.mentions),
        message.here,
        message.edited,
    ])?;
    Ok(())
}

fn id(message: &Message) -> i64 {
    message.id.min(i64::MAX as u64) as i64
}

/// Reads every message of the stream into `index`, then lays the edits and deletions over
/// them; returns how many messages the stream held.
pub(super) async fn build<C: redis::aio::ConnectionLike + Send>(
    conn: &mut C,
    keys: &Keys,
    index: &NodeIndex,
) -> redis::RedisResult<usize> {
    let mut start = "-".to_owned();
    let mut read = 0;
    loop {
        let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
            .arg(&keys.msgs)
            .arg(&start)
            .arg("+")
            .arg("COUNT")
            .arg(PAGE)
            .query_async(conn)
            .await?;
        let Some(last) = reply.ids.last() else { break };
        start = format!("({}", last.id);
        read += reply.ids.len();
        let messages: Vec<Message> = reply.ids.iter().filter_map(to_message).collect();
        index.put(&messages);
        if reply.ids.len() < PAGE {
            break;
        }
    }
    let changed: Vec<String> = redis::cmd("HVALS")
        .arg(&keys.changed)
        .query_async(conn)
        .await?;
    let changed: Vec<Message> = changed
        .iter()
        .filter_map(|json| serde_json::from_str(json).ok())
        .collect();
    index.put(&changed);
    Ok(read)
}

/// The tail's listener on Redis: the node's index takes every entry before `inner` (the
/// hub) fans it out, so a message someone was just sent is found by searching.
pub(super) struct Indexing {
    pub index: Arc<NodeIndex>,
    pub inner: Arc<dyn StoreListener>,
}

impl StoreListener for Indexing {
    fn committed(&self, entries: &[Entry]) {
        self.index.apply(entries);
        self.inner.committed(entries);
    }

    fn retained(&self, first_kept: u64) {
        self.inner.retained(first_kept);
    }

    fn store_state(&self, degraded: Option<&str>) {
        self.inner.store_state(degraded);
    }

    /// The history is new: the index starts over with what the new one holds so far.
    fn reset(&self, snapshot: Snapshot) {
        self.index.clear();
        self.index.put(&snapshot.recent);
        self.inner.reset(snapshot);
    }

    fn ephemeral(&self, event: common::StreamEvent) {
        self.inner.ephemeral(event);
    }

    fn personal(&self, account: crate::event::AccountId, event: common::StreamEvent) {
        self.inner.personal(account, event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use common::search::SearchQuery;

    fn lookup(q: &str) -> Lookup {
        Lookup {
            query: SearchQuery::parse(q).unwrap(),
            rooms: vec![0, 1],
            limit: 10,
        }
    }

    fn message(id: u64, text: &str) -> Message {
        Message {
            id,
            user: "ann".into(),
            text: text.into(),
            ..Default::default()
        }
    }

    #[test]
    fn posts_edits_and_deletions_from_the_tail_keep_the_index_as_history_is() {
        let index = NodeIndex::new().unwrap();
        let post = |id, text| Entry {
            id,
            time: 1,
            record: Record::Message(message(id, text)),
        };
        index.apply(&[post(1, "alpha beta"), post(2, "gamma")]);
        assert_eq!(index.find(&lookup("alph")).unwrap()[0].id, 1);
        let edited = Message {
            edited: true,
            ..message(1, "delta")
        };
        let edit = Entry {
            id: 3,
            time: 2,
            record: Record::Event(Event::MessageEdited { message: edited }),
        };
        index.apply(&[edit]);
        assert!(index.find(&lookup("alpha")).unwrap().is_empty());
        let found = index.find(&lookup("delta")).unwrap();
        assert!(found[0].edited && found[0].text == "delta");
        let tombstone = Message {
            deleted: true,
            ..message(1, "")
        };
        let delete = Entry {
            id: 4,
            time: 3,
            record: Record::Event(Event::MessageDeleted {
                message: tombstone,
                by: None,
            }),
        };
        index.apply(&[delete]);
        assert!(index.find(&lookup("delta")).unwrap().is_empty());
        index.clear();
        assert!(index.find(&lookup("gamma")).unwrap().is_empty());
    }
}
