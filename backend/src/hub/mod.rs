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

mod changes;
mod held;
mod lines;
mod personal;
mod presence;
mod reactions;
mod registration;
mod rooms;
mod subscribe;
#[cfg(test)]
mod tests;

pub use crate::registry::Owner;
pub use lines::SSE_RETRY_MS;
pub use registration::Registration;
pub use subscribe::{Scope, Since, Subscribe, Subscription};

use crate::accounts::Directory;
use crate::clock::now_ms;
use crate::event::AccountId;
use crate::event::Entry;
use crate::limits::StreamLimits;
use crate::metrics::Metrics;
use crate::presence::Presence;
use crate::reads::Marks;
use crate::registry::{ClientId, Fanout, Lines, Registry};
use crate::rooms::Rooms;
use crate::store::{Snapshot, StoreListener};
use crate::window::{recent_capacity, RecentWindow};
use bytes::Bytes;
use common::room::LOBBY;
use common::wire::encode_line;
use common::{Message, StreamEvent, Transport};
use lines::{bye_lines, status_lines, window_line, wire_formats};
use parking_lot::Mutex;
use rooms::{end_streams_of, steps, Step};
use std::sync::Arc;

#[derive(Debug)]
struct Inner {
    /// The lobby's recent messages: the course's window, and where `/msgs` streams resume.
    window: RecentWindow,
    /// Every room's recent messages: where `/api/stream` streams resume.
    recent: RecentWindow,
    registry: Registry,
    /// `{"msg":[window]}\n`, rebuilt once per group and shared by every window client.
    window_line: Bytes,
    /// Set at shutdown: new streams get their first event and end at once.
    closed: bool,
    /// Names the history the ids belong to; changes only if the store loses its data.
    epoch: String,
    /// Why the store is unreachable, while it is.
    degraded: Option<String>,
    /// The `presence` line a new stream gets after its hello: who is online as the
    /// streams were last told (an account's stream), and how many (a guest's).
    presence_line: Lines,
    presence_count_line: Lines,
}

/// How a hub serves its streams.
#[derive(Debug, Clone, Copy)]
pub struct HubConfig {
    /// Messages in the lobby's window (`--history`).
    pub history: usize,
    /// Lines a stream's queue holds before the stream is cut.
    pub client_queue: usize,
    /// How often every stream gets a line at the least (announced to clients).
    pub heartbeat: std::time::Duration,
    pub limits: StreamLimits,
    /// Whether streams are told who is online (`--presence`). The hub keeps count either
    /// way, for the metrics (and, with Redis, the other nodes').
    pub presence: bool,
}

#[derive(Debug)]
pub struct Hub {
    inner: Mutex<Inner>,
    /// Accounts, sessions and invites: the log's events are applied here, in log order,
    /// before the messages that follow them are fanned out.
    directory: Arc<Directory>,
    /// Rooms and members, applied the same way, under the hub's lock.
    rooms: Arc<Rooms>,
    /// The read markers and levels of the accounts this node serves.
    marks: Arc<Marks>,
    /// Who is online; told of every stream that opens or closes here.
    presence: Arc<Presence>,
    /// [`HubConfig::presence`].
    tells_presence: bool,
    heartbeat_ms: u64,
    limits: StreamLimits,
    metrics: Arc<Metrics>,
}

impl Hub {
    /// A hub that starts from what the store holds; the [`crate::heartbeat`] task keeps
    /// the heartbeat `config` announces.
    pub fn new(snapshot: Snapshot, config: HubConfig, metrics: Arc<Metrics>) -> Arc<Self> {
        let directory = Arc::new(Directory::new(&snapshot.events, snapshot.last_id));
        let rooms = Arc::new(Rooms::new(&snapshot.events));
        rooms.saw_messages(&snapshot.recent);
        rooms.saw_messages(&snapshot.lobby);
        rooms.saw_last_ids(&snapshot.last_ids);
        let window = RecentWindow::new(config.history, snapshot.lobby, snapshot.last_id);
        let recent = RecentWindow::new(
            recent_capacity(config.history),
            snapshot.recent,
            snapshot.last_id,
        );
        let window_line = window_line(&window);
        let mut inner = Inner {
            window,
            recent,
            registry: Registry::new(config.client_queue),
            window_line,
            closed: false,
            epoch: snapshot.epoch,
            degraded: None,
            presence_line: presence::empty_list(),
            presence_count_line: presence::empty_list(),
        };
        // Reactions first: the changes' replay rebuilds the window line after both.
        reactions::replay(&mut inner, &snapshot.events);
        changes::replay(&mut inner, &snapshot.events);
        Arc::new(Self {
            directory,
            rooms,
            marks: Arc::new(Marks::default()),
            inner: Mutex::new(inner),
            presence: Arc::new(Presence::new(crate::clock::new_epoch())),
            tells_presence: config.presence,
            heartbeat_ms: config.heartbeat.as_millis() as u64,
            limits: config.limits,
            metrics,
        })
    }

    pub fn epoch(&self) -> String {
        self.inner.lock().epoch.clone()
    }

    /// The accounts, as the log made them.
    pub fn directory(&self) -> Arc<Directory> {
        self.directory.clone()
    }

