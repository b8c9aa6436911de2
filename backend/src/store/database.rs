//! Opening the database: location, pragmas, schema, and the checks that turn a bad file
//! into a clear start-up error instead of a panic or a silent loss.

use crate::event::{self, Entry, Record};
use anyhow::{bail, Context};
use common::room::RoomId;
use common::Message;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};

/// Where messages live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbLocation {
    /// `:memory:`: gone at exit; each start is a new epoch.
    Memory,
    File(PathBuf),
}

impl DbLocation {
    pub fn parse(raw: &str) -> Self {
        if raw == ":memory:" {
            Self::Memory
        } else {
            Self::File(PathBuf::from(raw))
        }
    }
}

impl std::fmt::Display for DbLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Memory => f.write_str(":memory:"),
            Self::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// An open, checked database, before its writer thread starts.
pub struct Database {
    pub(crate) conn: Connection,
    /// Names this history: kept in the file, so it survives restarts (new for `:memory:`).
    pub epoch: String,
    /// Highest id ever assigned, to a message or an event (0 for a new database).
    pub last_id: u64,
    pub location: DbLocation,
}

impl Database {
    /// Opens (creating if needed) and checks the database. `max_mb` caps its size: writes
    /// beyond it fail like a full disk would.
    pub fn open(
        location: &DbLocation,
        max_mb: Option<u64>,
        new_epoch: &str,
    ) -> anyhow::Result<Self> {
        let mut conn = match location {
            DbLocation::Memory => {
                Connection::open_in_memory().context("cannot open an in-memory database")?
            }
            DbLocation::File(path) => open_file(path)?,
        };
        let what = location.to_string();
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // A deleted message's text must not stay in the file's free space: freed cells
        // and pages are overwritten with zeros (the WAL is truncated after a deletion).
        conn.pragma_update(None, "secure_delete", "ON")?;
        if let DbLocation::File(_) = location {
            let check: String = conn
                .query_row("PRAGMA quick_check", [], |row| row.get(0))
                .with_context(|| format!("cannot read database {what}"))?;
            if check != "ok" {
                bail!("database {what} is corrupt ({check}); restore it from a backup or move it away");
            }
            let mode: String = conn
                .query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))
                .with_context(|| format!("cannot switch database {what} to WAL mode"))?;
            if mode != "wal" {
                bail!("database {what} refused WAL mode (got {mode})");
            }
            // FULL: the WAL is synced at every commit, so a 201 survives power loss.
            conn.pragma_update(None, "synchronous", "FULL")?;
        }
        if let Some(mb) = max_mb {
            let page_size: i64 = conn.query_row("PRAGMA page_size", [], |row| row.get(0))?;
            let pages = (mb.min(1 << 40) as i64 * 1024 * 1024) / page_size.max(1);
            conn.pragma_update(None, "max_page_count", pages)?;
        }
        super::schema::migrations()
            .to_latest(&mut conn)
            .with_context(|| format!("cannot bring database {what} to the current schema"))?;
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('epoch', ?1)",
            params![new_epoch],
        )
        .with_context(|| format!("cannot write to database {what}"))?;
        let epoch: String =
            conn.query_row("SELECT value FROM meta WHERE key = 'epoch'", [], |row| {
                row.get(0)
            })?;
        // Messages keep AUTOINCREMENT's high-water mark even after retention deleted them.
        let last_message: Option<i64> = conn
            .query_row(
                "SELECT seq FROM sqlite_sequence WHERE name = 'messages'",
                [],
                |row| row.get(0),
            )
            .optional()?;
        let last_event: Option<i64> =
            conn.query_row("SELECT MAX(id) FROM log", [], |row| row.get(0))?;
        let last_id = last_message
            .unwrap_or(0)
            .max(last_event.unwrap_or(0))
            .max(0) as u64;
        Ok(Self {
            conn,
            epoch,
            last_id,
            location: location.clone(),
        })
    }

    /// The newest `n` messages of `room` (of every room if `None`), oldest first.
    pub fn recent(&self, room: Option<RoomId>, n: usize) -> rusqlite::Result<Vec<Message>> {
        let mut rows = older_than(&self.conn, room, i64::MAX, n)?;
        rows.reverse();
        Ok(rows)
    }

    /// Every event of the log, in order: what the accounts are made of.
    pub fn events(&self) -> rusqlite::Result<Vec<Entry>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, time, event FROM log ORDER BY id")?;
        let rows = stmt.query_map([], |row| {
            let id = row.get::<_, i64>(0)?.max(0) as u64;
            Ok(Entry {
                id,
                time: row.get::<_, i64>(1)?.max(0) as u64,
                record: Record::Event(event::from_json(id, &row.get::<_, String>(2)?)),
            })
        })?;
        rows.collect()
    }
}

fn open_file(path: &Path) -> anyhow::Result<Connection> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the database folder {}", dir.display()))?;
    }
    Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("cannot open database {}", path.display()))
}

/// Up to `limit` messages of `room` (of every room if `None`) with id below `before`,
/// newest first.
pub(crate) fn older_than(
    conn: &Connection,
    room: Option<RoomId>,
    before: i64,
    limit: usize,
) -> rusqlite::Result<Vec<Message>> {
    // Two statements: with one `room = ?3 OR ?3 IS NULL`, SQLite cannot plan the index.
    let (mut stmt, room) = match room {
        None => (
            conn.prepare_cached(
                "SELECT id, user, text, time, account, guest, room, mentions, here, edited, deleted
                 FROM messages WHERE id < ?1 AND ?3 IS NULL ORDER BY id DESC LIMIT ?2",
            )?,
            None,
        ),
        Some(room) => (
            conn.prepare_cached(
                "SELECT id, user, text, time, account, guest, room, mentions, here, edited, deleted
                 FROM messages INDEXED BY messages_room
                 WHERE room = ?3 AND id < ?1 ORDER BY id DESC LIMIT ?2",
            )?,
            Some(room.min(i64::MAX as u64) as i64),
        ),
    };
    let rows = stmt.query_map(params![before, limit as i64, room], row_message)?;
    let mut rows = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    super::reactions::attach(conn, &mut rows)?;
    Ok(rows)
}

