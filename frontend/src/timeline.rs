//! What the page shows, and where to resume after a reconnect.

use common::{HistoryPage, Message, StreamEvent};

/// Messages kept on screen; older ones are dropped to bound memory in a long session.
pub const MAX_SHOWN: usize = 1000;

/// The messages on screen plus the stream position they represent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    messages: Vec<Message>,
    /// Server history run the ids belong to; ids from another epoch mean nothing.
    epoch: Option<String>,
    /// The server said nothing is older than what we show.
    older_exhausted: bool,
}

impl Timeline {
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// Id of the oldest message shown (0 when empty).
    pub fn first_id(&self) -> u64 {
        self.messages.first().map_or(0, |m| m.id)
    }

    /// Whether scrolling up can fetch older messages (`GET /msgs/history?before=first_id`).
    pub fn can_load_older(&self) -> bool {
        !self.older_exhausted && self.first_id() > 1
    }

    /// Puts a page of older history in front. Never trims: the reader asked for it.
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

    pub fn last_id(&self) -> u64 {
        self.messages.last().map_or(0, |m| m.id)
    }

    /// Query for `GET /msgs`: resume after the last message of our epoch.
    pub fn resume_query(&self) -> String {
        match &self.epoch {
            Some(epoch) => format!("?since={}&epoch={}", self.last_id(), epoch),
            None => format!("?since={}", self.last_id()),
        }
    }

    /// Applies one stream line; returns whether anything changed: the messages shown, whether
    /// older ones can be loaded, or the resume position. `false` means the timeline is exactly
    /// as it was (a heartbeat, a replayed line), so readers need not be told.
    pub fn apply(&mut self, event: StreamEvent) -> bool {
        match event {
            StreamEvent::Hello {
                epoch,
                reset,
                msgs,
                older,
                ..
            } => {
                let new_epoch = self.epoch.as_ref() != Some(&epoch);
                self.epoch = Some(epoch);
                if reset || self.messages.is_empty() {
                    // What the server holds before these is what it says, not what ids
                    // suggest: events take ids too.
                    let was_exhausted = std::mem::replace(&mut self.older_exhausted, !older);
                    let old = std::mem::replace(&mut self.messages, msgs);
                    self.trim();
                    return new_epoch || was_exhausted == older || self.messages != old;
                }
                self.append(msgs) || new_epoch
            }
            StreamEvent::Msgs { msgs } => self.append(msgs),
            StreamEvent::Heartbeat { .. }
            | StreamEvent::Bye { .. }
            | StreamEvent::Status { .. }
            | StreamEvent::RoomAdded { .. }
            | StreamEvent::RoomUpdated { .. }
            | StreamEvent::RoomRemoved { .. }
            | StreamEvent::Unknown => false,
        }
    }