    /// The rooms, as the log made them.
    pub fn rooms(&self) -> Arc<Rooms> {
        self.rooms.clone()
    }

    /// The read markers and levels of the accounts this node serves.
    pub fn marks(&self) -> Arc<Marks> {
        self.marks.clone()
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
            deferred: false,
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

    pub(crate) fn unregister(&self, id: ClientId, account: Option<AccountId>) {
        self.presence.closed(account);
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
    /// Applies a committed group in log order. Events change the directory (ending the
    /// streams of sessions that ended) and the rooms (telling and re-indexing the streams
    /// concerned); messages go to the windows and to their room's readers, a run of
    /// consecutive messages of one room encoded once per transport and shared by all.
    fn committed(&self, entries: &[Entry]) {
        let Some(last) = entries.last().map(|e| e.id) else {
            return;
        };
        // Encoded before the lock is taken, once for every client.
        let steps = steps(entries);
        let started = std::time::Instant::now();
        let mut inner = self.inner.lock();
        let mut fanout = Fanout::default();
        for step in steps {
            match step {
                Step::Event(entry) => {
                    for got in [
                        self.apply_change(&mut inner, entry),
                        self.apply_reaction(&mut inner, entry),
                    ] {
                        fanout.delivered += got.delivered;
                        fanout.cut.extend(got.cut);
                    }
                    if let Some(change) = self.rooms.apply(entry) {
                        self.tell_room_change(&mut inner, change);
                    }
                    if let Some(cut) = self.directory.apply(entry) {
                        end_streams_of(&mut inner.registry, &cut);
                    }
                }
                Step::Run {
                    room,
                    messages,
                    lines,
                } => {
                    if let Some(newest) = messages.last() {
                        self.rooms.saw(room, newest.id);
                    }
                    for message in &messages {
                        if let Some(left) = inner.recent.push((*message).clone()) {
                            self.marks.left_window(&left);
                        }
                    }
                    if room == LOBBY {
                        for message in &messages {
                            inner.window.push((*message).clone());
                        }
                    }
                    let got = self.offer_to_room(&mut inner, room, lines, room == LOBBY);
                    fanout.delivered += got.delivered;
                    fanout.cut.extend(got.cut);
                }
            }
        }
        for entry in entries {
            // Messages only move the directory's position.
            if entry.message().is_some() {
                self.directory.apply(entry);
            }
        }
        inner.window.advance(last);
        inner.recent.advance(last);
        let clients = inner.registry.len();
        drop(inner);
        if fanout.delivered > 0 || !fanout.cut.is_empty() {
            self.metrics.observe_fanout(started.elapsed());
        }
        self.metrics.deliveries.inc_by(fanout.delivered as u64);
        self.log_cuts(&fanout, clients);
        tracing::debug!(last, delivered = fanout.delivered, "group fanned out");
    }

    fn retained(&self, first_kept: u64) {
        let mut inner = self.inner.lock();
        inner.window.forget_before(first_kept);
        inner.recent.forget_before(first_kept);
        self.rooms.retained(first_kept);
        // The counts of older messages may include deleted ones: counted again when asked.
        self.marks.forget_older();
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

    /// Passes a typing event to the streams of its room's readers (window clients, whose
    /// lines are the course's windows, get nothing). Never kept: not in any window, so
    /// never in a `hello` nor a resumed stream.
    fn ephemeral(&self, event: StreamEvent) {
        let StreamEvent::Typing { id, .. } = &event else {
            return;
        };
        let room = *id;
        let lines = lines::deferred(wire_formats(Bytes::from(encode_line(&event)), None, false));
        let mut inner = self.inner.lock();
        let fanout = self.offer_to_room(&mut inner, room, lines, false);
        let clients = inner.registry.len();
        drop(inner);
        self.log_cuts(&fanout, clients);
    }

    /// Passes a `read` or a `room_updated` meant for one account to its streams here.
    fn personal(&self, account: crate::event::AccountId, event: StreamEvent) {
        self.deliver_personal(account, event);
    }

    /// Replaces the window and epoch, then ends every stream, SSE and WebSocket client with
    /// a `bye`: each reconnects, presents the old epoch, and gets the new history whole.
    /// Window clients simply get the new window.
    fn reset(&self, snapshot: Snapshot) {
        let mut inner = self.inner.lock();
        self.rooms.replace(&snapshot.events);
        self.rooms.saw_messages(&snapshot.recent);
        self.rooms.saw_last_ids(&snapshot.last_ids);
        self.directory.replace(&snapshot.events, snapshot.last_id);
        let capacity = inner.window.capacity();
        inner.window = RecentWindow::new(capacity, snapshot.lobby, snapshot.last_id);
        let capacity = inner.recent.capacity();
        inner.recent = RecentWindow::new(capacity, snapshot.recent, snapshot.last_id);
        self.marks.forget_older();
        inner.epoch = snapshot.epoch;
        // Reactions first: the changes' replay rebuilds the window line after both.
        reactions::replay(&mut inner, &snapshot.events);
        changes::replay(&mut inner, &snapshot.events);
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
