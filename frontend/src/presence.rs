//! Who is online, as `presence` lines said (pure logic): the whole list right after each
//! hello (`reset`), then who came and went. A room's online members are its members that
//! are online; an open room's members are every account, so its online members are
//! everyone online.

use common::room::{RoomKind, RoomSummary};
use common::StreamEvent;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Presence {
    /// Usernames online, sorted.
    online: Vec<String>,
    /// Streams open without an account (the lobby's guests).
    guests: u32,
    /// Accounts online, as the server counts them: a guest is told this number and no
    /// names.
    accounts: u32,
}

impl Presence {
    /// Applies a `presence` line (anything else changes nothing); returns whether anything
    /// changed.
    pub fn apply(&mut self, event: &StreamEvent) -> bool {
        let StreamEvent::Presence {
            reset,
            online,
            guests,
            joined,
            left,
        } = event
        else {
            return false;
        };
        let before = self.clone();
        if *reset {
            self.online.clear();
        }
        for name in joined {
            if let Err(at) = self.online.binary_search(name) {
                self.online.insert(at, name.clone());
            }
        }
        for name in left {
            if let Ok(at) = self.online.binary_search(name) {
                self.online.remove(at);
            }
        }
        self.guests = *guests;
        self.accounts = *online;
        *self != before
    }

    pub fn is_online(&self, username: &str) -> bool {
        self.online
            .binary_search_by(|n| n.as_str().cmp(username))
            .is_ok()
    }

    /// Every account online, sorted.
    pub fn online(&self) -> &[String] {
        &self.online
    }

    pub fn guests(&self) -> u32 {
        self.guests
    }

    /// The people a room shows, each with whether they are online: a closed or direct
    /// room's members (online first), an open room's everyone online.
    pub fn people_of(&self, room: &RoomSummary) -> Vec<(String, bool)> {
        if room.kind == RoomKind::Open {
            return self.online.iter().map(|n| (n.clone(), true)).collect();
        }
        let mut people: Vec<(String, bool)> = room
            .members
            .iter()
            .map(|n| (n.clone(), self.is_online(n)))
            .collect();
        people.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        people
    }

    /// How many of a room's people are online.
    pub fn online_in(&self, room: &RoomSummary) -> usize {
        match room.kind {
            // A guest knows the number alone; an account both, which agree.
            RoomKind::Open => self.online.len().max(self.accounts as usize),
            _ => room.members.iter().filter(|n| self.is_online(n)).count(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::room::NotifyLevel;

    fn line(reset: bool, guests: u32, joined: &[&str], left: &[&str]) -> StreamEvent {
        StreamEvent::Presence {
            reset,
            online: joined.len() as u32,
            guests,
            joined: joined.iter().map(|s| s.to_string()).collect(),
            left: left.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn room(kind: RoomKind, members: &[&str]) -> RoomSummary {
        RoomSummary {
            id: 5,
            kind,
            name: "r".into(),
            members: members.iter().map(|s| s.to_string()).collect(),
            last_id: 0,
            archived: false,
            manage: false,
            read: 0,
            unread: 0,
            mentions: 0,
            notify: NotifyLevel::Mentions,
        }
    }

    #[test]
    fn a_reset_replaces_and_changes_add_and_remove() {
        let mut presence = Presence::default();
        assert!(presence.apply(&line(true, 2, &["cat", "ann"], &[])));
        assert_eq!(presence.online(), ["ann", "cat"]);
        assert!(presence.apply(&line(false, 2, &["bob"], &["cat"])));
        assert_eq!(presence.online(), ["ann", "bob"]);
        assert!(
            !presence.apply(&line(false, 2, &["bob"], &[])),
            "nothing new"
        );
        assert!(presence.apply(&line(true, 0, &["dan"], &[])));
        assert_eq!(
            (presence.online(), presence.guests()),
            (&["dan".to_string()][..], 0)
        );
        assert!(!presence.apply(&StreamEvent::Heartbeat { time: 1 }));
    }

    #[test]
    fn a_room_shows_its_members_online_first_and_an_open_room_everyone_online() {
        let mut presence = Presence::default();
        presence.apply(&line(true, 1, &["ann", "dan", "eve"], &[]));
        let closed = room(RoomKind::Closed, &["bob", "dan", "ann"]);
        assert_eq!(
            presence.people_of(&closed),
            [
                ("ann".to_string(), true),
                ("dan".to_string(), true),
                ("bob".to_string(), false)
            ]
        );
        assert_eq!(presence.online_in(&closed), 2);
        let open = room(RoomKind::Open, &[]);
        assert_eq!(presence.online_in(&open), 3);
        assert_eq!(presence.people_of(&open).len(), 3);
    }

    #[test]
    fn a_guest_is_told_how_many_not_who() {
        let mut presence = Presence::default();
        assert!(presence.apply(&StreamEvent::Presence {
            reset: true,
            online: 4,
            guests: 2,
            joined: vec![],
            left: vec![],
        }));
        assert!(presence.online().is_empty());
        assert_eq!(presence.online_in(&room(RoomKind::Open, &[])), 4);
        assert_eq!(presence.online_in(&room(RoomKind::Closed, &["ann"])), 0);
    }
}
