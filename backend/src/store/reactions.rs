//! Reactions in SQLite.
//!
//! A reaction is a log event ([`Event::Reaction`]) so it reaches every stream, and resumes,
//! in log order; in the same transaction the `reactions` table (one row per message, emoji
//! and account, with the log id that added it) takes the change by the rule every party
//! applies ([`common::reaction::apply`]): adding what is there or removing what is not
//! changes nothing, and a new emoji beyond [`MAX_REACTIONS`] is ignored. A reaction to a
//! deleted message leaves nothing, not even its log event; deleting a message deletes its
//! reactions and their events ([`forget`]).

use crate::event::Event;
use common::reaction::{self, MAX_REACTIONS};
use common::Message;
use rusqlite::{params, Connection, Transaction};

/// Records a reaction (log entry `entry`); nothing for other events.
pub(super) fn apply(tx: &Transaction, entry: u64, event: &Event) -> rusqlite::Result<()> {
    let Event::Reaction {
        message,
        emoji,
        account,
        added,
        ..
    } = event
    else {
        return Ok(());
    };
    let message = int(*message);
    let live: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM messages WHERE id = ?1 AND deleted = 0)")?
        .query_row(params![message], |row| row.get(0))?;
    if !live {
        tx.execute("DELETE FROM log WHERE id = ?1", params![int(entry)])?;
        return Ok(());
    }
    if *added {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO reactions (message, emoji, account, entry)
             SELECT ?1, ?2, ?3, ?4
             WHERE EXISTS (SELECT 1 FROM reactions WHERE message = ?1 AND emoji = ?2)
                OR (SELECT COUNT(DISTINCT emoji) FROM reactions WHERE message = ?1) < ?5",
        )?
        .execute(params![
            message,
            emoji,
            account,
            int(entry),
            MAX_REACTIONS as i64
        ])?;
    } else {
        tx.prepare_cached(
            "DELETE FROM reactions WHERE message = ?1 AND emoji = ?2 AND account = ?3",
        )?
        .execute(params![message, emoji, account])?;
    }
    Ok(())
}

/// Deletes the reactions to `message` and the log events (before `entry`, the deletion)
/// that made them.
pub(super) fn forget(tx: &Transaction, message: u64, entry: u64) -> rusqlite::Result<()> {
    tx.execute(
        "DELETE FROM reactions WHERE message = ?1",
        params![int(message)],
    )?;
    tx.execute(
        "DELETE FROM log WHERE id < ?2
         AND json_extract(event, '$.type') = 'reaction'
         AND json_extract(event, '$.message') = ?1",
        params![int(message), int(entry)],
    )?;
    Ok(())
}

/// Fills in the reactions of `messages` (any order), each emoji in the order it was first
/// added among those still there.
pub(crate) fn attach(conn: &Connection, messages: &mut [Message]) -> rusqlite::Result<()> {
    let (Some(low), Some(high)) = (
        messages.iter().map(|m| m.id).min(),
        messages.iter().map(|m| m.id).max(),
    ) else {
        return Ok(());
    };
    let mut stmt = conn.prepare_cached(
        "SELECT message, emoji, account FROM reactions
         WHERE message BETWEEN ?1 AND ?2 ORDER BY entry",
    )?;
    let rows = stmt.query_map(params![int(low), int(high)], |row| {
        Ok((
            row.get::<_, i64>(0)?.max(0) as u64,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
        ))
    })?;
    let mut by_id: std::collections::HashMap<u64, &mut Message> =
        messages.iter_mut().map(|m| (m.id, m)).collect();
    for row in rows {
        let (id, emoji, account) = row?;
        if let Some(message) = by_id.get_mut(&id) {
            reaction::apply(&mut message.reactions, &emoji, &account, true);
        }
    }
    Ok(())
}

/// Drops the reactions to messages retention deleted (those below `first_kept`).
pub(super) fn retained(tx: &Transaction, first_kept: u64) -> rusqlite::Result<()> {
    tx.execute(
        "DELETE FROM reactions WHERE message < ?1",
        params![int(first_kept)],
    )?;
    Ok(())
}

fn int(id: u64) -> i64 {
    id.min(i64::MAX as u64) as i64
}
