//! Read markers and notification levels on SQLite: the `reads` table (migration 5), read
//! and written by the writer thread, the file's only connection.

use super::reads::{level_from, level_name, Mark};
use super::{SqliteStore, StoreError};
use crate::event::AccountId;
use common::room::{NotifyLevel, RoomId};
use rusqlite::{params, Connection};
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
    }
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
}
