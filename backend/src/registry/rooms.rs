//! Rooms in the registry: fan-out to one room's readers, and the index that follows who
//! may read what.

use super::{ClientId, Fanout, Lines, Registry};
use crate::event::AccountId;
use common::room::RoomId;
use std::collections::BTreeSet;

/// Who reads a room's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// An open room (not the lobby): every stream of every room.
    Open,
    /// A closed or direct room: the streams its index lists. Their lines are queued with
    /// the room, so losing it drops what is still queued.
    Restricted(RoomId),
}

impl Registry {
    /// Offers `lines` to the readers of a room. Only they are touched: a message in a
    /// two-person room costs two offers, whatever the number of open streams.
    pub fn broadcast_room(&mut self, audience: Audience, lines: &Lines) -> Fanout {
        let (readers, room): (Vec<ClientId>, _) = match audience {
            Audience::Open => (self.room_streams.iter().copied().collect(), None),
            Audience::Restricted(room) => (
                self.restricted
                    .get(&room)
                    .map(|readers| readers.iter().copied().collect())
                    .unwrap_or_default(),
                Some(room),
            ),
        };
        self.offer_each(readers.into_iter().map(|id| (id, lines)), room)
    }

    /// The accounts with a stream of every room open here.
    pub fn accounts_reading_rooms(&self) -> BTreeSet<AccountId> {
        self.room_streams
            .iter()
            .filter_map(|id| self.clients.get(id)?.owner.as_ref())
            .map(|owner| owner.account)
            .collect()
    }

    /// Offers `lines` to every stream of every room `account` has open (`room_added`,
    /// `room_updated`). Not cut when full: the hello of its next connection makes up.
    pub fn offer_account(&mut self, account: AccountId, lines: &Lines) {
        for id in &self.room_streams {
            let Some(client) = self.clients.get(id) else {
                continue;
            };
            if client.owner.as_ref().is_some_and(|o| o.account == account) {
                if let Some(line) = lines.for_transport(client.transport) {
                    let _ = client.offer(*id, line, None, lines.deferred, &mut self.due);
                }
            }
        }
    }

    /// `account`'s streams of every room may read restricted `room` from now on.
    pub fn grant(&mut self, account: AccountId, room: RoomId) {
        for id in self.streams_of(account) {
            if let Some(grants) = self.clients.get(&id).and_then(|c| c.grants.as_ref()) {
                grants.grant(room);
                self.restricted.entry(room).or_default().insert(id);
            }
        }
    }

    /// `account`'s streams may no longer read `room`: from this instant nothing of it
    /// leaves their inboxes, not even lines already queued.
    pub fn revoke(&mut self, account: AccountId, room: RoomId) {
        for id in self.streams_of(account) {
            if let Some(grants) = self.clients.get(&id).and_then(|c| c.grants.as_ref()) {
                grants.revoke(room);
            }
            if let Some(readers) = self.restricted.get_mut(&room) {
                readers.remove(&id);
                if readers.is_empty() {
                    self.restricted.remove(&room);
                }
            }
        }
    }

    /// How many streams read restricted `room`.
    #[cfg(test)]
    pub fn readers_of(&self, room: RoomId) -> usize {
        self.restricted.get(&room).map_or(0, |r| r.len())
    }

    fn streams_of(&self, account: AccountId) -> Vec<ClientId> {
        self.room_streams
            .iter()
            .copied()
            .filter(|id| {
                self.clients
                    .get(id)
                    .and_then(|c| c.owner.as_ref())
                    .is_some_and(|o| o.account == account)
            })
            .collect()
    }
}
