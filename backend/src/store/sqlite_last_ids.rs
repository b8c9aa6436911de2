//! Each room's newest message id on SQLite, read at start: the recent window holds only
//! the newest messages of all rooms, so a quiet room's newest id must come from the table.
//!
//! One query, a skip scan of the `messages(room, id)` index: a recursive step finds the
//! next room above the last (one index seek), and each room's `MAX(id)` is one more seek.
//! So it reads two index entries per room whatever the number of messages, where
//! `GROUP BY room` would read the whole index. Rows deleted by retention are gone: a room
//! retention emptied has no newest id, as its history has nothing to show.

use super::Database;
use common::room::RoomId;
use rusqlite::Connection;
use std::collections::HashMap;

const LAST_IDS: &str = "
    WITH RECURSIVE rooms(room) AS (
        SELECT MIN(room) FROM messages
        UNION ALL
        SELECT (SELECT MIN(room) FROM messages WHERE room > rooms.room)
        FROM rooms WHERE rooms.room IS NOT NULL
    )
    SELECT room, (SELECT MAX(id) FROM messages WHERE messages.room = rooms.room)
    FROM rooms WHERE room IS NOT NULL";

/// Every room that has messages, and its newest message's id.
pub(super) fn last_ids(conn: &Connection) -> rusqlite::Result<HashMap<RoomId, u64>> {
    let mut stmt = conn.prepare(LAST_IDS)?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, i64>(0)?.max(0) as u64,
            row.get::<_, i64>(1)?.max(0) as u64,
        ))
    })?;
    rows.collect()
}

impl Database {
    /// Each room's newest message id (rooms without messages are left out).
    pub fn last_ids(&self) -> rusqlite::Result<HashMap<RoomId, u64>> {
        last_ids(&self.conn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::DbLocation;
    use rusqlite::params;

    fn db_with(rooms: &[u64]) -> Database {
        let db = Database::open(&DbLocation::Memory, None, "e").unwrap();
        for (i, room) in rooms.iter().enumerate() {
            db.conn
                .execute(
                    "INSERT INTO messages (id, user, text, time, room) VALUES (?1, 'u', 't', 0, ?2)",
                    params![i as i64 + 1, *room as i64],
                )
                .unwrap();
        }
        db
    }

    #[test]
    fn each_room_s_newest_id_and_none_for_an_empty_table() {
        assert!(db_with(&[]).last_ids().unwrap().is_empty());
        // ids 1..=7: room 0 has 1, 3, 7; room 12 has 2, 4; room 30 has 5, 6.
        let db = db_with(&[0, 12, 0, 12, 30, 30, 0]);
        assert_eq!(
            db.last_ids().unwrap(),
            HashMap::from([(0, 7), (12, 4), (30, 6)])
        );
        db.conn
            .execute("DELETE FROM messages WHERE room = 12", [])
            .unwrap();
        assert_eq!(
            db.last_ids().unwrap(),
            HashMap::from([(0, 7), (30, 6)]),
            "a room whose messages were all deleted has no newest id"
        );
    }

    #[test]
    fn the_plan_seeks_the_room_index_and_never_scans_the_table() {
        let db = db_with(&[0, 5]);
        let mut stmt = db
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {LAST_IDS}"))
            .unwrap();
        let plan: Vec<String> = stmt
            .query_map([], |row| row.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let on_messages: Vec<&String> = plan.iter().filter(|s| s.contains("messages")).collect();
        assert_eq!(on_messages.len(), 3, "{plan:#?}");
        assert!(
            on_messages
                .iter()
                .all(|s| s.starts_with("SEARCH messages USING COVERING INDEX messages_room")),
            "{plan:#?}"
        );
    }
}
