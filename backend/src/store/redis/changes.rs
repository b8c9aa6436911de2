//! Edits and deletions on Redis.
//!
//! A stream entry cannot be rewritten, so the change event is appended to `PREFIX:log`
//! like any (every node's tail applies it in order), and then, atomically ([`AFTER`]):
//! - an edit: `PREFIX:changed` (a hash, message id → the message as it is now, JSON) takes
//!   the new text, and `PREFIX:edits:ID` (a set) remembers the edit's log id;
//! - a deletion: `PREFIX:changed` takes the tombstone (no text), `PREFIX:deleted` (a sorted
//!   set, by id) remembers where it belongs, the message's `PREFIX:msgs` entry and the
//!   log entries of its edits are deleted (`XDEL`): no text of it is left in any key.
//!   So do its reactions and their log entries (`reactions.rs`). An edit that arrives after
//!   the deletion has its own log entry deleted at once.
//!
//! Reads lay `changed` over what the stream holds ([`overlay`]), so history shows the
//! latest text and a deleted message's tombstone.

use common::room::RoomId;
use common::Message;
use redis::aio::ConnectionLike;

/// KEYS: changed, deleted, edits, reactions, reacted (of this message), msgs, log. ARGV:
/// kind (`edited` or `deleted`), message id, the message as it is now (JSON), the change's
/// log id.
const AFTER: &str = r#"
local changed, deleted, edits, msgs, log = KEYS[1], KEYS[2], KEYS[3], KEYS[6], KEYS[7]
local reactions, reacted = KEYS[4], KEYS[5]
local kind, id, json, entry = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('ZSCORE', deleted, id) then
  if kind == 'edited' then redis.call('XDEL', log, entry .. '-0') end
  return 0
end
redis.call('HSET', changed, id, json)
if kind == 'edited' then
  redis.call('SADD', edits, entry)
  return 1
end
redis.call('ZADD', deleted, id, id)
redis.call('XDEL', msgs, id .. '-0')
for _, edit in ipairs(redis.call('SMEMBERS', edits)) do
  redis.call('XDEL', log, edit .. '-0')
end
redis.call('DEL', edits)
for _, reaction in ipairs(redis.call('SMEMBERS', reacted)) do
  redis.call('XDEL', log, reaction .. '-0')
end
redis.call('DEL', reactions, reacted)
return 1
"#;

/// The keys a change touches (`entries.rs` names them all).
pub(super) struct ChangeKeys<'a> {
    pub changed: &'a str,
    pub deleted: &'a str,
    /// `PREFIX:edits:ID` of the message changed.
    pub edits: String,
    pub msgs: &'a str,
    pub log: &'a str,
    /// `PREFIX:reactions:ID` and `PREFIX:reacted:ID` of the message changed.
    pub reactions: String,
    pub reacted: String,
}

/// Records an edit or deletion (log entry `entry`) that was just appended to the log.
pub(super) async fn record<C: ConnectionLike + Send>(
    conn: &mut C,
    keys: ChangeKeys<'_>,
    deletion: bool,
    message: &Message,
    entry: u64,
) -> redis::RedisResult<()> {
    let json = serde_json::to_string(message).unwrap_or_default();
    redis::Script::new(AFTER)
        .key(keys.changed)
        .key(keys.deleted)
        .key(keys.edits)
        .key(keys.reactions)
        .key(keys.reacted)
        .key(keys.msgs)
        .key(keys.log)
        .arg(if deletion { "deleted" } else { "edited" })
        .arg(message.id)
        .arg(json)
        .arg(entry)
        .invoke_async::<i64>(conn)
        .await
        .map(drop)
}

/// Message `id` as an edit or deletion left it, if one did.
pub(super) async fn changed<C: ConnectionLike + Send>(
    conn: &mut C,
    changed: &str,
    id: u64,
) -> redis::RedisResult<Option<Message>> {
    let json: Option<String> = redis::cmd("HGET")
        .arg(changed)
        .arg(id)
        .query_async(conn)
        .await?;
    Ok(json.and_then(|json| serde_json::from_str(&json).ok()))
}

/// Lays the edits and deletions over `found` (newest first, up to `count`, read from the
/// stream up to the XREVRANGE bound `end`): edited messages get their latest text, and
/// the tombstones of deleted messages in that range of ids are put back in their place.
pub(super) async fn overlay<C: ConnectionLike + Send>(
    conn: &mut C,
    (changed_key, deleted_key): (&str, &str),
    room: Option<RoomId>,
    end: &str,
    count: usize,
    found: Vec<Message>,
) -> redis::RedisResult<Vec<Message>> {
    let high = match end.strip_prefix('(') {
        Some(bound) => format!("({}", bound.trim_end_matches("-0")),
        None => "+inf".to_owned(),
    };
    let low = match found.last() {
        Some(oldest) if found.len() >= count => oldest.id.to_string(),
        _ => "0".to_owned(),
    };
    let tombstones: Vec<u64> = redis::cmd("ZRANGEBYSCORE")
        .arg(deleted_key)
        .arg(&low)
        .arg(&high)
        .query_async(conn)
        .await?;
    let mut ids: Vec<u64> = found.iter().map(|m| m.id).collect();
    ids.extend(&tombstones);
    if ids.is_empty() {
        return Ok(found);
    }
    let changed: Vec<Option<String>> = redis::cmd("HMGET")
        .arg(changed_key)
        .arg(&ids)
        .query_async(conn)
        .await?;
    let mut merged: std::collections::BTreeMap<u64, Message> =
        found.into_iter().map(|m| (m.id, m)).collect();
    for json in changed.into_iter().flatten() {
        if let Ok(message) = serde_json::from_str::<Message>(&json) {
            if room.is_none_or(|r| message.room == r) {
                merged.insert(message.id, message);
            }
        }
    }
    Ok(merged.into_values().rev().take(count).collect())
}
