//! One group of appends as one transaction: each append's claims taken (or the append
//! refused), its id given, its row written. The writer thread ([`super::writer`]) commits
//! groups and tells the posters and the hub; this is only what goes into the database, so
//! a failure rolls the whole group back and spends no id.

use super::database::join_mentions;
use super::{Claim, NewEntry, StoreError};
use crate::event::{self, Entry, Record};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

/// What became of one append in a group: stored, or refused for a claim already taken.
pub(super) type Outcome = Result<Entry, StoreError>;

/// Writes `requests` in one transaction, ids from `next_id` on (moved past those given,
/// only when the transaction commits).
pub(super) fn write_group(
    conn: &mut Connection,
    next_id: &mut u64,
    time: u64,
    requests: Vec<(NewEntry, Vec<Claim>)>,
) -> rusqlite::Result<Vec<Outcome>> {
    let tx = conn.transaction()?;
    let mut id = *next_id;
    let mut outcomes = Vec::with_capacity(requests.len());
    for (entry, claims) in requests {
        if let Some(taken) = take_claims(&tx, &claims)? {
            outcomes.push(Err(StoreError::Conflict(taken)));
            continue;
        }
        outcomes.push(Ok(insert(&tx, id, time, entry)?));
        id += 1;
    }
    tx.commit()?;
    *next_id = id;
    Ok(outcomes)
}

/// Takes every claim, or none: returns the key of the first that is used up.
fn take_claims(tx: &Transaction, claims: &[Claim]) -> rusqlite::Result<Option<String>> {
    for claim in claims {
        let count: Option<i64> = tx
            .query_row(
                "SELECT count FROM claims WHERE key = ?1",
                params![claim.key],
                |row| row.get(0),
            )
            .optional()?;
        if count.unwrap_or(0) >= i64::from(claim.limit) {
            return Ok(Some(claim.key.clone()));
        }
    }
    for claim in claims {
        tx.execute(
            "INSERT INTO claims (key, count) VALUES (?1, 1)
             ON CONFLICT(key) DO UPDATE SET count = count + 1",
            params![claim.key],
        )?;
    }
    Ok(None)
}

fn insert(tx: &Transaction, id: u64, time: u64, entry: NewEntry) -> rusqlite::Result<Entry> {
    let record = match entry {
        NewEntry::Post(post) => {
            tx.prepare_cached(
                "INSERT INTO messages (id, user, text, time, account, guest, room, mentions, here)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                id as i64,
                post.user,
                post.text,
                time as i64,
                post.account,
                post.guest,
                post.room.min(i64::MAX as u64) as i64,
                join_mentions(&post.mentions),
                post.here
            ])?;
            Record::Message(post.into_message(id, time))
        }
        NewEntry::Event(event) => {
            tx.prepare_cached("INSERT INTO log (id, time, event) VALUES (?1, ?2, ?3)")?
                .execute(params![id as i64, time as i64, event::to_json(&event)])?;
            super::changes::apply(tx, id, &event)?;
            super::reactions::apply(tx, id, &event)?;
            Record::Event(event)
        }
    };
    Ok(Entry { id, time, record })
}
