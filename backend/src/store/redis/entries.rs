//! How the chat's log looks in Redis: the keys, and reading entries back (appending is
//! [`super::append`]).
//!
//! - `PREFIX:msgs`: a stream of messages, entry `ID-0` with fields `user`, `text`, `time`,
//!   `guest`, `account` (if any), `room` (left out for the lobby), `mentions` (usernames,
//!   space-separated, left out for none) and `here` (`1`, left out otherwise) (trimmed to
//!   about `--retain-messages` entries).
//! - `PREFIX:log`: a stream of events (accounts, sessions, invites), entry `ID-0` with
//!   fields `event` (JSON, see `event.rs`) and `time`. Never trimmed: it is what the
//!   accounts are made of.
//! - `PREFIX:next_id`: the one counter both streams take their ids from, so everything has
//!   one order.
//! - `PREFIX:claims`: a hash of claim counts (usernames, the first admin, invite uses).
//! - `PREFIX:last_ids`: a hash of each room's newest message id, written with each message;
//!   `PREFIX:last_ids:since`: from where it holds every message (`last_ids.rs`).
//! - `PREFIX:epoch`: names this history.
//! - `PREFIX:ephemeral`: a Pub/Sub channel for what is never kept (typing), JSON events.
//! - `PREFIX:personal`: a Pub/Sub channel for events of one account's streams (read
//!   markers, notification levels), `{"account": ID, "event": {...}}`.
//! - `PREFIX:reads:ACCOUNT`: a hash of an account's read markers and notification levels
//!   (`reads.rs`).
//! - `PREFIX:changed`, `PREFIX:deleted`, `PREFIX:edits:ID`: edits and deletions
//!   (`changes.rs`).
//! - `PREFIX:reactions:ID`, `PREFIX:reacted:ID`: reactions (`reactions.rs`).
//! - `PREFIX:setup`: the set of first-run setup tokens' hashes (not log events, so a fresh
//!   chat's first message is id 1).

use super::changes::ChangeKeys;
use crate::event::{self, Entry, Record};

use common::room::{RoomId, LOBBY};
use common::Message;
use redis::streams::StreamId;

/// The keys of one chat.
#[derive(Debug)]
pub(super) struct Keys {
    pub msgs: String,
    pub log: String,
    pub next_id: String,
    pub claims: String,
    pub last_ids: String,
    pub last_ids_since: String,
    pub epoch: String,
    pub setup: String,
    /// The Pub/Sub channel of ephemeral events (typing): not a stream, nothing kept.
    pub ephemeral: String,
    /// The Pub/Sub channel of events for one account's streams.
    pub personal: String,
    /// Prefix of the per-account hashes of read markers and levels.
    pub reads: String,
    /// The Pub/Sub channel of presence changes, and the set of nodes sharing presence
    /// (`presence.rs`).
    pub presence: String,
    pub presence_nodes: String,
    /// Edits and deletions (`changes.rs`).
    pub changed: String,
    pub deleted: String,
    pub(super) prefix: String,
}

impl Keys {
    pub fn new(prefix: &str) -> Self {
        Self {
            msgs: format!("{prefix}:msgs"),
            log: format!("{prefix}:log"),
            next_id: format!("{prefix}:next_id"),
            claims: format!("{prefix}:claims"),
            last_ids: format!("{prefix}:last_ids"),
            last_ids_since: format!("{prefix}:last_ids:since"),
            epoch: format!("{prefix}:epoch"),
            setup: format!("{prefix}:setup"),
            ephemeral: format!("{prefix}:ephemeral"),
            personal: format!("{prefix}:personal"),
            reads: format!("{prefix}:reads"),
            presence: format!("{prefix}:presence"),
            presence_nodes: format!("{prefix}:presence:nodes"),
            changed: format!("{prefix}:changed"),
            deleted: format!("{prefix}:deleted"),
            prefix: prefix.to_owned(),
        }
    }

    /// The keys an edit or deletion of message `id` touches.
    pub fn change(&self, id: u64) -> ChangeKeys<'_> {
        ChangeKeys {
            changed: &self.changed,
            deleted: &self.deleted,
            edits: format!("{}:edits:{id}", self.prefix),
            msgs: &self.msgs,
            log: &self.log,
            reactions: self.reactions(id),
            reacted: self.reacted(id),
        }
    }

    /// `PREFIX:changed` and `PREFIX:deleted`, which reads lay over the stream.
    pub fn change_sets(&self) -> (&str, &str) {
        (&self.changed, &self.deleted)
    }

    /// Message `id` as it is now: as a change left it, or as the stream holds it (without
    /// its reactions: `reactions::attach` adds them).
    pub async fn message<C: redis::aio::ConnectionLike + Send>(
        &self,
        conn: &mut C,
        id: u64,
    ) -> redis::RedisResult<Option<Message>> {
        if let Some(message) = super::changes::changed(conn, &self.changed, id).await? {
            return Ok(Some(message));
        }
        let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
            .arg(&self.msgs)
            .arg(format!("{id}-0"))
            .arg(format!("{id}-0"))
            .query_async(conn)
            .await?;
        Ok(reply.ids.first().and_then(to_message))
    }

    /// The hash of one node's presence.
    pub fn presence_node(&self, node: &str) -> String {
        format!("{}:presence:node:{node}", self.prefix)
    }
}

