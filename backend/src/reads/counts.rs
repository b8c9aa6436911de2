//! Unread and mention counts, from the messages a node holds in memory and, for the
//! messages older than those, from the store.
//!
//! The counts of the hub's recent window of every room (the newest `max(--history, 1000)`
//! messages of all rooms, see `window.rs`) touch no disk and no network, and are done
//! under the hub's lock in the same step as a stream's hello, so a window message is
//! either counted there or arrives live after it, never both. A room whose unread messages
//! reach back before the window (a quiet room) gets those counted by the store in the
//! async step before the hello or the room list ([`super::older`]) and added: they can
//! neither arrive live nor be in the window, so nothing is counted twice (and a message
//! leaving the window moves from one count to the other as it leaves). Counts are exact
//! up to [`UNREAD_COUNT_MAX`], where they stop; the store reads at most
//! [`super::older::SCAN_MAX`] older messages per count.
//!
//! A message counts as unread when it is after the reader's marker and someone else wrote
//! it (a guest's message always counts); as a mention when it also names the reader.
//! `@here` is not counted by the server: it is meant for those online when it was posted,
//! which the page knows when the message arrives live.

use common::room::{RoomId, RoomSummary, UNREAD_COUNT_MAX};
use common::Message;
use std::collections::HashMap;

/// A room's counts for one reader.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub unread: u32,
    pub mentions: u32,
}

impl Counts {
    /// Counts `message` if it is news to `reader` (a lowercase username).
    pub fn add(&mut self, message: &Message, reader: &str) {
        let own = message
            .account
            .as_deref()
            .is_some_and(|author| author.to_lowercase() == reader);
        if own {
            return;
        }
        self.unread = (self.unread + 1).min(UNREAD_COUNT_MAX);
        if message.mentions.iter().any(|name| name == reader) {
            self.mentions = (self.mentions + 1).min(UNREAD_COUNT_MAX);
        }
    }

    /// Both counts together, capped.
    pub fn plus(self, other: Counts) -> Counts {
        Counts {
            unread: self
                .unread
                .saturating_add(other.unread)
                .min(UNREAD_COUNT_MAX),
            mentions: self
                .mentions
                .saturating_add(other.mentions)
                .min(UNREAD_COUNT_MAX),
        }
    }
}

/// The counts of every room `read` gives a marker for (`None`: not the reader's room),
/// over `messages`.
pub fn count<'a>(
    messages: impl IntoIterator<Item = &'a Message>,
    reader: &str,
    read: impl Fn(RoomId) -> Option<u64>,
) -> HashMap<RoomId, Counts> {
    let mut counts: HashMap<RoomId, Counts> = HashMap::new();
    let mut markers: HashMap<RoomId, Option<u64>> = HashMap::new();
    for message in messages {
        let marker = *markers
            .entry(message.room)
            .or_insert_with(|| read(message.room));
        if marker.is_some_and(|marker| message.id > marker) {
            counts.entry(message.room).or_default().add(message, reader);
        }
    }
    counts
}

/// Fills in the reader's part of a room's summary.
pub fn fill(summary: &mut RoomSummary, read: u64, counts: Counts) {
    summary.read = read;
    summary.unread = counts.unread;
    summary.mentions = counts.mentions;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: u64, room: RoomId, author: Option<&str>, mentions: &[&str]) -> Message {
        Message {
            id,
            room,
            account: author.map(str::to_owned),
            mentions: mentions.iter().map(|m| m.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn counts_what_others_wrote_after_the_marker() {
        let messages = [
            message(1, 0, Some("ann"), &["bob"]),
            message(2, 0, Some("bob"), &[]),
            message(3, 0, Some("ann"), &[]),
            message(4, 0, None, &["bob"]),
            message(5, 7, Some("Ann"), &["bob"]),
            message(6, 9, Some("ann"), &["bob"]),
        ];
        let counts = count(&messages, "bob", |room| match room {
            0 => Some(1),
            7 => Some(0),
            _ => None,
        });
        assert_eq!(
            counts[&0],
            Counts {
                unread: 2,
                mentions: 1
            },
            "3 and 4 (a guest's); 1 is read, 2 is bob's own"
        );
        assert_eq!(
            counts[&7],
            Counts {
                unread: 1,
                mentions: 1
            }
        );
        assert!(!counts.contains_key(&9), "not bob's room");
        let own = count(&messages[4..5], "ann", |_| Some(0));
        assert_eq!(
            own.get(&7).copied().unwrap_or_default(),
            Counts::default(),
            "an author's own message, whatever the case"
        );
    }

    #[test]
    fn counts_stop_at_the_cap() {
        let mut counts = Counts::default();
        let news = message(1, 0, Some("ann"), &["bob"]);
        for _ in 0..UNREAD_COUNT_MAX + 5 {
            counts.add(&news, "bob");
        }
        assert_eq!(counts.unread, UNREAD_COUNT_MAX);
        assert_eq!(counts.mentions, UNREAD_COUNT_MAX);
    }
}
