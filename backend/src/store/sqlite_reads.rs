//! Read markers and notification levels on SQLite: the `reads` table (migration 5), read
//! and written by the writer thread, the file's only connection (which also serves
//! history). The counts of messages older than the hub's window ([`crate::reads::older`])
//! are read there too: per room, newest first, through the `messages(room, id)` index.

use super::database::split_mentions;
use super::reads::{level_from, level_name, Mark};
use super::{SqliteStore, StoreError};
use crate::event::AccountId;
use crate::reads::counts::Counts;
use crate::reads::older::{Tally, SCAN_MAX};
use common::room::{NotifyLevel, RoomId};
use common::Message;
use rusqlite::{params, Connection};
use std::collections::HashMap;
use tokio::sync::oneshot;

/// What the writer thread does for [`super::reads`].
pub(super) enum ReadsCommand {
    Marks {
        account: AccountId,
        reply: oneshot::Sender<Result<Vec<(RoomId, Mark)>, StoreError>>,
    },
    MarkRead {
        account: AccountId,
        room: RoomId,
        id: u64,
        reply: oneshot::Sender<Result<u64, StoreError>>,
    },
    ChooseNotify {
        account: AccountId,
        room: RoomId,
        level: NotifyLevel,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    Older {
        reader: String,
        rooms: Vec<(RoomId, u64)>,
        before: u64,
        reply: oneshot::Sender<Result<HashMap<RoomId, Counts>, StoreError>>,
    },
}

fn int(value: u64) -> i64 {
    value.min(i64::MAX as u64) as i64
}

fn unavailable(err: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(err.to_string())
}

/// Runs one command on the writer's connection (autocommit: each is one statement).
pub(super) fn handle(conn: &Connection, command: ReadsCommand) {
    match command {
        ReadsCommand::Marks { account, reply } => {
            let _ = reply.send(marks(conn, account).map_err(unavailable));
        }
        ReadsCommand::MarkRead {
            account,
            room,
            id,
            reply,
        } => {
            let result = conn
                .prepare_cached(
                    "INSERT INTO reads (account, room, read) VALUES (?1, ?2, ?3)
                     ON CONFLICT (account, room) DO UPDATE SET read = MAX(read, excluded.read)
                     RETURNING read",
                )
                .and_then(|mut stmt| {
                    stmt.query_row(params![int(account), int(room), int(id)], |row| {
                        row.get::<_, i64>(0)
                    })
                })
                .map(|read| read.max(0) as u64);
            let _ = reply.send(result.map_err(unavailable));
        }
        ReadsCommand::ChooseNotify {
            account,
            room,
            level,
            reply,
        } => {
            let result = conn
                .prepare_cached(
                    "INSERT INTO reads (account, room, notify) VALUES (?1, ?2, ?3)
                     ON CONFLICT (account, room) DO UPDATE SET notify = excluded.notify",
                )
                .and_then(|mut stmt| {
                    stmt.execute(params![int(account), int(room), level_name(level)])
                })
                .map(drop);
            let _ = reply.send(result.map_err(unavailable));
        }
        ReadsCommand::Older {
            reader,
            rooms,
            before,
            reply,
        } => {
            let result = older(conn, &reader, &rooms, before);
            let _ = reply.send(result.map_err(unavailable));
        }
    }
}

/// Counts, for `reader`, each room's messages after its marker and before `before`, newest
/// first, reading at most [`SCAN_MAX`] of them per room and stopping once the room's
/// counts are capped.
fn older(
    conn: &Connection,
    reader: &str,
    rooms: &[(RoomId, u64)],
    before: u64,
) -> rusqlite::Result<HashMap<RoomId, Counts>> {
    let mut tally = Tally::new(reader, rooms);
    let mut stmt = conn.prepare_cached(
        "SELECT id, account, mentions FROM messages INDEXED BY messages_room
         WHERE room = ?1 AND id > ?2 AND id < ?3 ORDER BY id DESC LIMIT ?4",
    )?;
    for &(room, after) in rooms {
        let mut rows = stmt.query(params![int(room), int(after), int(before), SCAN_MAX as i64])?;
        while let Some(row) = rows.next()? {
            tally.add(&Message {
                id: row.get::<_, i64>(0)?.max(0) as u64,
                room,
                account: row.get(1)?,
                mentions: split_mentions(row.get::<_, Option<String>>(2)?.as_deref()),
                ..Default::default()
            });
            if tally.full(room) {
                break;
            }
        }
    }
    Ok(tally.finish())
}

fn marks(conn: &Connection, account: AccountId) -> rusqlite::Result<Vec<(RoomId, Mark)>> {
    let mut stmt =
        conn.prepare_cached("SELECT room, read, notify FROM reads WHERE account = ?1")?;
    let rows = stmt.query_map(params![int(account)], |row| {
        let notify: Option<String> = row.get(2)?;
        Ok((
            row.get::<_, i64>(0)?.max(0) as u64,
            Mark {
                read: row.get::<_, i64>(1)?.max(0) as u64,
                notify: notify.as_deref().and_then(level_from),
            },
        ))
    })?;
    rows.collect()
}

impl SqliteStore {
    pub async fn marks(&self, account: AccountId) -> Result<Vec<(RoomId, Mark)>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.reads(ReadsCommand::Marks { account, reply }).await?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    pub async fn mark_read(
        &self,
        account: AccountId,
        room: RoomId,
        id: u64,
    ) -> Result<u64, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.reads(ReadsCommand::MarkRead {
            account,
            room,
            id,
            reply,
        })
        .await?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    pub async fn choose_notify(
        &self,
        account: AccountId,
        room: RoomId,
        level: NotifyLevel,
    ) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.reads(ReadsCommand::ChooseNotify {
            account,
            room,
            level,
            reply,
        })
        .await?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    pub async fn older_counts(
        &self,
        reader: String,
        rooms: Vec<(RoomId, u64)>,
        before: u64,
    ) -> Result<HashMap<RoomId, Counts>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.reads(ReadsCommand::Older {
            reader,
            rooms,
            before,
            reply,
        })
        .await?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Database, DbLocation};