/// The id of a stream entry `ID-0`; `None` for entries we did not write.
pub(super) fn entry_id(entry: &StreamId) -> Option<u64> {
    let (id, seq) = entry.id.split_once('-')?;
    (seq == "0").then(|| id.parse().ok()).flatten()
}

/// A `PREFIX:msgs` entry as a message; `None` (logged) for entries we did not write.
pub(super) fn to_message(entry: &StreamId) -> Option<Message> {
    let message = (|| {
        Some(Message {
            id: entry_id(entry)?,
            user: entry.get("user")?,
            text: entry.get("text")?,
            time: entry.get("time")?,
            account: entry.get("account"),
            // Entries from before accounts have no `guest`: whoever typed a name, a guest.
            guest: entry.get::<String>("guest").is_none_or(|g| g == "1"),
            // Entries from before rooms have no `room`: the lobby.
            room: entry.get("room").unwrap_or(LOBBY),
            // Entries from before mentions have neither field: they mention nobody.
            mentions: entry
                .get::<String>("mentions")
                .map(|names| names.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
            here: entry.get::<String>("here").is_some_and(|h| h == "1"),
            ..Default::default()
        })
    })();
    if message.is_none() {
        tracing::warn!(entry = %entry.id, "skipping a stream entry h2chat did not write");
    }
    message
}

/// A `PREFIX:log` entry; `None` (logged) for entries we did not write.
pub(super) fn to_event(entry: &StreamId) -> Option<Entry> {
    let parsed = (|| {
        let id = entry_id(entry)?;
        let json: String = entry.get("event")?;
        Some(Entry {
            id,
            time: entry.get("time")?,
            record: Record::Event(event::from_json(id, &json)),
        })
    })();
    if parsed.is_none() {
        tracing::warn!(entry = %entry.id, "skipping a log entry h2chat did not write");
    }
    parsed
}

/// Most stream entries one history request reads looking for a quiet room's messages.
pub(super) const SCAN_LIMIT: usize = 100_000;

/// The newest `count` messages of `room` (of every room if `None`) up to `end` (an
/// XREVRANGE bound), newest first. The stream holds every room's messages: a room's are
/// found by reading back in pages, at most [`SCAN_LIMIT`] entries.
pub(super) async fn newest<C: redis::aio::ConnectionLike + Send>(
    conn: &mut C,
    stream: &str,
    room: Option<RoomId>,
    end: &str,
    count: usize,
) -> redis::RedisResult<Vec<Message>> {
    let page = if room.is_some() {
        500.max(count)
    } else {
        count
    };
    let mut found = Vec::new();
    let mut end = end.to_owned();
    let mut scanned = 0;
    while found.len() < count && scanned < SCAN_LIMIT {
        let reply: redis::streams::StreamRangeReply = redis::cmd("XREVRANGE")
            .arg(stream)
            .arg(&end)
            .arg("-")
            .arg("COUNT")
            .arg(page)
            .query_async(conn)
            .await?;
        let Some(oldest) = reply.ids.last() else {
            break;
        };
        end = format!("({}", oldest.id);
        scanned += reply.ids.len();
        found.extend(
            reply
                .ids
                .iter()
                .filter_map(to_message)
                .filter(|m| room.is_none_or(|r| m.room == r)),
        );
        if reply.ids.len() < page {
            break;
        }
    }
    found.truncate(count);
    Ok(found)
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
                time: 1_700_000_000_000,
                account: None,
                guest: true,
                room: LOBBY,
                ..Default::default()
            },
            "an entry from before accounts is a guest's, in the lobby"
        );
        let m = to_message(&entry(
            "43-0",
            &[
                ("user", "Ann"),
                ("text", "hi"),
                ("time", "1"),
                ("account", "ann"),
                ("guest", "0"),
                ("room", "12"),
                ("mentions", "bob cy"),
                ("here", "1"),
            ],
        ))
        .unwrap();
        assert_eq!((m.account.as_deref(), m.guest), (Some("ann"), false));
        assert_eq!(m.room, 12);
        assert_eq!(m.mentions, ["bob", "cy"]);
        assert!(m.here);
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
        assert!(to_event(&entry("6-0", &[("time", "1")])).is_none());
    }
}
