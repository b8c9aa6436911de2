//! Who is typing where, as `typing` events said: each shown for
//! [`TYPING_SHOWN_MS`](common::wire::TYPING_SHOWN_MS) after the last one, or until their
//! message arrives. Pure logic (times are passed in), so it is tested natively.

use common::room::RoomId;
use common::wire::TYPING_SHOWN_MS;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Typists {
    /// (room, username, display name, shown until, ms since the Unix epoch).
    entries: Vec<(RoomId, String, String, f64)>,
}

impl Typists {
    /// `account` (shown as `user`) is typing in `room` at `now`.
    pub fn saw(&mut self, room: RoomId, account: &str, user: &str, now: f64) {
        let until = now + TYPING_SHOWN_MS as f64;
        match self
            .entries
            .iter_mut()
            .find(|(r, a, ..)| *r == room && a == account)
        {
            Some(entry) => entry.3 = until,
            None => self
                .entries
                .push((room, account.to_owned(), user.to_owned(), until)),
        }
    }

    /// `account`'s message arrived in `room`: they are done typing it.
    pub fn posted(&mut self, room: RoomId, account: &str) -> bool {
        let before = self.entries.len();
        self.entries
            .retain(|(r, a, ..)| !(*r == room && a == account));
        before != self.entries.len()
    }

    /// Drops whoever was last seen too long ago; returns whether anyone was dropped.
    pub fn expire(&mut self, now: f64) -> bool {
        let before = self.entries.len();
        self.entries.retain(|entry| entry.3 > now);
        before != self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The line under `room`'s messages, leaving out the reader (`me`, a username).
    pub fn line(&self, room: RoomId, me: &str) -> Option<String> {
        let names: Vec<&str> = self
            .entries
            .iter()
            .filter(|(r, a, ..)| *r == room && a != me)
            .map(|(_, _, user, _)| user.as_str())
            .collect();
        match names.as_slice() {
            [] => None,
            [one] => Some(format!("{one} is typing…")),
            [one, two] => Some(format!("{one} and {two} are typing…")),
            _ => Some("Several people are typing…".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_two_and_several_in_the_room_without_me() {
        let mut t = Typists::default();
        assert_eq!(t.line(7, "me"), None);
        t.saw(7, "ann", "Ann", 0.0);
        t.saw(7, "me", "Me", 0.0);
        t.saw(8, "bob", "Bob", 0.0);
        assert_eq!(t.line(7, "me").as_deref(), Some("Ann is typing…"));
        t.saw(7, "cy", "Cy", 0.0);
        assert_eq!(t.line(7, "me").as_deref(), Some("Ann and Cy are typing…"));
        t.saw(7, "dee", "Dee", 0.0);
        assert_eq!(
            t.line(7, "me").as_deref(),
            Some("Several people are typing…")
        );
        assert_eq!(t.line(8, "me").as_deref(), Some("Bob is typing…"));
    }

    #[test]
    fn a_message_or_five_quiet_seconds_end_it() {
        let mut t = Typists::default();
        t.saw(7, "ann", "Ann", 0.0);
        t.saw(7, "bob", "Bob", 0.0);
        assert!(t.posted(7, "ann"));
        assert!(!t.posted(7, "ann"));
        t.saw(7, "bob", "Bob", 3_000.0);
        assert!(!t.expire(5_000.0), "seen again at 3 s: shown until 8 s");
        assert!(t.expire(8_000.0));
        assert!(t.is_empty());
    }
}
