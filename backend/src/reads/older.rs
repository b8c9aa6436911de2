//! Unread and mention counts of messages older than the hub's recent window, asked of the
//! store.
//!
//! The window ([`crate::window`]) holds the newest messages of all rooms; a quiet room's
//! unread messages may all be older. Before a stream's hello or a room list (an async
//! step, never under the hub's lock) the node finds the reader's rooms whose marker is
//! before the window's start and whose newest message is after the marker ([`wanted`],
//! usually none), and the store counts their messages strictly between the marker and the
//! window's start ([`Tally`], newest first). Those can never arrive live nor be in the
//! window, so adding them to the window's counts counts nothing twice.
//!
//! The node keeps the result per account ([`OlderCounts`], replaced by each count), but
//! only if the window has not moved while the store counted (else the messages that left
//! it meanwhile are counted too, and keeping is tried again), under the hub's lock; from
//! then on every message that leaves the window is added as it leaves, so a message is in
//! exactly one of the two counts, and a `room_updated` long after the hello is exact too.
//! The result holds as long as the marker it was counted from ([`Older::after`]): a marker
//! moved since (another tab, another node) makes it unknown until the next count, and the
//! window's counts alone are used meanwhile.
//!
//! The bound: at most [`SCAN_MAX`] older messages are read per count (SQLite: of the room;
//! Redis: of the shared stream, every room's), newest first, and counting stops once a
//! room's counts reach [`common::room::UNREAD_COUNT_MAX`].

use super::counts::Counts;
use crate::event::AccountId;
use common::room::{RoomId, RoomSummary, UNREAD_COUNT_MAX};
use common::Message;
use std::collections::HashMap;

/// Most messages (or Redis stream entries) one count reads, as for history.
pub const SCAN_MAX: usize = 100_000;

/// A room's counts of the messages after a marker and before the window's start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Older {
    /// The marker they were counted from (exclusive).
    pub after: u64,
    /// Where they end (exclusive): the window's start when counted, then past each message
    /// that left the window since.
    pub before: u64,
    pub counts: Counts,
    /// Whether no message between `after` and `before` was missed (the window did not
    /// outrun the count): such counts are kept and never asked of the store again while
    /// the marker stays.
    pub whole: bool,
}

/// The rooms of `summaries` (with the reader's marker in `read`) that have unread messages
/// older than `before`, the window's start, and their markers.
pub fn wanted(summaries: &[RoomSummary], before: u64) -> Vec<(RoomId, u64)> {
    summaries
        .iter()
        .filter(|room| room.read.saturating_add(1) < before && room.last_id > room.read)
        .map(|room| (room.id, room.read))
        .collect()
}

/// Of the `wanted` rooms (room, marker), those the store must count: not kept whole from
/// this very marker.
pub fn to_count(wanted: &[(RoomId, u64)], kept: &HashMap<RoomId, Older>) -> Vec<(RoomId, u64)> {
    wanted
        .iter()
        .filter(|(room, after)| {
            kept.get(room)
                .is_none_or(|older| older.after != *after || !older.whole)
        })
        .copied()
        .collect()
}

/// Counts, for one reader, the messages the store hands over (in any order) that are after
/// each wanted room's marker.
#[derive(Debug)]
pub struct Tally {
    reader: String,
    rooms: HashMap<RoomId, (u64, Counts)>,
}

impl Tally {
    /// A tally for `reader` (a lowercase username) of `rooms` (room, marker).
    pub fn new(reader: &str, rooms: &[(RoomId, u64)]) -> Self {
        Self {
            reader: reader.to_owned(),
            rooms: rooms
                .iter()
                .map(|&(room, after)| (room, (after, Counts::default())))
                .collect(),
        }
    }

    /// Counts `message` if it is in a wanted room, after its marker, and news to the reader.
    pub fn add(&mut self, message: &Message) {
        if let Some((after, counts)) = self.rooms.get_mut(&message.room) {
            if message.id > *after {
                counts.add(message, &self.reader);
            }
        }
    }

