//! Presence in the hub: the `presence` line each tick sends to every `/api/stream` stream,
//! the whole list a new stream gets right after its hello, and a room's online members.
//!
//! Each tick builds both lines outside the hub's lock (naming thousands of accounts takes
//! a while), then, under it, sends the change and swaps the list new streams get: a new
//! stream's list and the changes that follow it always fit together, and the fan-out of
//! messages never waits for presence.

use super::lines;
use super::rooms::event_lines;
use super::{Hub, Inner};
use crate::presence::{Change, NodeChange, Presence};
use crate::registry::{ClientId, Lines};
use crate::rooms::Room;
use common::presence::RoomPresence;
use common::room::LOBBY;
use common::StreamEvent;
use std::sync::Arc;
use std::time::Instant;

/// The list a stream gets right after its hello while nobody is online.
pub(super) fn empty_list() -> Lines {
    event_lines(&StreamEvent::Presence {
        reset: true,
        online: 0,
        guests: 0,
        joined: Vec::new(),
        left: Vec::new(),
    })
}

impl Hub {
    /// Who is online, on this node and (with Redis) on the others.
    pub fn presence(&self) -> &Arc<Presence> {
        &self.presence
    }

    /// Whether streams are told who is online (`--presence`).
    pub fn tells_presence(&self) -> bool {
        self.tells_presence
    }

    /// One presence tick: tells every stream that reads presence who came and went since
    /// the last tick (nothing when nobody did, or with `--presence off`); returns what
    /// settled on this node, for the other nodes.
    pub fn tell_presence(&self, now: Instant) -> Option<NodeChange> {
        let tick = self
            .presence
            .tick(now, |account| self.directory.knows(account));
        if let Some(Change {
            joined,
            left,
            online,
            guests,
        }) = tick.to_streams
        {
            self.metrics.set_presence(online, guests);
            if !self.tells_presence {
                return tick.to_nodes;
            }
            let change = event_lines(&StreamEvent::Presence {
                reset: false,
                online,
                guests,
                joined: self.directory.usernames(joined),
                left: self.directory.usernames(left),
            });
            let counted = counts_line(false, online, guests);
            let (accounts, guests) = self.presence.published();
            let everyone = self.directory.usernames(accounts);
            let online = everyone.len() as u32;
            let list = event_lines(&StreamEvent::Presence {
                reset: true,
                online,
                guests,
                joined: everyone,
                left: Vec::new(),
            });
            let count_list = counts_line(true, online, guests);
            let mut inner = self.inner.lock();
            inner.presence_line = list;
            inner.presence_count_line = count_list;
            // The changes may wait for the next message; the opening lists above may not.
            let fanout = inner
                .registry
                .broadcast_presence(&lines::deferred(change), &lines::deferred(counted));
            let clients = inner.registry.len();
            drop(inner);
            self.log_cuts(&fanout, clients);
        }
        tick.to_nodes
    }

    /// Gives a new stream who is online now, and the changes from then on: by name for an
    /// account's stream (`names`), by count for a guest's.
    pub(super) fn start_presence(&self, inner: &mut Inner, id: ClientId, names: bool) {
        let list = if names {
            inner.presence_line.clone()
        } else {
            inner.presence_count_line.clone()
        };
        inner.registry.offer_to(id, &list);
        inner.registry.read_presence(id, names);
    }

    /// Room `room`'s members that are online (an open room's: everyone online), as the
    /// streams were last told; with the guests for the lobby. Their names only when asked
    /// by an account (`names`): a guest learns how many, not who.
    pub fn room_presence(&self, room: &Room, names: bool) -> RoomPresence {
        let (accounts, guests) = self.presence.published();
        let members: Vec<_> = accounts
            .into_iter()
            .filter(|account| room.readable_by(*account))
            .collect();
        RoomPresence {
            count: members.len() as u32,
            online: if names {
                self.directory.usernames(members)
            } else {
                Vec::new()
            },
            guests: (room.id == LOBBY).then_some(guests),
        }
    }
}

/// A `presence` line without names: what a guest's stream is told.
fn counts_line(reset: bool, online: u32, guests: u32) -> Lines {
    event_lines(&StreamEvent::Presence {
        reset,
        online,
        guests,
        joined: Vec::new(),
        left: Vec::new(),
    })
}
