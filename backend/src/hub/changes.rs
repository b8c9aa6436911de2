//! Edits and deletions in the hub: the windows hold the message as it is now, and every
//! stream that reads its room gets an `edited` or `deleted` event (a window client the
//! course's whole window again, without the deleted text).

use super::lines::{window_line, wire_formats};
use super::{Hub, Inner};
use crate::event::{Entry, Event, Record};
use crate::registry::Fanout;
use bytes::Bytes;
use common::room::LOBBY;
use common::wire::encode_line;
use common::StreamEvent;

/// The stream event an entry that edits or deletes a message becomes.
fn stream_event(entry: &Entry) -> Option<StreamEvent> {
    match &entry.record {
        Record::Event(Event::MessageEdited { message }) => Some(StreamEvent::Edited {
            msg: message.clone(),
        }),
        Record::Event(Event::MessageDeleted { message, .. }) => Some(StreamEvent::Deleted {
            msg: message.clone(),
        }),
        _ => None,
    }
}

/// Applies the changes among `events` (a snapshot's, in order) to the windows.
pub(super) fn replay(inner: &mut Inner, events: &[Entry]) {
    for entry in events {
        if let Some(message) = entry.changed_message() {
            inner.recent.replace(entry.id, message);
            if message.room == LOBBY {
                inner.window.replace(entry.id, message);
            }
        }
    }
    inner.window_line = window_line(&inner.window);
}

impl Hub {
    /// Applies one edit or deletion and tells the streams of its room; nothing for other
    /// entries.
    pub(super) fn apply_change(&self, inner: &mut Inner, entry: &Entry) -> Fanout {
        let (Some(message), Some(event)) = (entry.changed_message(), stream_event(entry)) else {
            return Fanout::default();
        };
        inner.recent.replace(entry.id, message);
        let lobby_changed = message.room == LOBBY && inner.window.replace(entry.id, message);
        let lines = wire_formats(Bytes::from(encode_line(&event)), Some(entry.id), false);
        self.offer_to_room(inner, message.room, lines, lobby_changed)
    }
}
