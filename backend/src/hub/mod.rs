//! The hub: where committed messages reach every open stream, whatever its transport.
//!
//! The recent window and the registry sit under one lock. The store's writer thread hands
//! over each committed group in id order ([`Hub::committed`]), so fan-out order equals id
//! order; a new stream's first event and its registration happen at one instant, so it
//! sees no gap and no duplicate; and the cached window line always matches the window.
//! Each event is encoded once per transport ([`lines`]), never once per client.
//!
//! Everything else is arranged around this module: the stores feed it
//! ([`StoreListener`]), the routes open streams on it ([`Hub::subscribe`]), and a stream's
//! [`Registration`] takes it out again when the response is dropped.

mod lines;
mod registration;
#[cfg(test)]
mod tests;

pub use crate::registry::Owner;
pub use lines::SSE_RETRY_MS;
pub use registration::Registration;

use crate::accounts::{Cut, Directory};
use crate::clock::now_ms;
use crate::event::Entry;
use crate::limits::{LimitReached, StreamLimits};
use crate::metrics::Metrics;
use crate::registry::{ClientId, Fanout, Lines, Registry};
use crate::store::{Snapshot, StoreListener};
use crate::window::{RecentWindow, Resume};
use bytes::Bytes;
use common::wire::encode_line;
use common::{Message, StreamEvent, Transport};
use lines::{bye_lines, status_lines, window_line, wire_formats, MsgsRef};
use parking_lot::Mutex;
use std::net::IpAddr;
use std::sync::Arc;
use tokio::sync::mpsc;

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
    pub rx: mpsc::Receiver<Bytes>,
    pub registration: Registration,
    pub transport: Transport,
}

#[derive(Debug)]
struct Inner {
    window: RecentWindow,
    registry: Registry,
    /// `{"msg":[window]}\n`, rebuilt once per group and shared by every window client.
    window_line: Bytes,
    /// Set at shutdown: new streams get their first event and end at once.
    closed: bool,
    /// Names the history the ids belong to; changes only if the store loses its data.
    epoch: String,
    /// Why the store is unreachable, while it is.
    degraded: Option<String>,
}

#[derive(Debug)]
pub struct Hub {
    inner: Mutex<Inner>,
    /// Accounts, sessions and invites: the log's events are applied here, in log order,
    /// before the messages that follow them are fanned out.
    directory: Arc<Directory>,
    heartbeat_ms: u64,
    limits: StreamLimits,
    metrics: Arc<Metrics>,
}

impl Hub {
    /// A hub whose window starts with `window` and whose ids belong to `epoch`. `heartbeat`
    /// is announced to clients; the [`crate::heartbeat`] task keeps the promise.
    pub fn new(
        window: RecentWindow,
        epoch: String,
        directory: Arc<Directory>,
        client_queue: usize,
        heartbeat: std::time::Duration,
        limits: StreamLimits,
        metrics: Arc<Metrics>,
    ) -> Arc<Self> {
        let window_line = window_line(&window);
        Arc::new(Self {
            directory,
            inner: Mutex::new(Inner {
                window,
                registry: Registry::new(client_queue),
                window_line,
                closed: false,
                epoch,
                degraded: None,
            }),
            heartbeat_ms: heartbeat.as_millis() as u64,
            limits,
            metrics,
        })
    }

    pub fn epoch(&self) -> String {
        self.inner.lock().epoch.clone()
    }

    /// Opens a stream for a client at `ip` (signed in as `owner`, if any): checks the caps,
    /// then computes its first event and registers it in one step.
    pub fn subscribe(
        self: &Arc<Self>,
        request: Subscribe,
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
        let first = match request.since() {
            None => inner.window_line.clone(),
            Some(Since { since, epoch }) => {
                let resume = match epoch {
                    Some(e) if *e != inner.epoch => {
                        Resume::Reset(inner.window.window().iter().cloned().collect())
                    }
                    _ => inner.window.resume(*since),
                };
                let (reset, msgs) = match resume {
                    Resume::Delta(msgs) => (false, msgs),
                    Resume::Reset(msgs) => (true, msgs),
                };
                let hello = Bytes::from(encode_line(&StreamEvent::Hello {
                    epoch: inner.epoch.clone(),
                    reset,
                    heartbeat_ms: self.heartbeat_ms,
                    msgs,
                    older: inner.window.has_older(),
                }));
                // The hello covers everything up to the newest id: that is where an
                // EventSource reconnect must resume.
                let lines = wire_formats(hello, Some(inner.window.last_id()), true);
                lines.for_transport(transport).cloned().unwrap_or_default()
            }
        };
        let (id, rx) = inner.registry.register(transport, first, ip, owner);
        if let Some(reason) = inner.degraded.clone() {
            inner.registry.offer_to(id, &status_lines(true, reason));
        }
        if inner.closed {
            inner.registry.remove(id);
        }
        let clients = inner.registry.len();
        drop(inner);
        tracing::info!(client = id, ?request, clients, "stream opened");
        Ok(Subscription {
            rx,
            registration: Registration::new(Arc::downgrade(self), id),
            transport,
        })
    }

    /// Sends the heartbeat: window clients get the window again (their every line must be
    /// `{"msg":[...]}`), stream and WebSocket clients a heartbeat event (page scripts cannot
    /// see WebSocket pings), SSE clients a comment.
    pub fn heartbeat(&self) -> Fanout {
        let time = now_ms();
        let json = Bytes::from(encode_line(&StreamEvent::Heartbeat { time }));
        let ws = json.slice(..json.len() - 1);
        let sse = Bytes::from(format!(": heartbeat {time}\n\n"));
        let mut inner = self.inner.lock();
        let lines = Lines {
            window: Some(inner.window_line.clone()),
            stream: Some(json),
            sse: Some(sse),
            ws: Some(ws),
        };
        let fanout = inner.registry.broadcast(&lines);
        let clients = inner.registry.len();
        drop(inner);
        self.log_cuts(&fanout, clients);
        fanout
    }

