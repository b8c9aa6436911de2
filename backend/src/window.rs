//! The recent window: the last `--history` committed messages, kept in memory so that new
//! and resuming clients are served without touching the database.

use common::Message;
use std::collections::VecDeque;

/// Fewest messages of all rooms kept for resuming streams (`/api/stream`), whatever
/// `--history` says: a busy room must not push a quiet one's news out of reach at once.
pub const RECENT_MIN: usize = 1000;

/// How many messages of all rooms the hub keeps for resuming, for a `--history` of `history`.
pub fn recent_capacity(history: usize) -> usize {
    history.max(RECENT_MIN)
}

/// What a client resuming after a given id must receive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resume {
    /// Exactly the messages after the client's id (possibly none).
    Delta(Vec<Message>),
    /// The id is unknown here (too old for the window, or from the future): the whole window,
    /// to replace what the client shows.
    Reset(Vec<Message>),
}

#[derive(Debug)]
pub struct RecentWindow {
    window: VecDeque<Message>,
    capacity: usize,
    /// Highest id ever committed, of a message or an event (the window may be empty after
    /// retention).
    last_id: u64,
    /// Whether messages older than the window's first may exist: it was loaded full, or has
    /// let one go since.
    older: bool,
    /// The highest id of a message that left the window (or may have, before it was
    /// loaded): a client that has seen it can still be served a delta. Ids between
    /// messages (events, other rooms' messages) are no reason to start over.
    dropped_through: u64,
    /// The id of the newest edit or deletion applied: a client that resumes from before it
    /// may show an old text, so it starts over from the window (which has the latest).
    changed_through: u64,
}

impl RecentWindow {
    /// A window of at most `capacity` messages (at least one), starting from `recent`
    /// (oldest first, as loaded from the store) and the store's highest id.
    pub fn new(capacity: usize, recent: Vec<Message>, last_id: u64) -> Self {
        let capacity = capacity.max(1);
        let mut window = Self {
            window: VecDeque::with_capacity(capacity),
            capacity,
            last_id,
            older: recent.len() >= capacity,
            // Whatever came before the first message loaded may have been deleted.
            dropped_through: recent.first().map_or(last_id, |m| m.id.saturating_sub(1)),
            changed_through: 0,
        };
        for message in recent {
            window.push(message);
        }
        window
    }

    /// Adds a committed message; ids arrive in increasing order. Returns the message that
    /// left the window to make room, if one did.
    pub fn push(&mut self, message: Message) -> Option<Message> {
        self.last_id = self.last_id.max(message.id);
        let mut left = None;
        if self.window.len() == self.capacity {
            left = self.window.pop_front();
            if let Some(gone) = &left {
                self.dropped_through = self.dropped_through.max(gone.id);
            }
            self.older = true;
        }
        self.window.push_back(message);
        left
    }

    /// Moves the position past `id`, the newest log entry applied (an event, or a message
    /// pushed next), so a new stream resumes after it.
    pub fn advance(&mut self, id: u64) {
        self.last_id = self.last_id.max(id);
    }

    /// Applies an edit or deletion (log entry `change`): the message with `message.id`, if
    /// the window holds it, is replaced (an edited one keeps its reactions, which edits do
    /// not carry). Returns whether it was.
    pub fn replace(&mut self, change: u64, message: &Message) -> bool {
        self.changed_through = self.changed_through.max(change);
        self.advance(change);
        match self.window.iter_mut().find(|m| m.id == message.id) {
            Some(held) => {
                let reactions = std::mem::take(&mut held.reactions);
                *held = message.clone();
                if !message.deleted {
                    held.reactions = reactions;
                }
                true
            }
            None => false,
        }
    }

    /// Applies a reaction (log entry `change`) to message `id`, if the window holds it
    /// and it is not deleted ([`common::reaction::apply`]). Returns whether it changed.
    pub fn react(&mut self, change: u64, id: u64, emoji: &str, account: &str, added: bool) -> bool {
        self.changed_through = self.changed_through.max(change);
        self.advance(change);
        self.window
            .iter_mut()
            .find(|m| m.id == id && !m.deleted)
            .is_some_and(|held| common::reaction::apply(&mut held.reactions, emoji, account, added))
    }

    /// Drops messages with id below `first_kept` (deleted by retention).
    pub fn forget_before(&mut self, first_kept: u64) {
        while self.window.front().is_some_and(|m| m.id < first_kept) {
            if let Some(gone) = self.window.pop_front() {
                self.dropped_through = self.dropped_through.max(gone.id);
            }
        }
    }

    /// Whether messages older than the window's first may exist in the store.
    pub fn has_older(&self) -> bool {
        self.older
    }

    /// Where the window starts when the store may hold older messages: the oldest id it
    /// holds (one past the newest id if it is empty). `None` when nothing older exists, so
    /// the window alone answers for every message ([`crate::reads::older`]).
    pub fn older_before(&self) -> Option<u64> {
        self.older.then(|| {
            self.window
                .front()
                .map_or(self.last_id.saturating_add(1), |m| m.id)
        })
    }

    /// Most messages the window holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The recent window, oldest first.
    pub fn window(&self) -> &VecDeque<Message> {
        &self.window
    }

    /// Id of the newest message, 0 before the first.
    pub fn last_id(&self) -> u64 {
        self.last_id
    }

