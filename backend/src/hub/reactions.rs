//! Reactions in the hub: the windows apply each change to the message they hold (so a
//! `hello` carries who reacted), and every stream that reads its room gets a `reaction`
//! event (a window client the course's whole window again).

use super::lines::wire_formats;
use super::{Hub, Inner};
use crate::event::{Entry, Event, Record};
use crate::registry::Fanout;
use bytes::Bytes;
use common::room::LOBBY;
use common::wire::encode_line;
use common::StreamEvent;

/// The stream event a reaction entry becomes.
fn stream_event(entry: &Entry) -> Option<StreamEvent> {
    match &entry.record {
        Record::Event(Event::Reaction {
            room,
            message,
            emoji,
            account,
            added,
        }) => Some(StreamEvent::Reaction {
            id: *room,
            message: *message,
            emoji: emoji.clone(),
            account: account.clone(),
            added: *added,
        }),
        _ => None,
    }
}

/// Applies a reaction entry to the windows; whether the lobby's window changed.
fn apply(inner: &mut Inner, entry: &Entry) -> bool {
    let Record::Event(Event::Reaction {
        room,
        message,
        emoji,
        account,
        added,
    }) = &entry.record
    else {
        return false;
    };
    inner
        .recent
        .react(entry.id, *message, emoji, account, *added);
    *room == LOBBY
        && inner
            .window
            .react(entry.id, *message, emoji, account, *added)
}

/// Applies the reactions among `events` (a snapshot's, in order) to the windows. The
/// stores' messages have them already, but one made while the snapshot was read may not
/// be: a change is a set operation, so applying it again is harmless.
pub(super) fn replay(inner: &mut Inner, events: &[Entry]) {
    for entry in events {
        apply(inner, entry);
    }
}

impl Hub {
    /// Applies one reaction and tells the streams of its room; nothing for other entries.
    pub(super) fn apply_reaction(&self, inner: &mut Inner, entry: &Entry) -> Fanout {
        let Some(event) = stream_event(entry) else {
            return Fanout::default();
        };
        let StreamEvent::Reaction { id: room, .. } = event else {
            return Fanout::default();
        };
        let lobby_changed = apply(inner, entry);
        let lines = wire_formats(Bytes::from(encode_line(&event)), Some(entry.id), false);
        self.offer_to_room(inner, room, lines, lobby_changed)
    }
}
