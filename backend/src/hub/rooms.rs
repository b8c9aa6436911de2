//! Rooms in the hub: a committed group cut into steps (events, and runs of one room's
//! messages), who reads a room, and what each stream concerned is told when a room or its
//! members change.

use super::lines::{bye_lines, window_line, wire_formats, MsgsRef};
use super::{Hub, Inner};
use crate::accounts::Cut;
use crate::event::{AccountId, Entry, Record};
use crate::registry::{Audience, Fanout, Lines, Registry};
use crate::rooms::{summary, Room, RoomChange};
use crate::window::RecentWindow;
use bytes::Bytes;
use common::room::{RoomId, RoomSummary, LOBBY};
use common::wire::encode_line;
use common::{Message, StreamEvent};

/// One step of a committed group, in log order.
pub(super) enum Step<'a> {
    Event(&'a Entry),
    /// Consecutive messages of one room, encoded once for every transport (window clients
    /// get the window instead, filled in under the lock).
    Run {
        room: RoomId,
        messages: Vec<&'a Message>,
        lines: Lines,
    },
}

/// Cuts `entries` into steps. A run ends at an event or another room's message, so every
/// stream receives its lines in id order.
pub(super) fn steps(entries: &[Entry]) -> Vec<Step<'_>> {
    fn flush<'a>(run: &mut Vec<&'a Message>, steps: &mut Vec<Step<'a>>) {
        let Some(first) = run.first() else { return };
        let room = first.room;
        let last = run.last().map_or(0, |m| m.id);
        let json = Bytes::from(encode_line(&MsgsRef {
            kind: "msgs",
            msgs: run,
        }));
        steps.push(Step::Run {
            room,
            messages: std::mem::take(run),
            lines: wire_formats(json, Some(last), false),
        });
    }
    let mut steps = Vec::new();
    let mut run: Vec<&Message> = Vec::new();
    for entry in entries {
        match &entry.record {
            Record::Message(message) => {
                if run.first().is_some_and(|m| m.room != message.room) {
                    flush(&mut run, &mut steps);
                }
                run.push(message);
            }
            Record::Event(_) => {
                flush(&mut run, &mut steps);
                steps.push(Step::Event(entry));
            }
        }
    }
    flush(&mut run, &mut steps);
    steps
}

/// Ends the streams a session's end or an account's deactivation cuts.
pub(super) fn end_streams_of(registry: &mut Registry, cut: &Cut) {
    let ended = registry.end_where(&bye_lines("signed out"), |owner| match cut {
        Cut::Session(session) => owner.session == *session,
        Cut::Account { account, except } => {
            owner.account == *account && except.as_ref() != Some(&owner.session)
        }
    });
    if ended > 0 {
        tracing::info!(ended, ?cut, "streams of ended sessions closed");
    }
}

pub(super) fn event_lines(event: &StreamEvent) -> Lines {
    wire_formats(Bytes::from(encode_line(event)), None, false)
}

impl Hub {
    /// Who reads room `room`'s messages (not the lobby, which every stream reads).
    pub(super) fn audience(&self, room: RoomId) -> Audience {
        match self.rooms.kind(room) {
            Some(common::room::RoomKind::Open) => Audience::Open,
            _ => Audience::Restricted(room),
        }
    }

    /// Offers `lines` to whoever reads `room`: the room's readers, or every stream for the
    /// lobby, whose window clients get the course's window line, rebuilt, when
    /// `window_changed` (and nothing otherwise).
    pub(super) fn offer_to_room(
        &self,
        inner: &mut Inner,
        room: RoomId,
        mut lines: Lines,
        window_changed: bool,
    ) -> Fanout {
        if room != LOBBY {
            let audience = self.audience(room);
            return inner.registry.broadcast_room(audience, &lines);
        }
        if window_changed {
            inner.window_line = window_line(&inner.window);
            lines.window = Some(inner.window_line.clone());
        }
        inner.registry.broadcast(&lines)
    }

    /// Room `room` as `account` sees it, their marker and counts included.
    fn summary_for(
        &self,
        recent: &RecentWindow,
        room: &Room,
        account: AccountId,
    ) -> Option<RoomSummary> {
        let reader = self.directory.account(account)?;
        let mut view = [summary(room, Some(&reader), &self.directory)];
        self.personalize_with(recent, &reader, &mut view);
        let [view] = view;
        Some(view)
    }

    /// Tells `accounts`' streams about `room` with the event `make` builds from their view.
    fn tell(
        &self,
        registry: &mut Registry,
        recent: &RecentWindow,
        room: &Room,
        accounts: impl IntoIterator<Item = AccountId>,
        make: impl Fn(RoomSummary) -> StreamEvent,
    ) {
        for account in accounts {
            if let Some(view) = self.summary_for(recent, room, account) {
                registry.offer_account(account, &event_lines(&make(view)));
            }
        }
    }

    /// The accounts with a stream here that read `room`.
    fn readers_here(&self, registry: &Registry, room: &Room) -> Vec<AccountId> {
        registry
            .accounts_reading_rooms()
            .into_iter()
            .filter(|account| room.readable_by(*account))
            .collect()
    }

    /// Re-indexes and tells the streams an applied room event concerns.
    pub(super) fn tell_room_change(&self, inner: &mut Inner, change: RoomChange) {
        let registry = &mut inner.registry;
        let recent = &inner.recent;
        match change {
            RoomChange::Created(id) => {
                let Some(room) = self.rooms.get(id) else {
                    return;
                };
                for member in room.members.iter() {
                    registry.grant(*member, id);
                }
                let readers = self.readers_here(registry, &room);
                self.tell(registry, recent, &room, readers, |room| {
                    StreamEvent::RoomAdded { room }
                });
            }
            RoomChange::Updated(id) => {
                let Some(room) = self.rooms.get(id) else {
                    return;
                };
                let readers = self.readers_here(registry, &room);
                self.tell(registry, recent, &room, readers, |room| {
                    StreamEvent::RoomUpdated { room }
                });
            }
            RoomChange::Joined { room: id, account } => {
                let Some(room) = self.rooms.get(id) else {
                    return;
                };
                registry.grant(account, id);
                self.tell(registry, recent, &room, [account], |room| {
                    StreamEvent::RoomAdded { room }
                });
                let others: Vec<AccountId> = self
                    .readers_here(registry, &room)
                    .into_iter()
                    .filter(|a| *a != account)
                    .collect();
                self.tell(registry, recent, &room, others, |room| {
                    StreamEvent::RoomUpdated { room }
                });
            }
            RoomChange::Left { room: id, account } => {
                registry.revoke(account, id);
                registry.offer_account(account, &event_lines(&StreamEvent::RoomRemoved { id }));
                let Some(room) = self.rooms.get(id) else {
                    return;
                };
                let others = self.readers_here(registry, &room);
                self.tell(registry, recent, &room, others, |room| {
                    StreamEvent::RoomUpdated { room }
                });
            }
        }
    }
}
