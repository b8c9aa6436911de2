//! Read markers and notification levels as one node knows them, and the reader's part of a
//! room's summary (`read`, `unread`, `mentions`, `notify`).
//!
//! The store keeps them for every node ([`crate::store::reads`]); each node holds the
//! marks of the accounts it serves in [`Marks`], loaded from the store when a stream opens
//! or the room list is asked for, and kept current by every `read` and level change that
//! reaches the node (its own, or another node's through the store's Pub/Sub). The hub
//! needs them synchronously, under its lock, to tell a stream about a room (`room_added`,
//! `room_updated`, the hello).
//!
//! Before an account moves its marker in a room, the marker is where it could first read
//! the room ([`crate::rooms::Rooms::joined`]): older messages are not news to a newcomer.

pub mod counts;
pub mod older;

use crate::event::AccountId;
use crate::store::{Mark, Store, StoreError};
use common::room::{NotifyLevel, RoomId};
use common::Message;
use older::{Older, OlderCounts};
use parking_lot::RwLock;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How long an account's marks, once read from the store, are taken from this node's copy
/// alone. Every change reaches the copy anyway (this node's own, and the other nodes'
/// through the store's Pub/Sub); reading the store again after a while makes up for a
/// change lost while Redis was unreachable. Without it every stream that opens (a reload,
/// a crowd reconnecting) would queue a read on the store, beside the posts.
const RELOAD_AFTER: Duration = Duration::from_secs(60);

/// The marks of the accounts this node serves.
#[derive(Debug, Default)]
pub struct Marks {
    by_account: RwLock<HashMap<AccountId, HashMap<RoomId, Mark>>>,
    /// When each account's marks were last read from the store.
    loaded: RwLock<HashMap<AccountId, Instant>>,
    /// The counts of messages older than the window, per account and room, as last
    /// counted by the store ([`older`]).
    older: RwLock<OlderCounts>,
}

impl Marks {
    /// Reads `account`'s marks from the store into this node's copy. A marker never moves
    /// back: one that moved here while the store was read stays.
    pub async fn refresh(&self, store: &Store, account: AccountId) -> Result<(), StoreError> {
        let now = Instant::now();
        let fresh = self
            .loaded
            .read()
            .get(&account)
            .is_some_and(|at| now.saturating_duration_since(*at) < RELOAD_AFTER);
        if fresh {
            return Ok(());
        }
        let stored = store.marks(account).await?;
        self.loaded.write().insert(account, now);
        let mut all = self.by_account.write();
        let known = all.entry(account).or_default();
        for (room, mark) in stored {
            let entry = known.entry(room).or_default();
            entry.read = entry.read.max(mark.read);
            entry.notify = mark.notify.or(entry.notify);
        }
        Ok(())
    }

    /// `account`'s marker in `room` moved to `read` (never back).
    pub fn read(&self, account: AccountId, room: RoomId, read: u64) {
        let mut all = self.by_account.write();
        let entry = all.entry(account).or_default().entry(room).or_default();
        entry.read = entry.read.max(read);
    }

    /// `account` chose `level` for `room`.
    pub fn notify(&self, account: AccountId, room: RoomId, level: NotifyLevel) {
        let mut all = self.by_account.write();
        all.entry(account)
            .or_default()
            .entry(room)
            .or_default()
            .notify = Some(level);
    }

    /// Keeps `account`'s (`reader`, lowercase) counts of messages older than the window for
    /// the rooms `counted`, and its other `wanted` rooms' as they are (see
    /// [`OlderCounts::update`]). Called under the hub's lock, with the window where it was
    /// when they were counted.
    pub fn keep_older(
        &self,
        account: AccountId,
        reader: &str,
        wanted: &[RoomId],
        counted: HashMap<RoomId, Older>,
    ) {
        self.older.write().update(account, reader, wanted, counted);
    }

    /// `account`'s counts of messages older than the window.
    pub fn older(&self, account: AccountId) -> HashMap<RoomId, Older> {
        self.older.read().of(account)
    }

    /// `message` left the hub's window (called under the hub's lock, as it leaves).
    pub fn left_window(&self, message: &Message) {
        self.older.write().left_window(message);
    }

    /// Forgets every count of older messages (the store started a new history).
    pub fn forget_older(&self) {
        self.older.write().clear();
    }

    /// `account`'s marks, as this node knows them.
    pub fn of(&self, account: AccountId) -> HashMap<RoomId, Mark> {
        self.by_account
            .read()
            .get(&account)
            .cloned()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_only_move_forward_and_levels_are_kept_per_room() {
        let marks = Marks::default();
        marks.read(1, 7, 10);
        marks.read(1, 7, 4);
        marks.notify(1, 8, NotifyLevel::Nothing);
        let mine = marks.of(1);
        assert_eq!(mine[&7].read, 10);
        assert_eq!(mine[&7].notify, None);
        assert_eq!(mine[&8].notify, Some(NotifyLevel::Nothing));
        assert!(marks.of(2).is_empty());
    }
}