    /// Whether `room`'s counts can no longer grow (or it is not wanted).
    pub fn full(&self, room: RoomId) -> bool {
        self.rooms.get(&room).is_none_or(|(_, counts)| {
            counts.unread >= UNREAD_COUNT_MAX && counts.mentions >= UNREAD_COUNT_MAX
        })
    }

    /// Whether no wanted room's counts can grow: reading further changes nothing.
    pub fn done(&self) -> bool {
        self.rooms.keys().all(|room| self.full(*room))
    }

    /// Each wanted room's counts.
    pub fn finish(self) -> HashMap<RoomId, Counts> {
        self.rooms
            .into_iter()
            .map(|(room, (_, counts))| (room, counts))
            .collect()
    }
}

/// Every account's [`Older`] counts on this node, by room. Kept exact while the window
/// moves: a message leaving the window ([`OlderCounts::left_window`], under the hub's lock,
/// as the window drops it) moves from the window's counts to these.
#[derive(Debug, Default)]
pub struct OlderCounts {
    by_room: HashMap<RoomId, HashMap<AccountId, Older>>,
    /// Each account's lowercase username, to tell its own messages.
    readers: HashMap<AccountId, String>,
}

impl OlderCounts {
    /// Keeps `account`'s counts of `counted`, and of its other `wanted` rooms as they are;
    /// a room not wanted any more has none.
    pub fn update(
        &mut self,
        account: AccountId,
        reader: &str,
        wanted: &[RoomId],
        counted: HashMap<RoomId, Older>,
    ) {
        self.by_room.retain(|room, accounts| {
            if !wanted.contains(room) {
                accounts.remove(&account);
            }
            !accounts.is_empty()
        });
        for (room, counts) in counted {
            self.by_room
                .entry(room)
                .or_default()
                .insert(account, counts);
        }
        if wanted.is_empty() {
            self.readers.remove(&account);
        } else {
            self.readers.insert(account, reader.to_owned());
        }
    }

    /// `account`'s counts, by room.
    pub fn of(&self, account: AccountId) -> HashMap<RoomId, Older> {
        self.by_room
            .iter()
            .filter_map(|(room, accounts)| Some((*room, *accounts.get(&account)?)))
            .collect()
    }

    /// `message` left the window: it counts for every account whose counts of its room end
    /// before it, and they now end after it.
    pub fn left_window(&mut self, message: &Message) {
        let Some(accounts) = self.by_room.get_mut(&message.room) else {
            return;
        };
        for (account, older) in accounts {
            if message.id < older.before {
                continue;
            }
            older.before = message.id.saturating_add(1);
            if message.id > older.after {
                if let Some(reader) = self.readers.get(account) {
                    older.counts.add(message, reader);
                }
            }
        }
    }

