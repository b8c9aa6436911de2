//! The registry of open streams. Each client owns a bounded queue; the hub offers every
//! line to every queue with `try_send`, so a stuck client can neither delay the others nor
//! grow memory: when its queue is full it is cut (its queue closed), and it resumes with
//! `since` when it reconnects.
//!
//! Every stream reads the lobby. A signed-in account's `/api/stream` reads every room it
//! may read besides: open rooms through [`Registry::broadcast_room`] over the set of such
//! streams, closed and direct rooms through a per-room index ([`rooms`]), so a message in
//! a two-person room touches two streams, not every open one.

mod client;
mod held;
mod presence;
mod rooms;

pub use rooms::Audience;
#[cfg(test)]
mod tests;

use crate::event::{AccountId, SecretHash};
use crate::held::Held;
use crate::inbox::{Grants, Inbox, Queued};
use bytes::Bytes;
use client::{Client, Tally};
use common::room::RoomId;
use common::Transport;
use held::Due;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::IpAddr;
use tokio::sync::mpsc;

pub type ClientId = u64;

/// One event encoded once for every transport; `None` skips clients of that transport.
#[derive(Debug, Clone, Default)]
pub struct Lines {
    pub window: Option<Bytes>,
    pub stream: Option<Bytes>,
    pub sse: Option<Bytes>,
    pub ws: Option<Bytes>,
    /// An awareness line (presence, typing) that may wait a moment beside the stream's
    /// queue for the next line to ride with: see [`crate::held`].
    pub deferred: bool,
}

impl Lines {
    pub fn for_transport(&self, transport: Transport) -> Option<&Bytes> {
        match transport {
            Transport::Window => self.window.as_ref(),
            Transport::Stream => self.stream.as_ref(),
            Transport::Sse => self.sse.as_ref(),
            Transport::Ws => self.ws.as_ref(),
        }
    }
}

/// Who a stream belongs to, when a signed-in account opened it: its streams end when the
/// session ends or the account is deactivated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub account: AccountId,
    pub session: SecretHash,
}

/// Outcome of offering one line to every client.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Fanout {
    pub delivered: usize,
    /// Clients removed because their queue was full.
    pub cut: Vec<ClientId>,
}

#[derive(Debug)]
pub struct Registry {
    clients: HashMap<ClientId, Client>,
    /// Streams of every room (those with grants): the readers of every open room.
    room_streams: HashSet<ClientId>,
    /// The streams that may read each closed or direct room.
    restricted: HashMap<RoomId, HashSet<ClientId>>,
    /// The streams told who is online ([`presence`]), and whether by name (accounts) or
    /// by count alone (guests).
    presence_readers: HashMap<ClientId, bool>,
    /// Open streams per client address, for the per-IP cap.
    per_ip: HashMap<IpAddr, usize>,
    /// Streams holding lines, by when the first came ([`held`]).
    due: Due,
    next_id: ClientId,
    queue_capacity: usize,
}

/// Keeps `per_ip` in step when a client leaves, however it leaves.
fn forget(per_ip: &mut HashMap<IpAddr, usize>, ip: Option<IpAddr>) {
    if let Some(ip) = ip {
        if let Some(count) = per_ip.get_mut(&ip) {
            *count -= 1;
            if *count == 0 {
                per_ip.remove(&ip);
            }
        }
    }
}

impl Registry {
    pub fn new(queue_capacity: usize) -> Self {
        Self {
            clients: HashMap::new(),
            room_streams: HashSet::new(),
            restricted: HashMap::new(),
            presence_readers: HashMap::new(),
            per_ip: HashMap::new(),
            due: Due::default(),
            next_id: 1,
            queue_capacity: queue_capacity.max(2),
        }
    }

    /// Adds a client of the lobby alone whose queue already holds `first_line`.
    pub fn register(
        &mut self,
        transport: Transport,
        first_line: Bytes,
        ip: Option<IpAddr>,
        owner: Option<Owner>,
    ) -> (ClientId, Inbox) {
        self.register_with(transport, first_line, ip, owner, None)
    }

    /// Adds a client; with `rooms` (the closed and direct rooms it may read) it reads every
    /// room, the lobby only otherwise.
    pub fn register_with(
        &mut self,
        transport: Transport,
        first_line: Bytes,
        ip: Option<IpAddr>,
        owner: Option<Owner>,
        rooms: Option<BTreeSet<RoomId>>,
    ) -> (ClientId, Inbox) {
        let (tx, rx) = mpsc::channel(self.queue_capacity);
        // A fresh queue has room for one line.
        let _ = tx.try_send(Queued::open(first_line));
        let id = self.next_id;
        self.next_id += 1;
        if let Some(ip) = ip {
            *self.per_ip.entry(ip).or_default() += 1;
        }
        let grants = rooms.map(|rooms| {
            self.room_streams.insert(id);
            for room in &rooms {
                self.restricted.entry(*room).or_default().insert(id);
            }
            Grants::new(rooms)
        });
        let held = Held::for_transport(transport);
        self.clients.insert(
            id,
            Client {
                tx,
                transport,
                ip,
                owner,
                grants: grants.clone(),
                held: held.clone(),
            },
        );
        (id, Inbox::new(rx, grants, held))
    }

    /// Removes a client; returns whether it was still registered.
    pub fn remove(&mut self, id: ClientId) -> bool {
        match self.clients.remove(&id) {
            Some(client) => {
                self.forget_client(id, &client);
                true
            }
            None => false,
        }
    }

