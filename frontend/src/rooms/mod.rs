//! Every room the reader may read: the list (rooms, directs) and one [`Timeline`] per room,
//! plus the stream position they represent (pure logic). The connection applies each
//! `/api/stream` event here; the page shows the current room's timeline.

use crate::timeline::Timeline;
use crate::unread::count_live;
use common::room::{RoomId, RoomKind, RoomSummary};
use common::{Message, StreamEvent};

/// The rooms and their messages.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rooms {
    /// As the server listed them, the lobby first; rooms added later go at the end.
    list: Vec<RoomSummary>,
    /// A hello has told us the list (until then nothing is "missing").
    known: bool,
    /// Per room, in no particular order (a reader has a handful of rooms: a list beats a
    /// map, and costs the bundle less).
    timelines: Vec<(RoomId, Timeline)>,
    /// Server history run the ids belong to; ids from another epoch mean nothing.
    epoch: Option<String>,
    /// The newest message id seen in any room: where the stream resumes.
    position: u64,
    /// The reader's username, lowercase (`None`: a guest): whose messages are not news and
    /// whose mentions count.
    me: Option<String>,
}

static EMPTY: Timeline = Timeline::empty();

impl Rooms {
    /// Every room, in the server's order.
    pub fn list(&self) -> &[RoomSummary] {
        &self.list
    }

    /// Whether a hello listed the rooms yet.
    pub fn known(&self) -> bool {
        self.known
    }

    pub fn get(&self, id: RoomId) -> Option<&RoomSummary> {
        self.list.iter().find(|r| r.id == id)
    }

    /// The lobby, open and closed rooms, in order.
    pub fn rooms(&self) -> impl Iterator<Item = &RoomSummary> {
        self.list.iter().filter(|r| r.kind != RoomKind::Direct)
    }

    /// The direct conversations, in order.
    pub fn directs(&self) -> impl Iterator<Item = &RoomSummary> {
        self.list.iter().filter(|r| r.kind == RoomKind::Direct)
    }

    /// A room's timeline (empty if nothing arrived for it yet).
    pub fn timeline(&self, id: RoomId) -> &Timeline {
        self.timelines
            .iter()
            .find(|(room, _)| *room == id)
            .map_or(&EMPTY, |(_, timeline)| timeline)
    }

    pub fn messages(&self, id: RoomId) -> &[Message] {
        self.timeline(id).messages()
    }

    /// A room's timeline to change (scrolling back puts history in front).
    pub fn timeline_mut(&mut self, id: RoomId) -> &mut Timeline {
        let at = match self.timelines.iter().position(|(room, _)| *room == id) {
            Some(at) => at,
            None => {
                self.timelines.push((id, Timeline::default()));
                self.timelines.len() - 1
            }
        };
        &mut self.timelines[at].1
    }

    /// Whether the room has messages the page holds none of yet: it was added (or fell
    /// out of the stream's window) with history, which `history` (no `before`) fetches.
    pub fn needs_history(&self, id: RoomId) -> bool {
        let timeline = self.timeline(id);
        timeline.messages().is_empty()
            && !timeline.older_exhausted()
            && self.get(id).is_some_and(|r| r.last_id > 0)
    }

    /// The newest message id seen in any room.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Query for `GET /api/stream`: resume after the newest message of our epoch.
    pub fn resume_query(&self) -> String {
        match &self.epoch {
            Some(epoch) => format!("?since={}&epoch={}", self.position, epoch),
            None => format!("?since={}", self.position),
        }
    }

    /// Every username in the rooms we know, sorted: the people one can start a direct
    /// conversation with or invite, without asking the server for its accounts.
    pub fn known_usernames(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for name in self.list.iter().flat_map(|r| &r.members) {
            if let Err(at) = names.binary_search(name) {
                names.insert(at, name.clone());
            }
        }
        names
    }

    /// Who reads: their own messages are not unread, mentions of them count.
    pub fn set_me(&mut self, me: Option<&str>) -> bool {
        let me = me.map(str::to_lowercase);
        let changed = self.me != me;
        self.me = me;
        changed
    }

    /// The reader's username, lowercase.
    pub fn me(&self) -> Option<&str> {
        self.me.as_deref()
    }