    /// What a client that has seen everything up to `since` must receive.
    pub fn resume(&self, since: u64) -> Resume {
        if since > self.last_id() || since < self.dropped_through || since < self.changed_through {
            return Resume::Reset(self.window.iter().cloned().collect());
        }
        Resume::Delta(
            self.window
                .iter()
                .filter(|m| m.id > since)
                .cloned()
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(store: &mut RecentWindow, text: &str) -> Message {
        let message = Message {
            id: store.last_id() + 1,
            user: "u".into(),
            text: text.into(),
            time: 7,
            ..Default::default()
        };
        store.push(message.clone());
        message
    }

    fn ids(messages: &[Message]) -> Vec<u64> {
        messages.iter().map(|m| m.id).collect()
    }

    #[test]
    fn ids_increase_and_window_is_bounded() {
        let mut store = RecentWindow::new(3, Vec::new(), 0);
        for i in 1..=5 {
            assert_eq!(post(&mut store, &format!("m{i}")).id, i);
        }
        let window: Vec<u64> = store.window().iter().map(|m| m.id).collect();
        assert_eq!(window, vec![3, 4, 5]);
        assert!(store.has_older(), "1 and 2 were let go");
        assert_eq!(store.older_before(), Some(3));
        assert_eq!(RecentWindow::new(3, Vec::new(), 0).older_before(), None);
        assert!(!RecentWindow::new(3, Vec::new(), 0).has_older());
        assert_eq!(store.last_id(), 5);
        let next = Message {
            id: 6,
            ..Default::default()
        };
        assert_eq!(store.push(next).map(|m| m.id), Some(3), "3 left for 6");
        assert_eq!(store.older_before(), Some(4));
    }

    #[test]
    fn resume_gives_deltas_inside_the_window_and_resets_outside() {
        let mut store = RecentWindow::new(3, Vec::new(), 0);
        assert_eq!(store.resume(0), Resume::Delta(vec![]));
        for i in 1..=5 {
            post(&mut store, &format!("m{i}"));
        }
        let Resume::Delta(d) = store.resume(2) else {
            panic!("2 is just before the window")
        };
        assert_eq!(ids(&d), vec![3, 4, 5]);
        let Resume::Delta(d) = store.resume(4) else {
            panic!()
        };
        assert_eq!(ids(&d), vec![5]);
        assert_eq!(store.resume(5), Resume::Delta(vec![]));
        let Resume::Reset(r) = store.resume(1) else {
            panic!("1 fell out of the window")
        };
        assert_eq!(ids(&r), vec![3, 4, 5]);
        let Resume::Reset(r) = store.resume(99) else {
            panic!("99 is from the future")
        };
        assert_eq!(ids(&r), vec![3, 4, 5]);
    }
}

#[cfg(test)]
mod change_tests {
    use super::*;

    #[test]
    fn a_change_replaces_the_message_and_a_resume_from_before_it_starts_over() {
        let message = |id, text: &str| Message {
            id,
            text: text.into(),
            ..Default::default()
        };
        let mut window = RecentWindow::new(3, vec![message(1, "a"), message(2, "b")], 2);
        let edited = Message {
            edited: true,
            ..message(1, "a2")
        };
        assert!(window.replace(3, &edited));
        assert_eq!(window.window()[0], edited);
        assert_eq!(window.last_id(), 3);
        assert!(matches!(window.resume(2), Resume::Reset(w) if w[0] == edited));
        assert_eq!(window.resume(3), Resume::Delta(vec![]));
        assert!(
            !window.replace(4, &message(9, "")),
            "not held: nothing replaced"
        );
    }

    #[test]
    fn a_reaction_changes_the_held_message_once_an_edit_keeps_it_and_a_deletion_drops_it() {
        let message = |id, text: &str| Message {
            id,
            text: text.into(),
            ..Default::default()
        };
        let mut window = RecentWindow::new(3, vec![message(1, "a")], 1);
        assert!(window.react(2, 1, "👍", "ann", true));
        assert!(
            !window.react(3, 1, "👍", "ann", true),
            "a replay changes nothing"
        );
        assert!(!window.react(4, 9, "👍", "ann", true), "not held");
        assert_eq!(window.last_id(), 4);
        assert!(
            matches!(window.resume(2), Resume::Reset(_)),
            "from before a reaction: start over"
        );
        let edited = Message {
            edited: true,
            ..message(1, "a2")
        };
        window.replace(5, &edited);
        assert_eq!(window.window()[0].text, "a2");
        assert_eq!(window.window()[0].reactions[0].accounts, ["ann"]);
        let tombstone = Message {
            deleted: true,
            ..message(1, "")
        };
        window.replace(6, &tombstone);
        assert!(window.window()[0].reactions.is_empty());
        assert!(
            !window.react(7, 1, "🎉", "ann", true),
            "deleted: none taken"
        );
    }
}

#[cfg(test)]
mod loaded_tests {
    use super::*;

    #[test]
    fn a_window_loaded_after_retention_still_knows_the_last_id() {
        let window = RecentWindow::new(3, Vec::new(), 41);
        assert_eq!(window.last_id(), 41);
        assert_eq!(window.resume(41), Resume::Delta(vec![]));
        assert_eq!(window.resume(40), Resume::Reset(vec![]));
    }

    #[test]
    fn ids_between_messages_are_no_reason_to_start_over() {
        let message = |id| Message {
            id,
            ..Default::default()
        };
        // Ids 6 to 8 went to another room; 4 and 5 may have been deleted before loading.
        let mut window = RecentWindow::new(2, vec![message(5), message(9)], 9);
        assert_eq!(window.resume(7), Resume::Delta(vec![message(9)]));
        assert_eq!(
            window.resume(4),
            Resume::Delta(vec![message(5), message(9)])
        );
        assert!(matches!(window.resume(3), Resume::Reset(_)));
        window.push(message(12));
        assert_eq!(
            window.resume(6),
            Resume::Delta(vec![message(9), message(12)])
        );
        assert!(matches!(window.resume(4), Resume::Reset(_)), "5 left");
    }
}
