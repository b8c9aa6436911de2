//! Read markers and notification levels on Redis: one hash per account,
//! `PREFIX:reads:ACCOUNT`, field `ROOM` the marker and `ROOM:notify` the level. Every node
//! reads and writes the same hash; the marker moves forward only inside a script, so two
//! nodes racing cannot move it back. Events for one account's streams go out on the
//! Pub/Sub channel `PREFIX:personal` ([`super::ephemeral`] delivers them).

use super::RedisStore;
use crate::event::AccountId;
use crate::store::reads::{level_from, level_name, Mark};
use crate::store::StoreError;
use common::room::{NotifyLevel, RoomId};
use common::StreamEvent;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Sets the field to the larger of its value and ARGV[2]; returns the value after.
/// KEYS: the account's hash. ARGV: the room, the id.
const MARK_READ: &str = r"
local now = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local id = tonumber(ARGV[2])
if id > now then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return ARGV[2]
end
return tostring(now)
";

/// What travels on `PREFIX:personal`: the account and its event.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Personal {
    pub account: AccountId,
    pub event: StreamEvent,
}

/// The marks in an account's hash; fields we did not write are skipped.
fn marks_of(fields: HashMap<String, String>) -> Vec<(RoomId, Mark)> {
    let mut marks: HashMap<RoomId, Mark> = HashMap::new();
    for (field, value) in fields {
        match field.split_once(':') {
            None => {
                if let (Ok(room), Ok(read)) = (field.parse(), value.parse()) {
                    marks.entry(room).or_default().read = read;
                }
            }
            Some((room, "notify")) => {
                if let (Ok(room), Some(level)) = (room.parse(), level_from(&value)) {
                    marks.entry(room).or_default().notify = Some(level);
                }
            }
            Some(_) => {}
        }
    }
    marks.into_iter().collect()
}

impl RedisStore {
    fn reads_key(&self, account: AccountId) -> String {
        format!("{}:{account}", self.keys.reads)
    }

    pub async fn marks(&self, account: AccountId) -> Result<Vec<(RoomId, Mark)>, StoreError> {
        let mut conn = self.conn.clone();
        let key = self.reads_key(account);
        let fields: HashMap<String, String> = self
            .run(async move { redis::cmd("HGETALL").arg(key).query_async(&mut conn).await })
            .await?;
        Ok(marks_of(fields))
    }

    pub async fn mark_read(
        &self,
        account: AccountId,
        room: RoomId,
        id: u64,
    ) -> Result<u64, StoreError> {
        let mut conn = self.conn.clone();
        let key = self.reads_key(account);
        let now: String = self
            .run(async move {
                redis::Script::new(MARK_READ)
                    .key(key)
                    .arg(room)
                    .arg(id)
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        // What the script returns is an id it was given or wrote.
        Ok(now.parse().unwrap_or(id))
    }

    pub async fn choose_notify(
        &self,
        account: AccountId,
        room: RoomId,
        level: NotifyLevel,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let key = self.reads_key(account);
        self.run(async move {
            redis::cmd("HSET")
                .arg(key)
                .arg(format!("{room}:notify"))
                .arg(level_name(level))
                .exec_async(&mut conn)
                .await
        })
        .await
    }

    /// Publishes `event` for `account`'s streams on every node.
    pub async fn publish_to(
        &self,
        account: AccountId,
        event: &StreamEvent,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let channel = self.keys.personal.clone();
        let payload = serde_json::to_string(&Personal {
            account,
            event: event.clone(),
        })
        .unwrap_or_default();
        self.run(async move {
            redis::cmd("PUBLISH")
                .arg(channel)
                .arg(payload)
                .query_async::<i64>(&mut conn)
                .await
        })
        .await
        .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_becomes_marks_and_strangers_are_skipped() {
        let fields = HashMap::from([
            ("7".to_owned(), "42".to_owned()),
            ("7:notify".to_owned(), "nothing".to_owned()),
            ("8:notify".to_owned(), "all".to_owned()),
            ("9:notify".to_owned(), "loud".to_owned()),
            ("x".to_owned(), "1".to_owned()),
            ("10".to_owned(), "soon".to_owned()),
        ]);
        let mut marks = marks_of(fields);
        marks.sort_by_key(|(room, _)| *room);
        assert_eq!(
            marks,
            [
                (
                    7,
                    Mark {
                        read: 42,
                        notify: Some(NotifyLevel::Nothing)
                    }
                ),
                (
                    8,
                    Mark {
                        read: 0,
                        notify: Some(NotifyLevel::All)
                    }
                ),
            ]
        );
    }
}