    /// Takes a client that left out of the per-address counts and the room index.
    fn forget_client(&mut self, id: ClientId, client: &Client) {
        forget(&mut self.per_ip, client.ip);
        self.presence_readers.remove(&id);
        unindex(&mut self.room_streams, &mut self.restricted, id, client);
    }

    /// Open streams per transport.
    pub fn counts_by_transport(&self) -> [(Transport, usize); 4] {
        let mut counts = Transport::ALL.map(|transport| (transport, 0));
        for client in self.clients.values() {
            if let Some(slot) = counts.iter_mut().find(|(t, _)| *t == client.transport) {
                slot.1 += 1;
            }
        }
        counts
    }

    /// Open streams from `ip`.
    pub fn streams_from(&self, ip: IpAddr) -> usize {
        self.per_ip.get(&ip).copied().unwrap_or(0)
    }

    pub fn len(&self) -> usize {
        self.clients.len()
    }

    /// Offers each client the encoding of its transport (a lobby event, or one for every
    /// stream). `Bytes` clones share one buffer, so this allocates nothing per client.
    pub fn broadcast(&mut self, lines: &Lines) -> Fanout {
        let mut tally = Tally::default();
        for (id, client) in &self.clients {
            let Some(line) = lines.for_transport(client.transport) else {
                continue;
            };
            tally.add(
                *id,
                client.offer(*id, line, None, lines.deferred, &mut self.due),
            );
        }
        self.settle(tally)
    }

    /// Offers each of `readers` its transport's encoding of the lines paired with it (`room`
    /// goes with each line into the inbox); a full queue is cut, and every client that is
    /// gone is removed. The fan-out of a room's events and of presence.
    fn offer_each<'a>(
        &mut self,
        readers: impl IntoIterator<Item = (ClientId, &'a Lines)>,
        room: Option<RoomId>,
    ) -> Fanout {
        let mut tally = Tally::default();
        for (id, lines) in readers {
            let Some(client) = self.clients.get(&id) else {
                continue;
            };
            let Some(line) = lines.for_transport(client.transport) else {
                continue;
            };
            tally.add(
                id,
                client.offer(id, line, room, lines.deferred, &mut self.due),
            );
        }
        self.settle(tally)
    }

    /// Removes the clients a fan-out found gone; what it did.
    fn settle(&mut self, tally: Tally) -> Fanout {
        for id in tally.gone {
            self.remove(id);
        }
        tally.fanout
    }

    /// Offers a last event (the shutdown notice) without cutting anyone: every stream ends
    /// right after anyway.
    pub fn offer_all(&mut self, lines: &Lines) {
        for (id, client) in &self.clients {
            if let Some(line) = lines.for_transport(client.transport) {
                let _ = client.offer(*id, line, None, lines.deferred, &mut self.due);
            }
        }
    }

    /// Offers one client its encoding of `lines`, if it has room.
    pub fn offer_to(&mut self, id: ClientId, lines: &Lines) {
        if let Some(client) = self.clients.get(&id) {
            if let Some(line) = lines.for_transport(client.transport) {
                let _ = client.offer(id, line, None, lines.deferred, &mut self.due);
            }
        }
    }

    /// Closes the queue of every client but the window ones: each such stream sends what
    /// it holds, then ends.
    pub fn end_delta_streams(&mut self) {
        self.end_matching(&Lines::default(), |client| {
            client.transport != Transport::Window
        });
    }

    /// Offers `lines` (a goodbye) to the streams `which` picks, then closes their queues:
    /// each sends what it holds and ends. Returns how many.
    pub fn end_where(&mut self, lines: &Lines, which: impl Fn(&Owner) -> bool) -> usize {
        self.end_matching(lines, |client| client.owner.as_ref().is_some_and(&which))
    }

    fn end_matching(&mut self, lines: &Lines, ends: impl Fn(&Client) -> bool) -> usize {
        let ending: Vec<ClientId> = self
            .clients
            .iter()
            .filter(|(_, client)| ends(client))
            .map(|(id, _)| *id)
            .collect();
        for id in &ending {
            let Some(client) = self.clients.remove(id) else {
                continue;
            };
            // Out of the index first: it reads the grants that are about to go.
            self.forget_client(*id, &client);
            // An ended session reads nothing restricted any more, queued or not.
            if let Some(grants) = &client.grants {
                grants.revoke_all();
            }
            if let Some(line) = lines.for_transport(client.transport) {
                let _ = client.offer(*id, line, None, lines.deferred, &mut self.due);
            }
        }
        ending.len()
    }

    /// Closes every queue: each stream sends what it holds, then ends.
    pub fn clear(&mut self) {
        self.clients.clear();
        self.per_ip.clear();
        self.room_streams.clear();
        self.restricted.clear();
        self.presence_readers.clear();
        self.due = Due::default();
    }
}

/// Takes client `id` out of the room index.
fn unindex(
    room_streams: &mut HashSet<ClientId>,
    restricted: &mut HashMap<RoomId, HashSet<ClientId>>,
    id: ClientId,
    client: &Client,
) {
    let Some(grants) = &client.grants else { return };
    room_streams.remove(&id);
    for room in grants.rooms() {
        if let Some(readers) = restricted.get_mut(&room) {
            readers.remove(&id);
            if readers.is_empty() {
                restricted.remove(&room);
            }
        }
    }
}
