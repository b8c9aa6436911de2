//! Opening a stream: the caps, the first event (the window, or a hello resuming from the
//! right window with what the reader may read), and the registration, in one step under
//! the hub's lock, so a new stream sees no gap and no duplicate.

use super::lines::{status_lines, wire_formats};
use super::{Hub, Inner, Registration};
use crate::inbox::Inbox;
use crate::limits::LimitReached;
use crate::registry::{Lines, Owner};
use crate::window::{RecentWindow, Resume};
use bytes::Bytes;
use common::room::{RoomId, RoomSummary};
use common::wire::encode_line;
use common::{Message, StreamEvent, Transport};
use std::net::IpAddr;
use std::sync::Arc;

/// A new stream: its transport and, for every transport but the course's window, where it
/// resumes. The window transport cannot carry a resume point: its every line is whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscribe {
    /// Plain `GET /msgs`: every line is the whole window.
    Window,
    /// `GET /msgs?since=`: a hello, then deltas, one JSON event per line.
    Stream(Since),
    /// `GET /msgs/events`: the same events as Server-Sent Events.
    Sse(Since),
    /// `/msgs/ws`: the same events as WebSocket text frames.
    Ws(Since),
}

/// What a stream carries: the lobby alone (`/msgs`, the course's contract), or every room
/// its reader may read (`/api/stream`; a guest's is the lobby alone, with the room list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Lobby,
    Rooms,
}

/// Where a delta stream resumes: after id `since`, if `epoch` (when given) is ours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Since {
    pub since: u64,
    pub epoch: Option<String>,
}

impl Subscribe {
    pub fn transport(&self) -> Transport {
        match self {
            Self::Window => Transport::Window,
            Self::Stream(_) => Transport::Stream,
            Self::Sse(_) => Transport::Sse,
            Self::Ws(_) => Transport::Ws,
        }
    }

    fn since(&self) -> Option<&Since> {
        match self {
            Self::Window => None,
            Self::Stream(since) | Self::Sse(since) | Self::Ws(since) => Some(since),
        }
    }
}

/// An open stream: its queue and the guard that unregisters it when dropped.
#[derive(Debug)]
pub struct Subscription {
    pub rx: Inbox,
    pub registration: Registration,
    pub transport: Transport,
}

impl Hub {
    /// Opens a stream of `scope` for a client at `ip` (signed in as `owner`, if any): checks
    /// the caps, then computes its first event and registers it in one step.
    pub fn subscribe(
        self: &Arc<Self>,
        request: Subscribe,
        scope: Scope,
        ip: Option<IpAddr>,
        owner: Option<Owner>,
    ) -> Result<Subscription, LimitReached> {
        let mut inner = self.inner.lock();
        let limits = self.limits;
        if limits.total > 0 && inner.registry.len() >= limits.total {
            return Err(LimitReached::Total(limits.total));
        }
        if let Some(ip) = ip.filter(|_| limits.per_ip > 0) {
            if inner.registry.streams_from(ip) >= limits.per_ip {
                return Err(LimitReached::PerIp(limits.per_ip));
            }
        }
        let transport = request.transport();
        let account = owner.as_ref().map(|o| o.account);
        let reader = match scope {
            Scope::Rooms => owner
                .as_ref()
                .and_then(|o| self.directory.account(o.account)),
            Scope::Lobby => None,
        };
        let (id, rx) = match (request.since(), &reader) {
            (None, _) => {
                let first = inner.window_line.clone();
                inner.registry.register(transport, first, ip, owner)
            }
            (Some(since), None) => {
                let rooms = (scope == Scope::Rooms)
                    .then(|| self.rooms.summaries_for(None, &self.directory));
                let first = self.hello(&inner, &inner.window, since, rooms, |_| true);
                let first = first.for_transport(transport).cloned().unwrap_or_default();
                inner.registry.register(transport, first, ip, owner)
            }
            (Some(since), Some(account)) => {
                let mut rooms = self.rooms.summaries_for(Some(account), &self.directory);
                self.personalize_with(&inner.recent, account, &mut rooms);
                let readable: std::collections::HashSet<RoomId> =
                    rooms.iter().map(|r| r.id).collect();
                let first = self.hello(&inner, &inner.recent, since, Some(rooms), |m| {
                    readable.contains(&m.room)
                });
                let first = first.for_transport(transport).cloned().unwrap_or_default();
                let grants = self.rooms.restricted_rooms_of(account.id);
                inner
                    .registry
                    .register_with(transport, first, ip, owner, Some(grants))
            }
        };
        if scope == Scope::Rooms && request.since().is_some() && self.tells_presence {
            self.start_presence(&mut inner, id, reader.is_some());
        }
        if let Some(reason) = inner.degraded.clone() {
            inner.registry.offer_to(id, &status_lines(true, reason));
        }
        self.presence.opened(account);
        if inner.closed {
            inner.registry.remove(id);
        }
        let clients = inner.registry.len();
        drop(inner);
        tracing::info!(client = id, ?request, ?scope, clients, "stream opened");
        Ok(Subscription {
            rx,
            registration: Registration::new(Arc::downgrade(self), id, account),
            transport,
        })
    }

    /// The first event of a delta stream resuming after `since` from `window`, with the
    /// messages `readable` lets through.
    fn hello(
        &self,
        inner: &Inner,
        window: &RecentWindow,
        since: &Since,
        rooms: Option<Vec<RoomSummary>>,
        readable: impl Fn(&Message) -> bool,
    ) -> Lines {
        let resume = match &since.epoch {
            Some(e) if *e != inner.epoch => {
                Resume::Reset(window.window().iter().cloned().collect())
            }
            _ => window.resume(since.since),
        };
        let (reset, mut msgs) = match resume {
            Resume::Delta(msgs) => (false, msgs),
            Resume::Reset(msgs) => (true, msgs),
        };
        msgs.retain(|m| readable(m));
        let hello = Bytes::from(encode_line(&StreamEvent::Hello {
            epoch: inner.epoch.clone(),
            reset,
            heartbeat_ms: self.heartbeat_ms,
            msgs,
            older: window.has_older(),
            rooms,
        }));
        // The hello covers everything up to the newest id: that is where an EventSource
        // reconnect must resume.
        wire_formats(hello, Some(window.last_id()), true)
    }
}
