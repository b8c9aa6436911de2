//! Read markers and notification levels in the store: one small record per account and
//! room, kept beside the log (never in it), so reading grows nothing and every node sees
//! the same. SQLite: the `reads` table, through the writer thread
//! ([`super::sqlite_reads`]). Redis: a hash per account ([`super::redis`]).
//!
//! A marker only moves forward: the store itself keeps the larger of the old and the new
//! (one statement, one script), so two tabs racing cannot move it back.

use super::{StoreError, StoreListener};
use crate::event::AccountId;
use crate::reads::counts::Counts;
use common::room::{NotifyLevel, RoomId};
use common::StreamEvent;
use std::collections::HashMap;

/// What the store keeps for one account in one room.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mark {
    /// The newest message read (0: none yet).
    pub read: u64,
    /// What the account chose; `None`: the room's default ([`NotifyLevel::default_for`]).
    pub notify: Option<NotifyLevel>,
}

/// The name of a level as both stores keep it (the JSON name).
pub fn level_name(level: NotifyLevel) -> &'static str {
    match level {
        NotifyLevel::All => "all",
        NotifyLevel::Mentions => "mentions",
        NotifyLevel::Nothing => "nothing",
    }
}

/// The inverse of [`level_name`]; anything else is no choice.
pub fn level_from(name: &str) -> Option<NotifyLevel> {
    match name {
        "all" => Some(NotifyLevel::All),
        "mentions" => Some(NotifyLevel::Mentions),
        "nothing" => Some(NotifyLevel::Nothing),
        _ => None,
    }
}

impl super::Store {
    /// Every mark `account` has.
    pub async fn marks(&self, account: AccountId) -> Result<Vec<(RoomId, Mark)>, StoreError> {
        match self {
            Self::Sqlite(store) => store.marks(account).await,
            Self::Redis(store) => store.marks(account).await,
        }
    }

    /// Moves `account`'s marker in `room` to `id` if that is forward; returns the marker
    /// as it stands after.
    pub async fn mark_read(
        &self,
        account: AccountId,
        room: RoomId,
        id: u64,
    ) -> Result<u64, StoreError> {
        match self {
            Self::Sqlite(store) => store.mark_read(account, room, id).await,
            Self::Redis(store) => store.mark_read(account, room, id).await,
        }
    }

    /// For `reader` (a lowercase username), each of `rooms`' counts of the messages after
    /// its marker (room, marker) and before `before` ([`crate::reads::older`]).
    pub async fn older_counts(
        &self,
        reader: String,
        rooms: Vec<(RoomId, u64)>,
        before: u64,
    ) -> Result<HashMap<RoomId, Counts>, StoreError> {
        match self {
            Self::Sqlite(store) => store.older_counts(reader, rooms, before).await,
            Self::Redis(store) => store.older_counts(reader, rooms, before).await,
        }
    }

    /// Keeps `account`'s notification level in `room`.
    pub async fn choose_notify(
        &self,
        account: AccountId,
        room: RoomId,
        level: NotifyLevel,
    ) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(store) => store.choose_notify(account, room, level).await,
            Self::Redis(store) => store.choose_notify(account, room, level).await,
        }
    }

    /// Sends an event meant for one account (its read marker moved, it chose a level) to
    /// that account's streams on every node: through Redis's Pub/Sub, or straight to
    /// `local` on SQLite. Never kept: a stream that misses it gets the state in its next
    /// hello.
    pub async fn publish_to(
        &self,
        account: AccountId,
        event: StreamEvent,
        local: &dyn StoreListener,
    ) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(_) => {
                local.personal(account, event);
                Ok(())
            }
            Self::Redis(store) => store.publish_to(account, &event).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_names_are_the_json_names() {
        for level in [
            NotifyLevel::All,
            NotifyLevel::Mentions,
            NotifyLevel::Nothing,
        ] {
            let json = serde_json::to_string(&level).unwrap();
            assert_eq!(json, format!("\"{}\"", level_name(level)));
            assert_eq!(level_from(level_name(level)), Some(level));
        }
        assert_eq!(level_from("loud"), None);
    }
}
