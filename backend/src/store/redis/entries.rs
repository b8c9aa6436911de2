//! How the chat's log looks in Redis: the keys, the append script, and reading entries back.
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
use crate::store::{Claim, NewEntry, NewPost};
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

/// Takes every claim or none, then the next id, then appends the entry, atomically, so two
/// nodes can never append out of id order or both take a username. Guards against a lost
/// counter by never going below either stream's last id. The time comes from Redis, one
/// clock for every node. A message also becomes its room's newest id in `last_ids`.
/// Returns `{id, ms, ""}`, or `{0, 0, key}` for a claim used up.
///
/// KEYS: msgs, next_id, log, claims, last_ids. ARGV: max_len, kind (`msg` or `event`),
/// then for `msg` user, text, account (empty: none), guest (`1`/`0`), room (`0`: the
/// lobby, left out), mentions (empty: none, left out), here (`1`/`0`), for `event` the
/// JSON and six empty strings; then the number of claims and each claim's key and limit.
pub(super) const APPEND: &str = r"
local claims = tonumber(ARGV[10])
for i = 1, claims do
  local key, limit = ARGV[9 + 2 * i], tonumber(ARGV[10 + 2 * i])
  if tonumber(redis.call('HGET', KEYS[4], key) or '0') >= limit then
    return {0, 0, key}
  end
end
for i = 1, claims do
  redis.call('HINCRBY', KEYS[4], ARGV[9 + 2 * i], 1)
end
local id = redis.call('INCR', KEYS[2])
for _, stream in ipairs({KEYS[1], KEYS[3]}) do
  local last = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
  if last[1] then
    local n = tonumber(string.match(last[1][1], '^(%d+)'))
    if n and n >= id then
      id = n + 1
      redis.call('SET', KEYS[2], id)
    end
  end
end
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local entry = string.format('%d-0', id)
local time = string.format('%d', ms)
if ARGV[2] == 'msg' then
  local fields = {'user', ARGV[3], 'text', ARGV[4], 'time', time, 'guest', ARGV[6]}
  if ARGV[5] ~= '' then
    table.insert(fields, 'account')
    table.insert(fields, ARGV[5])
  end
  if ARGV[7] ~= '0' then
    table.insert(fields, 'room')
    table.insert(fields, ARGV[7])
  end
  if ARGV[8] ~= '' then
    table.insert(fields, 'mentions')
    table.insert(fields, ARGV[8])
  end
  if ARGV[9] == '1' then
    table.insert(fields, 'here')
    table.insert(fields, '1')
  end
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], entry, unpack(fields))
  redis.call('HSET', KEYS[5], ARGV[7], string.format('%d', id))
else
  redis.call('XADD', KEYS[3], entry, 'event', ARGV[3], 'time', time)
end
return {id, ms, ''}
";

/// The script's arguments after `max_len`, for `entry` and `claims`.
pub(super) fn script_args(entry: &NewEntry, claims: &[Claim]) -> Vec<String> {
    let mut args = match entry {
        NewEntry::Post(NewPost {
            user,
            text,
            account,
            guest,
            room,
            mentions,
            here,
        }) => vec![
            "msg".to_owned(),
            user.clone(),
            text.clone(),
            account.clone().unwrap_or_default(),
            if *guest { "1" } else { "0" }.to_owned(),
            room.to_string(),
            mentions.join(" "),
            if *here { "1" } else { "0" }.to_owned(),
        ],
        NewEntry::Event(event) => vec![
            "event".to_owned(),
            event::to_json(event),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ],
    };
    args.push(claims.len().to_string());
    for claim in claims {
        args.push(claim.key.clone());
        args.push(claim.limit.to_string());
    }
    args
}

/// The entry an append stored, from what it was given and what the script returned.
pub(super) fn stored(entry: NewEntry, id: u64, time: u64) -> Entry {
    let record = match entry {
        NewEntry::Post(post) => Record::Message(Message {
            id,
            user: post.user,
            text: post.text,
            time,
            account: post.account,
            guest: post.guest,
            room: post.room,
            mentions: post.mentions,
            here: post.here,
            ..Default::default()
        }),
        NewEntry::Event(event) => Record::Event(event),
    };
    Entry { id, time, record }
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

    #[test]
    fn script_arguments_carry_the_entry_and_its_claims() {
        let post = NewEntry::Post(NewPost {
            user: "Ann".into(),
            text: "hi".into(),
            account: Some("ann".into()),
            guest: false,
            room: 7,
            mentions: vec!["bob".into(), "cy".into()],
            here: true,
        });
        assert_eq!(
            script_args(&post, &[]),
            ["msg", "Ann", "hi", "ann", "0", "7", "bob cy", "1", "0"]
        );
        let claims = [Claim {
            key: "username:ann".into(),
            limit: 1,
        }];
        let event = NewEntry::Event(crate::event::Event::SessionEnded {
            session: "ab".into(),
        });
        assert_eq!(
            script_args(&event, &claims),
            [
                "event",
                r#"{"type":"session_ended","session":"ab"}"#,
                "",
                "",
                "",
                "",
                "",
                "",
                "1",
                "username:ann",
                "1"
            ]
        );
    }
}
