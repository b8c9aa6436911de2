//! One room's messages on screen, and whether older ones can be fetched (pure logic).
//! [`crate::rooms::Rooms`] keeps one per room and the stream position they represent.

use common::{HistoryPage, Message};

/// Messages kept per room; older ones are dropped to bound memory in a long session.
pub const MAX_SHOWN: usize = 1000;

/// A room's messages, oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    messages: Vec<Message>,
    /// The server said nothing is older than what we show.
    older_exhausted: bool,
}

impl Timeline {
    /// No messages yet.
    pub const fn empty() -> Self {
        Self {
            messages: Vec::new(),
            older_exhausted: false,
        }
    }

    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// Id of the oldest message shown (0 when empty).
    pub fn first_id(&self) -> u64 {
        self.messages.first().map_or(0, |m| m.id)
    }

    pub fn last_id(&self) -> u64 {
        self.messages.last().map_or(0, |m| m.id)
    }

    /// Whether scrolling up can fetch older messages (`history?before=first_id`).
    pub fn can_load_older(&self) -> bool {
        !self.older_exhausted && self.first_id() > 1
    }

    /// Whether the server said there is nothing older than what is shown.
    pub fn older_exhausted(&self) -> bool {
        self.older_exhausted
    }

    /// Puts a page of older history in front. Never trims: the reader asked for it.
    /// Returns whether a message was added.
    pub fn prepend(&mut self, page: HistoryPage) -> bool {
        let first = self.first_id();
        let older: Vec<Message> = page
            .msgs
            .into_iter()
            .filter(|m| first == 0 || m.id < first)
            .collect();
        self.older_exhausted = !page.more;
        if older.is_empty() {
            return false;
        }
        self.messages.splice(0..0, older);
        true
    }

    /// Replaces everything (a stream's reset); `older` says whether older messages may
    /// exist. Returns whether anything changed.
    pub fn replace(&mut self, msgs: Vec<Message>, older: bool) -> bool {
        let was_exhausted = std::mem::replace(&mut self.older_exhausted, !older);
        let old = std::mem::replace(&mut self.messages, msgs);
        self.trim();
        was_exhausted == older || self.messages != old
    }

    /// Appends messages newer than the last one shown, so a replayed line never duplicates.
    /// Returns whether any message was new.
    pub fn append(&mut self, msgs: impl IntoIterator<Item = Message>) -> bool {
        let last = self.last_id();
        let before = self.messages.len();
        self.messages
            .extend(msgs.into_iter().filter(|m| m.id > last));
        let added = self.messages.len() != before;
        self.trim();
        added
    }

    /// Puts an edited or deleted message (an `edited` or `deleted` event) in the place of
    /// the one shown with its id; an edited one keeps the reactions shown (edits do not
    /// carry them). Returns whether one was shown and changed.
    pub fn change(&mut self, mut message: Message) -> bool {
        match self.messages.iter_mut().find(|m| m.id == message.id) {
            Some(shown) => {
                if !message.deleted {
                    message.reactions = std::mem::take(&mut shown.reactions);
                }
                let changed = *shown != message;
                *shown = message;
                changed
            }
            None => false,
        }
    }

    /// Applies a `reaction` event to message `id`, if it is shown and not deleted
    /// ([`common::reaction::apply`]: a replay changes nothing). Returns whether it changed.
    pub fn react(&mut self, id: u64, emoji: &str, account: &str, added: bool) -> bool {
        self.messages
            .iter_mut()
            .find(|m| m.id == id && !m.deleted)
            .is_some_and(|m| common::reaction::apply(&mut m.reactions, emoji, account, added))
    }

    fn trim(&mut self) {
        if self.messages.len() > MAX_SHOWN {
            let excess = self.messages.len() - MAX_SHOWN;
            self.messages.drain(..excess);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(id: u64) -> Message {
        Message {
            id,
            user: "u".into(),
            text: format!("t{id}"),
            time: 0,
            ..Default::default()
        }
    }

    fn ids(t: &Timeline) -> Vec<u64> {
        t.messages().iter().map(|m| m.id).collect()
    }

    #[test]
    fn duplicates_are_ignored() {
        let mut t = Timeline::default();
        assert!(t.append([m(1), m(2)]));
        assert!(!t.append([m(1), m(2)]));
        assert!(t.append([m(2), m(3)]));
        assert_eq!(ids(&t), vec![1, 2, 3]);
    }

    #[test]
    fn replace_says_whether_older_messages_exist() {
        let mut t = Timeline::default();
        t.append([m(7), m(8)]);
        assert!(t.replace(vec![m(7), m(9)], false));
        assert_eq!(ids(&t), vec![7, 9]);
        assert!(!t.can_load_older(), "ids above 1, yet nothing older");
        assert!(!t.replace(vec![m(7), m(9)], false), "nothing changed");
        assert!(t.replace(vec![m(7), m(9)], true));
        assert!(t.can_load_older());
    }

    #[test]
    fn older_pages_go_in_front_once() {
        let mut t = Timeline::default();
        t.append([m(5), m(6)]);
        assert!(t.can_load_older());
        assert!(t.prepend(HistoryPage {
            msgs: vec![m(3), m(4), m(5)],
            more: true
        }));
        assert_eq!(ids(&t), vec![3, 4, 5, 6]);
        assert!(t.can_load_older());
        assert!(t.prepend(HistoryPage {
            msgs: vec![m(1), m(2)],
            more: false
        }));
        assert_eq!(ids(&t), vec![1, 2, 3, 4, 5, 6]);
        assert!(!t.can_load_older());
        assert!(t.older_exhausted());
    }

    #[test]
    fn a_replay_at_the_cap_changes_nothing() {
        let mut t = Timeline::default();
        t.append((1..=MAX_SHOWN as u64).map(m));
        let before = t.clone();
        assert!(!t.append([m(MAX_SHOWN as u64)]));
        assert_eq!(t, before);
        assert!(t.append([m(MAX_SHOWN as u64 + 1)]));
    }

    #[test]
    fn a_change_replaces_the_message_shown_in_its_place() {
        let mut t = Timeline::default();
        t.append([m(1), m(2)]);
        let edited = Message {
            text: "new".into(),
            edited: true,
            ..m(1)
        };
        assert!(t.change(edited.clone()));
        assert!(!t.change(edited.clone()), "a replay changes nothing");
        assert_eq!(t.messages()[0], edited);
        assert!(!t.change(m(9)), "not shown: nothing to change");
        assert_eq!(ids(&t), vec![1, 2]);
    }

    #[test]
    fn memory_is_bounded() {
        let mut t = Timeline::default();
        for id in 1..=(MAX_SHOWN as u64 + 10) {
            t.append([m(id)]);
        }
        assert_eq!(t.messages().len(), MAX_SHOWN);
        assert_eq!(t.messages()[0].id, 11);
    }
}