    fn run<T>(conn: &Connection, make: impl FnOnce(oneshot::Sender<T>) -> ReadsCommand) -> T {
        let (reply, mut answer) = oneshot::channel();
        handle(conn, make(reply));
        answer.try_recv().unwrap()
    }

    #[test]
    fn markers_only_move_forward_and_levels_sit_beside_them() {
        let db = Database::open(&DbLocation::Memory, None, "e").unwrap();
        let conn = &db.conn;
        let mark = |id| {
            run(conn, |reply| ReadsCommand::MarkRead {
                account: 1,
                room: 7,
                id,
                reply,
            })
            .unwrap()
        };
        assert_eq!(mark(5), 5);
        assert_eq!(mark(3), 5, "never back");
        assert_eq!(mark(9), 9);
        run(conn, |reply| ReadsCommand::ChooseNotify {
            account: 1,
            room: 7,
            level: NotifyLevel::Nothing,
            reply,
        })
        .unwrap();
        run(conn, |reply| ReadsCommand::ChooseNotify {
            account: 1,
            room: 8,
            level: NotifyLevel::All,
            reply,
        })
        .unwrap();
        let mut marks = run(conn, |reply| ReadsCommand::Marks { account: 1, reply }).unwrap();
        marks.sort_by_key(|(room, _)| *room);
        assert_eq!(
            marks,
            [
                (
                    7,
                    Mark {
                        read: 9,
                        notify: Some(NotifyLevel::Nothing)
                    }
                ),
                (
                    8,
                    Mark {
                        read: 0,
                        notify: Some(NotifyLevel::All)
                    }
                )
            ]
        );
        assert!(run(conn, |reply| ReadsCommand::Marks { account: 2, reply })
            .unwrap()
            .is_empty());
    }

    #[test]
    fn older_counts_are_the_rooms_messages_between_marker_and_window_start() {
        let db = Database::open(&DbLocation::Memory, None, "e").unwrap();
        let conn = &db.conn;
        let insert = |id: u64, room: u64, account: Option<&str>, mentions: Option<&str>| {
            conn.execute(
                "INSERT INTO messages (id, user, text, time, account, guest, room, mentions)
                 VALUES (?1, 'u', 't', 1, ?2, ?3, ?4, ?5)",
                params![id as i64, account, account.is_none(), room as i64, mentions],
            )
            .unwrap();
        };
        insert(1, 7, Some("ann"), Some("bob")); // read
        insert(2, 7, Some("ann"), Some("bob.b bob")); // a mention
        insert(3, 7, Some("Bob"), Some("bob")); // bob's own
        insert(4, 7, None, Some("bobby")); // a guest's, no mention of bob
        insert(5, 8, Some("ann"), Some("bob")); // another room
        insert(6, 7, Some("ann"), None); // the window's start: not counted here
        for id in 10..(10 + u64::from(common::room::UNREAD_COUNT_MAX) + 5) {
            insert(id, 9, Some("ann"), Some("bob"));
        }
        let counts = run(conn, |reply| ReadsCommand::Older {
            reader: "bob".into(),
            rooms: vec![(7, 1), (9, 0)],
            before: 6,
            reply,
        })
        .unwrap();
        assert_eq!(
            counts[&7],
            Counts {
                unread: 2,
                mentions: 1
            }
        );
        assert!(!counts.contains_key(&8));
        let full = common::room::UNREAD_COUNT_MAX;
        let many = run(conn, |reply| ReadsCommand::Older {
            reader: "bob".into(),
            rooms: vec![(9, 0)],
            before: u64::MAX,
            reply,
        })
        .unwrap();
        assert_eq!(
            many[&9],
            Counts {
                unread: full,
                mentions: full
            },
            "capped"
        );
    }
}