    /// Appends messages newer than the last one shown, so a replayed line never duplicates.
    /// Returns whether any message was new.
    fn append(&mut self, msgs: Vec<Message>) -> bool {
        let last = self.last_id();
        let before = self.messages.len();
        self.messages
            .extend(msgs.into_iter().filter(|m| m.id > last));
        let added = self.messages.len() != before;
        self.trim();
        added
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
    fn the_hello_says_whether_older_messages_exist() {
        let mut t = Timeline::default();
        assert!(t.apply(StreamEvent::Hello {
            epoch: "e".into(),
            reset: true,
            heartbeat_ms: 0,
            msgs: vec![m(7), m(9)],
            older: false,
            rooms: None,
        }));
        assert!(!t.can_load_older(), "ids above 1, yet nothing older");
        let mut t = Timeline::default();
        t.apply(StreamEvent::Hello {
            epoch: "e".into(),
            reset: false,
            heartbeat_ms: 0,
            msgs: vec![m(7)],
            older: true,
            rooms: None,
        });
        assert!(t.can_load_older());
    }

    #[test]
    fn hello_then_deltas_then_resume_query() {
        let mut t = Timeline::default();
        assert_eq!(t.resume_query(), "?since=0");
        assert!(t.apply(StreamEvent::Hello {
            epoch: "e1".into(),
            reset: false,
            heartbeat_ms: 0,
            msgs: vec![m(1), m(2)],
            older: true,
            rooms: None,
        }));
        assert!(t.apply(StreamEvent::Msgs { msgs: vec![m(3)] }));
        assert!(!t.apply(StreamEvent::Heartbeat { time: 1 }));
        assert_eq!(ids(&t), vec![1, 2, 3]);
        assert_eq!(t.resume_query(), "?since=3&epoch=e1");
    }

    #[test]
    fn duplicates_are_ignored() {
        let mut t = Timeline::default();
        t.apply(StreamEvent::Msgs {
            msgs: vec![m(1), m(2)],
        });
        assert!(!t.apply(StreamEvent::Msgs {
            msgs: vec![m(1), m(2)]
        }));
        t.apply(StreamEvent::Hello {
            epoch: "e".into(),
            reset: false,
            heartbeat_ms: 0,
            msgs: vec![m(2), m(3)],
            older: true,
            rooms: None,
        });
        assert_eq!(ids(&t), vec![1, 2, 3]);
    }

    #[test]
    fn reset_replaces_everything() {
        let mut t = Timeline::default();
        t.apply(StreamEvent::Msgs {
            msgs: vec![m(7), m(8)],
        });
        assert!(t.apply(StreamEvent::Hello {
            epoch: "new".into(),
            reset: true,
            heartbeat_ms: 0,
            msgs: vec![m(1)],
            older: true,
            rooms: None,
        }));
        assert_eq!(ids(&t), vec![1]);
        assert_eq!(t.resume_query(), "?since=1&epoch=new");
    }

    #[test]
    fn new_epoch_with_empty_history_clears_the_old_one() {
        let mut t = Timeline::default();
        t.apply(StreamEvent::Hello {
            epoch: "old".into(),
            reset: false,
            heartbeat_ms: 0,
            msgs: vec![m(1), m(2)],
            older: true,
            rooms: None,
        });
        assert!(t.apply(StreamEvent::Hello {
            epoch: "fresh".into(),
            reset: true,
            heartbeat_ms: 0,
            msgs: vec![],
            older: true,
            rooms: None,
        }));
        assert!(t.messages().is_empty());
    }

    #[test]
    fn older_pages_go_in_front_once() {
        let mut t = Timeline::default();
        t.apply(StreamEvent::Msgs {
            msgs: vec![m(5), m(6)],
        });
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
        assert_eq!(t.resume_query(), "?since=6");
    }

    fn hello(epoch: &str, reset: bool, msgs: Vec<Message>) -> StreamEvent {
        StreamEvent::Hello {
            epoch: epoch.into(),
            reset,
            heartbeat_ms: 15_000,
            msgs,
            older: true,
            rooms: None,
        }
    }

    #[test]
    fn a_heartbeat_or_a_replay_changes_nothing() {
        let mut t = Timeline::default();
        t.apply(hello("e", false, vec![m(1), m(2)]));
        let before = t.clone();
        assert!(!t.apply(StreamEvent::Heartbeat { time: 1 }));
        assert!(!t.apply(StreamEvent::Msgs { msgs: vec![m(2)] }));
        assert!(!t.apply(hello("e", false, vec![m(1), m(2)])));
        assert_eq!(t, before);
    }

    #[test]
    fn a_replay_at_the_cap_changes_nothing() {
        let mut t = Timeline::default();
        let full: Vec<Message> = (1..=MAX_SHOWN as u64).map(m).collect();
        t.apply(StreamEvent::Msgs { msgs: full });
        let before = t.clone();
        assert!(!t.apply(StreamEvent::Msgs {
            msgs: vec![m(MAX_SHOWN as u64)]
        }));
        assert_eq!(t, before);
        assert!(t.apply(StreamEvent::Msgs {
            msgs: vec![m(MAX_SHOWN as u64 + 1)]
        }));
    }

    #[test]
    fn a_change_besides_the_messages_is_reported() {
        let mut t = Timeline::default();
        t.apply(StreamEvent::Msgs { msgs: vec![m(5)] });
        // The resume position moves to another epoch.
        assert!(t.apply(hello("e1", false, vec![])));
        assert_eq!(t.resume_query(), "?since=5&epoch=e1");
        // The same messages after a reset, but older ones may be loadable again.
        t.prepend(HistoryPage {
            msgs: vec![],
            more: false,
        });
        assert!(!t.can_load_older());
        assert!(t.apply(hello("e1", true, vec![m(5)])));
        assert!(t.can_load_older());
        assert!(!t.apply(hello("e1", true, vec![m(5)])));
    }

    #[test]
    fn memory_is_bounded() {
        let mut t = Timeline::default();
        for id in 1..=(MAX_SHOWN as u64 + 10) {
            t.apply(StreamEvent::Msgs { msgs: vec![m(id)] });
        }
        assert_eq!(t.messages().len(), MAX_SHOWN);
        assert_eq!(t.messages()[0].id, 11);
    }
}