/// A `messages` row, selected as `id, user, text, time, account, guest, room, mentions,
/// here, edited, deleted`.
pub(crate) fn row_message(row: &rusqlite::Row) -> rusqlite::Result<Message> {
    Ok(Message {
        id: row.get::<_, i64>(0)?.max(0) as u64,
        user: row.get(1)?,
        text: row.get(2)?,
        time: row.get::<_, i64>(3)?.max(0) as u64,
        account: row.get(4)?,
        guest: row.get(5)?,
        room: row.get::<_, i64>(6)?.max(0) as u64,
        mentions: split_mentions(row.get::<_, Option<String>>(7)?.as_deref()),
        here: row.get(8)?,
        edited: row.get(9)?,
        deleted: row.get(10)?,
        // Kept in their own table: see `super::reactions::attach`.
        reactions: Vec::new(),
    })
}

/// A message's mentions as the `mentions` column keeps them: usernames, space-separated
/// (a username has no spaces); `NULL` for none.
pub(crate) fn join_mentions(names: &[String]) -> Option<String> {
    (!names.is_empty()).then(|| names.join(" "))
}

/// The inverse of [`join_mentions`]; rows from before mentions read as none.
pub(crate) fn split_mentions(column: Option<&str>) -> Vec<String> {
    column
        .map(|names| names.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::room::LOBBY;

    #[test]
    fn a_new_file_gets_schema_epoch_and_wal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/chat.db");
        let db = Database::open(&DbLocation::File(path.clone()), None, "e1").unwrap();
        assert_eq!(db.epoch, "e1");
        assert_eq!(db.last_id, 0);
        drop(db);
        // The epoch is kept: a second open with another proposal keeps the first.
        let db = Database::open(&DbLocation::File(path), None, "e2").unwrap();
        assert_eq!(db.epoch, "e1");
        let mode: String = db
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn garbage_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chat.db");
        std::fs::write(&path, vec![0x42; 8192]).unwrap();
        let err = Database::open(&DbLocation::File(path), None, "e")
            .err()
            .unwrap();
        let text = format!("{err:#}");
        assert!(text.contains("chat.db"), "{text}");
        assert!(text.contains("not a database"), "{text}");
    }

    #[test]
    fn unusable_folder_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain-file");
        std::fs::write(&file, b"x").unwrap();
        let err = Database::open(&DbLocation::File(file.join("chat.db")), None, "e")
            .err()
            .unwrap();
        assert!(
            format!("{err:#}").contains("cannot create the database folder"),
            "{err:#}"
        );
    }

    #[test]
    fn a_database_of_the_previous_release_is_migrated_in_place_and_keeps_its_messages() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chat.db");
        let fixture = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/chat-6aba7ea.db"
        );
        std::fs::copy(fixture, &path).unwrap();
        let db = Database::open(&DbLocation::File(path.clone()), None, "new").unwrap();
        assert_eq!(db.epoch, "e1f8f12dd3e507c7", "same history, same epoch");
        assert_eq!(db.last_id, 3);
        let messages = db.recent(None, 10).unwrap();
        let texts: Vec<&str> = messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(
            texts,
            ["first message", "second, with <b>markup</b>", "third ✓"]
        );
        assert!(messages
            .iter()
            .all(|m| m.guest && m.account.is_none() && m.room == LOBBY));
        assert!(
            messages.iter().all(|m| m.mentions.is_empty() && !m.here),
            "rows from before mentions mention nobody"
        );
        assert_eq!(db.recent(Some(LOBBY), 10).unwrap(), messages);
        assert!(db.recent(Some(5), 10).unwrap().is_empty());
        assert_eq!(messages[0].user, "ann");
        assert_eq!(db.events().unwrap(), vec![]);
        let version: u32 = db
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 8);
        // The search index took the messages that were there.
        let lookup = super::super::fts::Lookup {
            query: common::search::SearchQuery::parse("markup").unwrap(),
            rooms: vec![LOBBY],
            limit: 10,
        };
        let found = super::super::fts::find(&db.conn, &lookup).unwrap();
        assert_eq!(found, messages[1..2]);
        drop(db);
        // Opening again changes nothing.
        let db = Database::open(&DbLocation::File(path), None, "newer").unwrap();
        assert_eq!(db.recent(None, 10).unwrap(), messages);
    }

    #[test]
    fn a_database_from_a_newer_release_is_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chat.db");
        drop(Database::open(&DbLocation::File(path.clone()), None, "e").unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let err = Database::open(&DbLocation::File(path), None, "e")
            .err()
            .unwrap();
        assert!(
            format!("{err:#}").contains("cannot bring database"),
            "{err:#}"
        );
    }

    #[test]
    fn mentions_are_kept_space_separated_and_none_is_null() {
        let names = vec!["ann".to_owned(), "bob.b".to_owned()];
        assert_eq!(join_mentions(&names).as_deref(), Some("ann bob.b"));
        assert_eq!(split_mentions(Some("ann bob.b")), names);
        assert_eq!(join_mentions(&[]), None);
        assert!(split_mentions(None).is_empty());
    }

    #[test]
    fn memory_location_parses() {
        assert_eq!(DbLocation::parse(":memory:"), DbLocation::Memory);
        assert_eq!(
            DbLocation::parse("data/chat.db"),
            DbLocation::File("data/chat.db".into())
        );
    }
}
