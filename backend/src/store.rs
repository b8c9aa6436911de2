//! The message store: assigns ids and keeps the recent window new clients receive.
//!
//! History lives in memory for now, so each server start is a new *epoch*: ids restart and
//! a client's old position means nothing here. The hub tells clients the epoch so they can
//! detect that (see `docs/PROTOCOL.md`).

use common::{Message, ValidNewMessage};
use std::collections::VecDeque;

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
pub struct MemoryStore {
    window: VecDeque<Message>,
    capacity: usize,
    next_id: u64,
}

impl MemoryStore {
    /// A store that keeps the last `capacity` messages (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            window: VecDeque::with_capacity(capacity),
            capacity,
            next_id: 1,
        }
    }

    /// Stores a validated message, stamping it with the next id and `time_ms`.
    pub fn append(&mut self, message: ValidNewMessage, time_ms: u64) -> Message {
        let stored = Message {
            id: self.next_id,
            user: message.user.into_inner(),
            text: message.text.into_inner(),
            time: time_ms,
        };
        self.next_id += 1;
        if self.window.len() == self.capacity {
            self.window.pop_front();
        }
        self.window.push_back(stored.clone());
        stored
    }

    /// The recent window, oldest first.
    pub fn window(&self) -> &VecDeque<Message> {
        &self.window
    }

    /// Id of the newest message, 0 before the first.
    pub fn last_id(&self) -> u64 {
        self.next_id - 1
    }

    /// What a client that has seen everything up to `since` must receive.
    pub fn resume(&self, since: u64) -> Resume {
        let first_kept = self.window.front().map_or(self.next_id, |m| m.id);
        if since > self.last_id() || since + 1 < first_kept {
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
    use common::NewMessage;

    fn post(store: &mut MemoryStore, text: &str) -> Message {
        let valid = NewMessage {
            user: "u".into(),
            text: text.into(),
        }
        .validate()
        .unwrap();
        store.append(valid, 7)
    }

    fn ids(messages: &[Message]) -> Vec<u64> {
        messages.iter().map(|m| m.id).collect()
    }

    #[test]
    fn ids_increase_and_window_is_bounded() {
        let mut store = MemoryStore::new(3);
        for i in 1..=5 {
            assert_eq!(post(&mut store, &format!("m{i}")).id, i);
        }
        let window: Vec<u64> = store.window().iter().map(|m| m.id).collect();
        assert_eq!(window, vec![3, 4, 5]);
        assert_eq!(store.last_id(), 5);
    }

    #[test]
    fn resume_gives_deltas_inside_the_window_and_resets_outside() {
        let mut store = MemoryStore::new(3);
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
