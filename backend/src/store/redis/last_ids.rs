//! Each room's newest message id on Redis, read at start (and after a history reset): the
//! one stream holds every room's messages, and the recent window only the newest of them,
//! so a quiet room's newest id must be kept apart.
//!
//! The append script writes it, in the same atomic step as the message: the hash
//! `PREFIX:last_ids` (room → newest message id). Messages appended by releases before the
//! hash was kept are not in it: `PREFIX:last_ids:since` (set once, by the first node that
//! keeps the hash, to the log's newest id then) says from where every message is. A room
//! made before that and missing from the hash is looked for once, in the newest
//! [`SCAN_LIMIT`] stream entries (the bound history reads too), and what is found is
//! written back with `HSETNX` (never over what an append wrote meanwhile): its newest id,
//! or `0` for none within the bound, which history could not show either. Later starts
//! read the hash alone.

use super::entries::{to_message, Keys, SCAN_LIMIT};
use crate::event::{Entry, Event, Record};
use common::room::{RoomId, LOBBY};
use std::collections::{HashMap, HashSet};

/// Stream entries read per `XREVRANGE` while looking for rooms missing from the hash.
const PAGE: usize = 1000;

/// Every room's newest message id, `head` being the log's newest id now.
pub(super) async fn load<C: redis::aio::ConnectionLike + Send>(
    conn: &mut C,
    keys: &Keys,
    events: &[Entry],
    head: u64,
) -> redis::RedisResult<HashMap<RoomId, u64>> {
    redis::cmd("SET")
        .arg(&keys.last_ids_since)
        .arg(head)
        .arg("NX")
        .exec_async(conn)
        .await?;
    let since: Option<u64> = redis::cmd("GET")
        .arg(&keys.last_ids_since)
        .query_async(conn)
        .await?;
    let stored: HashMap<String, String> = redis::cmd("HGETALL")
        .arg(&keys.last_ids)
        .query_async(conn)
        .await?;
    let mut last_ids = parse(stored);
    let missing = missing(events, &last_ids, since.unwrap_or(0));
    if missing.is_empty() {
        return Ok(last_ids);
    }
    let found = scan(conn, &keys.msgs, &missing).await?;
    let mut pipe = redis::pipe();
    for room in &missing {
        let id = found.get(room).copied().unwrap_or(0);
        pipe.cmd("HSETNX").arg(&keys.last_ids).arg(room).arg(id);
        last_ids.insert(*room, id);
    }
    pipe.query_async::<()>(conn).await?;
    tracing::info!(
        rooms = missing.len(),
        found = found.len(),
        "rooms' newest messages from before they were kept: looked up in the stream"
    );
    Ok(last_ids)
}

/// The hash's fields as (room, id); anything we did not write is passed over.
fn parse(stored: HashMap<String, String>) -> HashMap<RoomId, u64> {
    stored
        .into_iter()
        .filter_map(|(room, id)| Some((room.parse().ok()?, id.parse().ok()?)))
        .collect()
}

/// The rooms of `events` (and the lobby) made before `since` that the hash lacks: their
/// messages may all be older than the hash.
fn missing(events: &[Entry], last_ids: &HashMap<RoomId, u64>, since: u64) -> Vec<RoomId> {
    let made = events.iter().filter_map(|entry| match entry.record {
        Record::Event(Event::RoomCreated { .. }) => Some(entry.id),
        _ => None,
    });
    std::iter::once(LOBBY)
        .chain(made)
        .filter(|room| *room < since && !last_ids.contains_key(room))
        .collect()
}

/// Reads the stream back from its newest entry until every room of `rooms` was seen or
/// [`SCAN_LIMIT`] entries were read; the newest message id found of each.
async fn scan<C: redis::aio::ConnectionLike + Send>(
    conn: &mut C,
    stream: &str,
    rooms: &[RoomId],
) -> redis::RedisResult<HashMap<RoomId, u64>> {
    let wanted: HashSet<RoomId> = rooms.iter().copied().collect();
    let mut found = HashMap::new();
    let mut end = "+".to_owned();
    let mut scanned = 0;
    while found.len() < wanted.len() && scanned < SCAN_LIMIT {
        let reply: redis::streams::StreamRangeReply = redis::cmd("XREVRANGE")
            .arg(stream)
            .arg(&end)
            .arg("-")
            .arg("COUNT")
            .arg(PAGE)
            .query_async(conn)
            .await?;
        let Some(oldest) = reply.ids.last() else {
            break;
        };
        end = format!("({}", oldest.id);
        scanned += reply.ids.len();
        for message in reply.ids.iter().filter_map(to_message) {
            if wanted.contains(&message.room) {
                found.entry(message.room).or_insert(message.id);
            }
        }
        if reply.ids.len() < PAGE {
            break;
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::room::RoomKind;

    fn room_made(id: u64) -> Entry {
        Entry {
            id,
            time: 0,
            record: Record::Event(Event::RoomCreated {
                kind: RoomKind::Open,
                name: "r".into(),
                created_by: 1,
                members: vec![1],
            }),
        }
    }

    #[test]
    fn only_rooms_made_before_the_hash_was_kept_and_missing_from_it_are_looked_for() {
        let events = [room_made(4), room_made(9), room_made(15)];
        let kept = HashMap::from([(9, 12)]);
        assert_eq!(missing(&events, &kept, 10), [LOBBY, 4]);
        assert_eq!(
            missing(&events, &kept, 0),
            Vec::<RoomId>::new(),
            "a chat that kept the hash from its start"
        );
        assert_eq!(missing(&events, &HashMap::from([(0, 0)]), 10), [4, 9]);
    }

    #[test]
    fn fields_we_did_not_write_are_passed_over() {
        let stored = HashMap::from([
            ("0".to_owned(), "31".to_owned()),
            ("12".to_owned(), "0".to_owned()),
            ("x".to_owned(), "5".to_owned()),
            ("13".to_owned(), "soon".to_owned()),
        ]);
        assert_eq!(parse(stored), HashMap::from([(0, 31), (12, 0)]));
    }
}