    /// Open streams by transport, for `/metrics`.
    pub fn stream_counts(&self) -> [(Transport, usize); 4] {
        self.inner.lock().registry.counts_by_transport()
    }

    /// Open streams right now, all transports.
    pub fn client_count(&self) -> usize {
        self.inner.lock().registry.len()
    }

    /// Whether [`Hub::close_all`] ran.
    pub fn is_closed(&self) -> bool {
        self.inner.lock().closed
    }

    /// The recent window, oldest first.
    pub fn window(&self) -> Vec<Message> {
        self.inner.lock().window.window().iter().cloned().collect()
    }

    /// Tells stream, SSE and WebSocket clients the server is going away (a `bye` event),
    /// then ends every stream after what is queued. New streams opened afterwards end right
    /// after their first event, so reconnecting clients cannot hold a stopping server open.
    pub fn close_all(&self) {
        // Window clients keep the course contract (every line is a window): no bye.
        let lines = bye_lines("shutdown");
        let mut inner = self.inner.lock();
        inner.closed = true;
        inner.registry.offer_all(&lines);
        inner.registry.clear();
    }

    pub(crate) fn unregister(&self, id: ClientId) {
        let mut inner = self.inner.lock();
        let removed = inner.registry.remove(id);
        let clients = inner.registry.len();
        drop(inner);
        if removed {
            tracing::info!(client = id, clients, "stream closed");
        } else {
            tracing::debug!(client = id, clients, "stream closed after being cut");
        }
    }
}

impl StoreListener for Hub {
    /// Applies a committed group in log order: its events to the directory (ending the
    /// streams of sessions that ended), then its messages to the window and every open
    /// stream, encoded once per transport for the whole group and shared by all clients of
    /// that transport.
    fn committed(&self, entries: &[Entry]) {
        let Some(last) = entries.last().map(|e| e.id) else {
            return;
        };
        let cuts: Vec<Cut> = entries
            .iter()
            .filter_map(|entry| self.directory.apply(entry))
            .collect();
        let messages: Vec<&Message> = entries.iter().filter_map(Entry::message).collect();
        // Encoded before the lock is taken, once for every client.
        let mut lines = (!messages.is_empty()).then(|| {
            let json = Bytes::from(encode_line(&MsgsRef {
                kind: "msgs",
                msgs: &messages,
            }));
            wire_formats(json, Some(last), false)
        });
        let started = std::time::Instant::now();
        let mut inner = self.inner.lock();
        for cut in cuts {
            let ended = inner
                .registry
                .end_where(&bye_lines("signed out"), |owner| match &cut {
                    Cut::Session(session) => owner.session == *session,
                    Cut::Account { account, except } => {
                        owner.account == *account && except.as_ref() != Some(&owner.session)
                    }
                });
            if ended > 0 {
                tracing::info!(ended, ?cut, "streams of ended sessions closed");
            }
        }
        inner.window.advance(last);
        let Some(lines) = lines.as_mut() else {
            return;
        };
        for message in messages {
            inner.window.push(message.clone());
        }
        inner.window_line = window_line(&inner.window);
        lines.window = Some(inner.window_line.clone());
        let fanout = inner.registry.broadcast(lines);
        let clients = inner.registry.len();
        drop(inner);
        self.metrics.observe_fanout(started.elapsed());
        self.metrics.deliveries.inc_by(fanout.delivered as u64);
        self.log_cuts(&fanout, clients);
        tracing::debug!(last, delivered = fanout.delivered, "group fanned out");
    }

    fn retained(&self, first_kept: u64) {
        let mut inner = self.inner.lock();
        inner.window.forget_before(first_kept);
        inner.window_line = window_line(&inner.window);
    }

    /// Tells stream, SSE and WebSocket clients whether posting works (window clients keep
    /// the course contract: nothing but windows). Streams stay open either way.
    fn store_state(&self, degraded: Option<&str>) {
        let mut inner = self.inner.lock();
        if inner.degraded.as_deref() == degraded {
            return;
        }
        inner.degraded = degraded.map(str::to_owned);
        let lines = match degraded {
            Some(reason) => status_lines(true, reason.to_owned()),
            None => status_lines(false, "the message store is reachable again".into()),
        };
        let fanout = inner.registry.broadcast(&lines);
        let clients = inner.registry.len();
        drop(inner);
        self.log_cuts(&fanout, clients);
    }

    /// Replaces the window and epoch, then ends every stream, SSE and WebSocket client with
    /// a `bye`: each reconnects, presents the old epoch, and gets the new history whole.
    /// Window clients simply get the new window.
    fn reset(&self, snapshot: Snapshot) {
        self.directory.replace(&snapshot.events, snapshot.last_id);
        let mut inner = self.inner.lock();
        let capacity = inner.window.capacity();
        inner.window = RecentWindow::new(capacity, snapshot.recent, snapshot.last_id);
        inner.epoch = snapshot.epoch;
        inner.window_line = window_line(&inner.window);
        let mut lines = bye_lines("history reset");
        lines.window = Some(inner.window_line.clone());
        inner.registry.offer_all(&lines);
        inner.registry.end_delta_streams();
    }
}

impl Hub {
    fn log_cuts(&self, fanout: &Fanout, clients: usize) {
        self.metrics
            .slow_consumer_cuts
            .inc_by(fanout.cut.len() as u64);
        for id in &fanout.cut {
            tracing::warn!(
                client = id,
                clients,
                "slow consumer: queue full, stream cut"
            );
        }
    }
}
