//! Edits and deletions in SQLite.
//!
//! A change is a log event ([`Event::MessageEdited`], [`Event::MessageDeleted`]) so it
//! reaches every stream, and resumes, in log order; and the message's row is rewritten in
//! place in the same transaction, so history reads the latest text. A deletion leaves no
//! text behind: the row keeps only who and when, the edit events that carried the message's
//! newer texts are deleted, freed space is zeroed (`secure_delete`, set at open), and the
//! writer truncates the WAL right after the commit ([`erases`]), so the old page images go
//! too.

use super::database::{join_mentions, row_message};
use crate::event::Event;
use common::Message;
use rusqlite::{params, Connection, OptionalExtension, Transaction};

/// Rewrites the message an event changes (nothing for other events).
pub(super) fn apply(tx: &Transaction, id: u64, event: &Event) -> rusqlite::Result<()> {
    match event {
        Event::MessageEdited { message } => {
            tx.execute(
                "UPDATE messages SET text = ?2, mentions = ?3, here = ?4, edited = 1
                 WHERE id = ?1 AND deleted = 0",
                params![
                    int(message.id),
                    message.text,
                    join_mentions(&message.mentions),
                    message.here
                ],
            )?;
        }
        Event::MessageDeleted { message, .. } => {
            tx.execute(
                "UPDATE messages SET text = '', mentions = NULL, here = 0, edited = 0,
                 deleted = 1 WHERE id = ?1",
                params![int(message.id)],
            )?;
            // The edits carried newer texts of the message: they go too.
            tx.execute(
                "DELETE FROM log WHERE id < ?2
                 AND json_extract(event, '$.type') = 'message_edited'
                 AND json_extract(event, '$.message.id') = ?1",
                params![int(message.id), int(id)],
            )?;
            super::reactions::forget(tx, message.id, id)?;
        }
        _ => {}
    }
    Ok(())
}

/// Whether an event erased text, so the WAL must be truncated once it is committed.
pub(super) fn erases(event: &Event) -> bool {
    matches!(event, Event::MessageDeleted { .. })
}

/// Folds the WAL into the file and truncates it: a deleted text's old page images leave it.
pub(super) fn truncate_wal(conn: &Connection) {
    if let Err(err) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);") {
        tracing::warn!(error = %err, "checkpoint after a deletion failed; retried at the next");
    }
}

/// One message by id, whatever its room.
pub(super) fn message(conn: &Connection, id: u64) -> rusqlite::Result<Option<Message>> {
    conn.prepare_cached(
        "SELECT id, user, text, time, account, guest, room, mentions, here, edited, deleted
         FROM messages WHERE id = ?1",
    )?
    .query_row(params![int(id)], row_message)
    .optional()?
    .map(|mut found| {
        super::reactions::attach(conn, std::slice::from_mut(&mut found))?;
        Ok(found)
    })
    .transpose()
}

fn int(id: u64) -> i64 {
    id.min(i64::MAX as u64) as i64
}
