//! Presence in the hub: the `presence` line each tick sends to every `/api/stream` stream,
//! the whole list a new stream gets right after its hello, and a room's online members.
//!
//! Both lines are made under the hub's lock from [`Presence`]'s published state, so a new
//! stream's list and the changes that follow it always fit together.

use super::rooms::event_lines;
use super::{Hub, Inner};
use crate::event::AccountId;
use crate::presence::{Change, NodeChange, Presence};
use crate::registry::{ClientId, Lines};
use crate::rooms::Room;
use common::presence::RoomPresence;
use common::room::LOBBY;
use common::StreamEvent;
use std::sync::Arc;
use std::time::Instant;

impl Hub {
    /// Who is online, on this node and (with Redis) on the others.
    pub fn presence(&self) -> &Arc<Presence> {
        &self.presence
    }

    /// One presence tick: tells every stream that reads presence who came and went since
    /// the last tick (nothing when nobody did); returns what settled on this node, for the
    /// other nodes.
    pub fn tell_presence(&self, now: Instant) -> Option<NodeChange> {
        let mut inner = self.inner.lock();
        let tick = self
            .presence
            .tick(now, |account| self.directory.account(account).is_some());
        if let Some(change) = tick.to_streams {
            let Change {
                joined,
                left,
                online,
                guests,
            } = change;
            let event = StreamEvent::Presence {
                reset: false,
                online,
                guests,
                joined: self.usernames(joined),
                left: self.usernames(left),
            };
            inner.presence_line = None;
            let fanout = inner.registry.broadcast_presence(&event_lines(&event));
            let clients = inner.registry.len();
            drop(inner);
            self.log_cuts(&fanout, clients);
        }
        tick.to_nodes
    }

    /// Gives a new stream the whole list (cached until the next change), and the lines
    /// that follow.
    pub(super) fn start_presence(&self, inner: &mut Inner, id: ClientId) {
        let line = match &inner.presence_line {
            Some(line) => line.clone(),
            None => {
                let (accounts, guests) = self.presence.published();
                let joined = self.usernames(accounts);
                let line: Lines = event_lines(&StreamEvent::Presence {
                    reset: true,
                    online: joined.len() as u32,
                    guests,
                    joined,
                    left: Vec::new(),
                });
                inner.presence_line = Some(line.clone());
                line
            }
        };
        inner.registry.offer_to(id, &line);
        inner.registry.read_presence(id);
    }

    /// Room `room`'s members that are online (an open room's: everyone online), as the
    /// streams were last told; with the guests for the lobby.
    pub fn room_presence(&self, room: &Room) -> RoomPresence {
        let (accounts, guests) = self.presence.published();
        let members = accounts
            .into_iter()
            .filter(|account| room.readable_by(*account))
            .collect();
        RoomPresence {
            online: self.usernames(members),
            guests: (room.id == LOBBY).then_some(guests),
        }
    }

    /// The usernames of `accounts`, sorted (those the directory does not know left out).
    fn usernames(&self, accounts: Vec<AccountId>) -> Vec<String> {
        let mut names: Vec<String> = accounts
            .into_iter()
            .filter_map(|account| self.directory.account(account))
            .map(|account| account.username)
            .collect();
        names.sort_unstable();
        names
    }
}
