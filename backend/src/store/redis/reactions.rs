//! Reactions on Redis.
//!
//! The reaction event is appended to `PREFIX:log` like any (every node's tail applies it in
//! order), and then, atomically ([`REACT`]), recorded beside the message:
//! - `PREFIX:reactions:ID` (a sorted set): one member `EMOJI\nUSERNAME` per reaction,
//!   scored by the log id that added it (the order they are shown in), changed by the rule
//!   every party applies ([`common::reaction::apply`]);
//! - `PREFIX:reacted:ID` (a set): the log ids of the message's reaction events.
//!
//! A reaction to a deleted message has its own log entry deleted at once; deleting a
//! message deletes both keys and those log entries (`changes.rs`).

use super::entries::Keys;
use common::reaction::{self, MAX_REACTIONS};
use common::Message;
use redis::aio::ConnectionLike;

/// KEYS: deleted, reactions (of this message), reacted (of this message), log. ARGV:
/// message id, emoji, username, `1` to add or `0` to remove, the event's log id, the most
/// distinct emoji.
const REACT: &str = r#"
local deleted, reactions, reacted, log = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id, emoji, account, added, entry = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local max = tonumber(ARGV[6])
if redis.call('ZSCORE', deleted, id) then
  redis.call('XDEL', log, entry .. '-0')
  return 0
end
redis.call('SADD', reacted, entry)
local member = emoji .. '\n' .. account
if added == '0' then
  return redis.call('ZREM', reactions, member)
end
if redis.call('ZSCORE', reactions, member) then
  return 0
end
local seen, count, present = {}, 0, false
for _, held in ipairs(redis.call('ZRANGE', reactions, 0, -1)) do
  local e = string.match(held, '^([^\n]*)\n')
  if e == emoji then present = true end
  if e and not seen[e] then
    seen[e] = true
    count = count + 1
  end
end
if not present and count >= max then
  return 0
end
redis.call('ZADD', reactions, entry, member)
return 1
"#;

/// The keys a reaction touches.
pub(super) struct ReactionKeys<'a> {
    pub deleted: &'a str,
    /// `PREFIX:reactions:ID` and `PREFIX:reacted:ID` of the message.
    pub reactions: String,
    pub reacted: String,
    pub log: &'a str,
}

impl Keys {
    /// The keys a reaction to message `id` touches.
    pub fn reaction(&self, id: u64) -> ReactionKeys<'_> {
        ReactionKeys {
            deleted: &self.deleted,
            reactions: self.reactions(id),
            reacted: self.reacted(id),
            log: &self.log,
        }
    }

    /// `PREFIX:reactions:ID`: who reacted to message `id` with what.
    pub fn reactions(&self, id: u64) -> String {
        format!("{}:reactions:{id}", self.prefix)
    }

    /// `PREFIX:reacted:ID`: the log ids of the reaction events of message `id`.
    pub fn reacted(&self, id: u64) -> String {
        format!("{}:reacted:{id}", self.prefix)
    }
}

/// One reaction change, as the log event says it.
pub(super) struct Change<'a> {
    pub message: u64,
    pub emoji: &'a str,
    pub account: &'a str,
    pub added: bool,
}

/// Records a reaction (log entry `entry`) that was just appended to the log.
pub(super) async fn record<C: ConnectionLike + Send>(
    conn: &mut C,
    keys: ReactionKeys<'_>,
    change: Change<'_>,
    entry: u64,
) -> redis::RedisResult<()> {
    redis::Script::new(REACT)
        .key(keys.deleted)
        .key(&keys.reactions)
        .key(&keys.reacted)
        .key(keys.log)
        .arg(change.message)
        .arg(change.emoji)
        .arg(change.account)
        .arg(if change.added { "1" } else { "0" })
        .arg(entry)
        .arg(MAX_REACTIONS)
        .invoke_async::<i64>(conn)
        .await
        .map(drop)
}

/// Fills in the reactions of `messages` (deleted ones have none), one round trip;
/// `key` names a message's `PREFIX:reactions:ID`.
pub(super) async fn attach<C: ConnectionLike + Send>(
    conn: &mut C,
    key: impl Fn(u64) -> String,
    messages: &mut [Message],
) -> redis::RedisResult<()> {
    let live: Vec<&mut Message> = messages.iter_mut().filter(|m| !m.deleted).collect();
    if live.is_empty() {
        return Ok(());
    }
    let mut pipe = redis::pipe();
    for message in &live {
        pipe.cmd("ZRANGE").arg(key(message.id)).arg(0).arg(-1);
    }
    let members: Vec<Vec<String>> = pipe.query_async(conn).await?;
    for (message, members) in live.into_iter().zip(members) {
        for member in members {
            if let Some((emoji, account)) = member.split_once('\n') {
                reaction::apply(&mut message.reactions, emoji, account, true);
            }
        }
    }
    Ok(())
}