    /// Applies one stream event; returns whether anything changed (a heartbeat or a
    /// replayed line changes nothing, so readers need not be told).
    pub fn apply(&mut self, event: StreamEvent) -> bool {
        match event {
            StreamEvent::Hello {
                epoch,
                reset,
                msgs,
                older,
                rooms,
                ..
            } => {
                let before = self.clone();
                if let Some(rooms) = rooms {
                    self.list = rooms;
                    self.known = true;
                    let list = &self.list;
                    self.timelines
                        .retain(|(id, _)| list.iter().any(|r| r.id == *id));
                }
                let fresh = self.timelines.iter().all(|(_, t)| t.messages().is_empty());
                self.epoch = Some(epoch);
                if reset || fresh {
                    // What the server holds before these is what it says, not what ids
                    // suggest: events take ids too.
                    self.timelines.clear();
                    self.position = 0;
                    for (room, group) in by_room(msgs) {
                        self.note_position(&group);
                        self.timeline_mut(room).replace(group, older);
                    }
                    // Rooms without a message yet have nothing older to offer.
                    let empty: Vec<RoomId> = self
                        .list
                        .iter()
                        .filter(|r| r.last_id == 0)
                        .map(|r| r.id)
                        .filter(|id| self.timeline(*id).messages().is_empty())
                        .collect();
                    for id in empty {
                        self.timeline_mut(id).replace(Vec::new(), false);
                    }
                } else {
                    self.append(msgs);
                }
                *self != before
            }
            StreamEvent::Msgs { msgs } => {
                // Counted here, live; a hello's messages are in its counts already.
                let mut counted = false;
                for message in &msgs {
                    if let Some(room) = self.list.iter_mut().find(|r| r.id == message.room) {
                        counted |= count_live(room, message, self.me.as_deref());
                    }
                }
                self.append(msgs) || counted
            }
            StreamEvent::Edited { msg } | StreamEvent::Deleted { msg } => self
                .timelines
                .iter_mut()
                .find(|(room, _)| *room == msg.room)
                .is_some_and(|(_, timeline)| timeline.change(msg)),
            StreamEvent::Reaction {
                id,
                message,
                emoji,
                account,
                added,
            } => self
                .timelines
                .iter_mut()
                .find(|(room, _)| *room == id)
                .is_some_and(|(_, timeline)| timeline.react(message, &emoji, &account, added)),
            StreamEvent::RoomAdded { room } | StreamEvent::RoomUpdated { room } => {
                match self.list.iter_mut().find(|r| r.id == room.id) {
                    Some(known) if *known == room => false,
                    Some(known) => {
                        *known = room;
                        true
                    }
                    None => {
                        // A room that had no message when it reached us (new, or a new
                        // direct conversation): the stream brings all it will ever hold.
                        if room.last_id == 0 && self.timeline(room.id).messages().is_empty() {
                            self.timeline_mut(room.id).replace(Vec::new(), false);
                        }
                        self.list.push(room);
                        true
                    }
                }
            }
            StreamEvent::RoomRemoved { id } => {
                let listed = self.list.len();
                self.list.retain(|r| r.id != id);
                let kept = self.timelines.len();
                self.timelines.retain(|(room, _)| *room != id);
                let dropped = kept != self.timelines.len();
                dropped || listed != self.list.len()
            }
            StreamEvent::Read {
                id,
                read,
                unread,
                mentions,
            } => match self.list.iter_mut().find(|r| r.id == id) {
                // Markers only move forward: an older one arriving late changes nothing.
                Some(room) if read >= room.read => {
                    let before = (room.read, room.unread, room.mentions);
                    room.read = read;
                    room.unread = unread;
                    room.mentions = mentions;
                    before != (read, unread, mentions)
                }
                _ => false,
            },
            StreamEvent::Heartbeat { .. }
            | StreamEvent::Bye { .. }
            | StreamEvent::Status { .. }
            | StreamEvent::Typing { .. }
            | StreamEvent::Presence { .. }
            | StreamEvent::Unknown => false,
        }
    }

    fn append(&mut self, msgs: Vec<Message>) -> bool {
        let mut changed = false;
        for (room, group) in by_room(msgs) {
            let moved = self.note_position(&group);
            changed |= self.timeline_mut(room).append(group) || moved;
        }
        changed
    }

    /// Moves the resume position past `msgs`; returns whether it moved.
    fn note_position(&mut self, msgs: &[Message]) -> bool {
        let newest = msgs.iter().map(|m| m.id).max().unwrap_or(0);
        let moved = newest > self.position;
        self.position = self.position.max(newest);
        moved
    }
}

/// Messages grouped by room, each group in arrival (id) order.
fn by_room(msgs: Vec<Message>) -> Vec<(RoomId, Vec<Message>)> {
    let mut groups: Vec<(RoomId, Vec<Message>)> = Vec::new();
    for message in msgs {
        match groups.iter_mut().find(|(room, _)| *room == message.room) {
            Some((_, group)) => group.push(message),
            None => groups.push((message.room, vec![message])),
        }
    }
    groups
}

#[cfg(test)]
mod tests;