    /// Forgets every count (the store lost its history: ids mean nothing any more).
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

/// The counts of a room for a reader at `read`: the window's, plus the older ones if they
/// were counted from this very marker.
pub fn combine(window: Counts, older: Option<&Older>, read: u64) -> Counts {
    match older {
        Some(older) if older.after == read => window.plus(older.counts),
        _ => window,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: u64, room: RoomId, author: &str, mentions: &[&str]) -> Message {
        Message {
            id,
            room,
            account: Some(author.to_owned()),
            mentions: mentions.iter().map(|m| m.to_string()).collect(),
            ..Default::default()
        }
    }

    fn room(id: RoomId, read: u64, last_id: u64) -> RoomSummary {
        RoomSummary {
            id,
            kind: common::room::RoomKind::Open,
            name: String::new(),
            members: Vec::new(),
            last_id,
            archived: false,
            manage: false,
            read,
            unread: 0,
            mentions: 0,
            notify: Default::default(),
        }
    }

    #[test]
    fn only_rooms_with_news_before_the_window_are_wanted() {
        let rooms = [
            room(1, 10, 50),   // unread from 11, the window starts at 100: wanted
            room(2, 40, 40),   // all read
            room(3, 99, 150),  // the next message is the window's first: the window knows
            room(4, 120, 150), // the marker is inside the window
            room(5, 0, 3),     // never read
        ];
        assert_eq!(wanted(&rooms, 100), vec![(1, 10), (5, 0)]);
        assert!(wanted(&rooms, 1).is_empty());
    }

    #[test]
    fn tallies_others_messages_after_each_marker_and_stops_when_capped() {
        let mut tally = Tally::new("bob", &[(1, 5), (2, 0)]);
        for m in [
            message(4, 1, "ann", &["bob"]),   // read
            message(6, 1, "ann", &["bob"]),   // unread, mention
            message(7, 1, "Bob", &["bob"]),   // bob's own
            message(8, 1, "ann", &["bobby"]), // not bob
            message(9, 3, "ann", &["bob"]),   // not wanted
            message(10, 2, "cid", &[]),
        ] {
            tally.add(&m);
        }
        assert!(!tally.done());
        let counts = tally.finish();
        assert_eq!(
            counts[&1],
            Counts {
                unread: 2,
                mentions: 1
            }
        );
        assert_eq!(
            counts[&2],
            Counts {
                unread: 1,
                mentions: 0
            }
        );
        assert!(!counts.contains_key(&3));

        let mut capped = Tally::new("bob", &[(1, 0)]);
        for id in 1..=u64::from(UNREAD_COUNT_MAX) {
            assert!(!capped.full(1));
            capped.add(&message(id, 1, "ann", &["bob"]));
        }
        assert!(capped.full(1) && capped.done());
        assert!(capped.full(9), "a room not wanted never grows");
    }

    #[test]
    fn a_message_leaving_the_window_moves_into_the_older_counts_of_its_room() {
        let mut all = OlderCounts::default();
        let counted = |unread| Older {
            after: 5,
            before: 20,
            counts: Counts {
                unread,
                mentions: 0,
            },
            whole: true,
        };
        let bob = HashMap::from([(7, counted(2)), (9, counted(2))]);
        all.update(1, "bob", &[7, 9], bob);
        all.update(2, "cid", &[7], HashMap::from([(7, counted(0))]));
        all.update(1, "bob", &[7], HashMap::new());
        assert!(!all.of(1).contains_key(&9), "9 not wanted any more");
        all.left_window(&message(19, 7, "ann", &["bob"])); // counted by the store already
        all.left_window(&message(20, 7, "ann", &["bob"]));
        all.left_window(&message(21, 7, "cid", &[]));
        all.left_window(&message(22, 8, "ann", &["bob"])); // another room
        let expected = Older {
            before: 22,
            counts: Counts {
                unread: 4,
                mentions: 1,
            },
            ..counted(0)
        };
        assert_eq!(all.of(1)[&7], expected, "7 kept as it was, then grown");
        assert_eq!(all.of(2)[&7].counts.unread, 1, "not cid's own");
        all.update(1, "bob", &[], HashMap::new());
        assert!(all.of(1).is_empty());
        assert_eq!(all.of(2).len(), 1);
        all.clear();
        assert!(all.of(2).is_empty());
    }

    #[test]
    fn older_counts_hold_only_for_the_marker_they_were_counted_from() {
        let window = Counts {
            unread: 3,
            mentions: 1,
        };
        let older = Older {
            after: 10,
            before: 100,
            counts: Counts {
                unread: 998,
                mentions: 2,
            },
            whole: true,
        };
        assert_eq!(
            combine(window, Some(&older), 10),
            Counts {
                unread: UNREAD_COUNT_MAX,
                mentions: 3
            },
            "added, and capped"
        );
        assert_eq!(
            combine(window, Some(&older), 12),
            window,
            "the marker moved"
        );
        assert_eq!(combine(window, None, 10), window);
        let partial = Older {
            whole: false,
            ..older
        };
        let kept = HashMap::from([(1, older), (2, partial)]);
        assert_eq!(
            to_count(&[(1, 10), (2, 10), (3, 4)], &kept),
            [(2, 10), (3, 4)],
            "kept whole from the same marker: not counted again"
        );
        assert_eq!(to_count(&[(1, 12)], &kept), [(1, 12)], "the marker moved");
    }
}
