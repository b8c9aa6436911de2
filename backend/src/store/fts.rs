//! The full-text index of messages (SQLite FTS5), the same on both stores: in the database
//! file with SQLite, in each node's own in-memory database with Redis
//! (`redis/search_index.rs`). Either way it indexes a `messages` table through triggers
//! (`fts_schema.rs`), so whatever changes a message's text (a post, an edit, a deletion,
//! retention) changes the index in the same transaction.

use super::database::row_message;
use super::StoreError;
use common::room::RoomId;
use common::search::SearchQuery;
use common::Message;
use rusqlite::{params, Connection};
use tokio::sync::oneshot;

/// What to look for: the query's words, in which rooms, how many results at most.
#[derive(Debug, Clone)]
pub struct Lookup {
    pub query: SearchQuery,
    pub rooms: Vec<RoomId>,
    pub limit: usize,
}

/// A search for the writer thread.
pub(super) struct SearchCommand {
    pub lookup: Lookup,
    pub reply: oneshot::Sender<Result<Vec<Message>, StoreError>>,
}

pub(super) fn handle(conn: &Connection, command: SearchCommand) {
    let found = find(conn, &command.lookup).map_err(|e| StoreError::Unavailable(e.to_string()));
    let _ = command.reply.send(found);
}

/// The FTS5 query for `query`: every word quoted (so nothing the user typed is FTS5
/// syntax) as a prefix, all of them required.
pub(crate) fn match_expression(query: &SearchQuery) -> String {
    query
        .words()
        .iter()
        .map(|word| format!("\"{}\"*", word.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The messages of `lookup.rooms` (not deleted) holding every word, the best first (FTS5's
/// bm25 rank; the newer of equals first).
pub(crate) fn find(conn: &Connection, lookup: &Lookup) -> rusqlite::Result<Vec<Message>> {
    if lookup.rooms.is_empty() {
        return Ok(Vec::new());
    }
    let rooms = serde_json::to_string(&lookup.rooms).unwrap_or_else(|_| "[]".into());
    let mut stmt = conn.prepare_cached(
        "SELECT m.id, m.user, m.text, m.time, m.account, m.guest, m.room, m.mentions, m.here,
                m.edited, m.deleted
         FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid
         WHERE messages_fts MATCH ?1 AND m.deleted = 0
           AND m.room IN (SELECT value FROM json_each(?2))
         ORDER BY messages_fts.rank, m.id DESC
         LIMIT ?3",
    )?;
    let rows = stmt.query_map(
        params![
            match_expression(&lookup.query),
            rooms,
            lookup.limit.min(i64::MAX as usize) as i64
        ],
        row_message,
    )?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE messages (id INTEGER PRIMARY KEY, user TEXT NOT NULL,
                 text TEXT NOT NULL, time INTEGER NOT NULL, account TEXT,
                 guest INTEGER NOT NULL DEFAULT 0, room INTEGER NOT NULL DEFAULT 0,
                 mentions TEXT, here INTEGER NOT NULL DEFAULT 0,
                 edited INTEGER NOT NULL DEFAULT 0, deleted INTEGER NOT NULL DEFAULT 0);",
        )
        .unwrap();
        conn.execute_batch(super::super::fts_schema::SEARCH_INDEX)
            .unwrap();
        conn
    }

    fn post(conn: &Connection, id: i64, room: i64, text: &str) {
        conn.execute(
            "INSERT INTO messages (id, user, text, time, room) VALUES (?1, 'u', ?2, 0, ?3)",
            params![id, text, room],
        )
        .unwrap();
    }

    fn ids(conn: &Connection, q: &str, rooms: &[RoomId]) -> Vec<u64> {
        let lookup = Lookup {
            query: SearchQuery::parse(q).unwrap(),
            rooms: rooms.to_vec(),
            limit: 10,
        };
        find(conn, &lookup).unwrap().iter().map(|m| m.id).collect()
    }

    #[test]
    fn every_word_is_required_as_a_prefix_and_the_best_match_comes_first() {
        let conn = index();
        post(
            &conn,
            1,
            0,
            "we deploy, maybe, on some friday or other, who knows when",
        );
        post(&conn, 2, 0, "deployment friday: deploy!");
        post(&conn, 3, 0, "nothing here");
        post(&conn, 4, 1, "deploy friday in another room");
        assert_eq!(ids(&conn, "depl fri", &[0]), [2, 1]);
        assert_eq!(ids(&conn, "deploy", &[0, 1]).len(), 3);
        assert!(ids(&conn, "deploy", &[]).is_empty());
    }

    #[test]
    fn an_edit_reindexes_and_a_deletion_drops_the_words() {
        let conn = index();
        post(&conn, 1, 0, "old words");
        conn.execute("UPDATE messages SET text = 'new text' WHERE id = 1", [])
            .unwrap();
        assert!(ids(&conn, "old", &[0]).is_empty());
        assert_eq!(ids(&conn, "new", &[0]), [1]);
        conn.execute(
            "UPDATE messages SET text = '', deleted = 1 WHERE id = 1",
            [],
        )
        .unwrap();
        assert!(ids(&conn, "new", &[0]).is_empty());
        conn.execute("DELETE FROM messages WHERE id = 1", [])
            .unwrap();
        let integrity = conn.execute(
            "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)",
            [],
        );
        assert!(integrity.is_ok(), "{integrity:?}");
    }

    #[test]
    fn the_query_is_words_in_quotes_never_syntax() {
        let query = SearchQuery::parse(r#"NEAR( "a* OR b"#).unwrap();
        assert_eq!(match_expression(&query), r#""near"* "a"* "or"* "b"*"#);
        let conn = index();
        post(&conn, 1, 0, "a near or b");
        assert_eq!(ids(&conn, r#"NEAR( "a* OR b"#, &[0]), [1]);
    }
}
