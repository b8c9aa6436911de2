//! The hub: where committed messages reach every open stream, whatever its transport.
//!
//! The recent window and the registry sit under one lock. The store's writer thread hands
//! over each committed group in id order ([`Hub::committed`]), so fan-out order equals id
//! order; a new stream's first event and its registration happen at one instant, so it
//! sees no gap and no duplicate; and the cached window line always matches the window.
//! Each event is encoded once per wire format ([`wire_formats`]), never once per client.

use crate::client_stream::Registration;
use crate::limits::{LimitReached, StreamLimits};
use crate::metrics::Metrics;
use crate::registry::{ClientId, Fanout, Lines, Mode, Registry};
use crate::store::StoreListener;
use crate::window::{RecentWindow, Resume};
use bytes::Bytes;
use common::wire::encode_line;
use common::{Message, StreamEvent};
use parking_lot::Mutex;
use serde::Serialize;
use std::collections::hash_map::RandomState;
use std::collections::VecDeque;
use std::hash::{BuildHasher, Hasher};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc;

/// Where a new stream starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscribe {
    /// Plain `GET /msgs`: every line is the whole window.
    Window,
    /// Deltas after `since`, if `epoch` (when given) is ours, in the given format.
    Since {
        since: u64,
        epoch: Option<String>,
        format: Mode,
    },
}

/// An open stream: its queue and the guard that unregisters it when dropped.
#[derive(Debug)]
pub struct Subscription {
    pub rx: mpsc::Receiver<Bytes>,
    pub registration: Registration,
    pub mode: Mode,
}

/// SSE reconnection delay suggested to `EventSource` (`retry:`), in milliseconds.
pub const SSE_RETRY_MS: u64 = 2000;

#[derive(Debug)]
struct Inner {
    window: RecentWindow,
    registry: Registry,
    /// `{"msg":[window]}\n`, rebuilt once per group and shared by every window-mode client.
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
    heartbeat_ms: u64,
    limits: StreamLimits,
    metrics: Arc<Metrics>,
}

#[derive(Serialize)]
struct WindowRef<'a> {
    msg: &'a VecDeque<Message>,
}

fn window_line(window: &RecentWindow) -> Bytes {
    Bytes::from(encode_line(&WindowRef {
        msg: window.window(),
    }))
}

/// `{"type":"msgs","msgs":[...]}` from a borrowed slice (no clone of the messages).
#[derive(Serialize)]
struct MsgsRef<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    msgs: &'a [Message],
}

/// A delta event (one JSON line) in the three delta formats. `sse_id` becomes the SSE
/// `id:` field, which `EventSource` sends back as `Last-Event-ID` when it reconnects.
pub fn wire_formats(json_line: Bytes, sse_id: Option<u64>, sse_retry: bool) -> Lines {
    let json = json_line.slice(..json_line.len().saturating_sub(1));
    let mut sse = Vec::with_capacity(json.len() + 48);
    if sse_retry {
        sse.extend_from_slice(format!("retry: {SSE_RETRY_MS}\n").as_bytes());
    }
    if let Some(id) = sse_id {
        sse.extend_from_slice(format!("id: {id}\n").as_bytes());
    }
    sse.extend_from_slice(b"data: ");
    sse.extend_from_slice(&json);
    sse.extend_from_slice(b"\n\n");
    Lines {
        window: None,
        delta: Some(json_line),
        sse: Some(Bytes::from(sse)),
        ws: Some(json),
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A random name for a new history. Ids from another epoch mean nothing here.
pub fn new_epoch() -> String {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.write_u32(std::process::id());
    format!("{:016x}", hasher.finish())
}

impl Hub {
    /// A hub whose window starts with `window` and whose ids belong to `epoch`. `heartbeat`
    /// is announced to clients; the [`crate::heartbeat`] task keeps the promise.
    pub fn new(
        window: RecentWindow,
        epoch: String,
        client_queue: usize,
        heartbeat: std::time::Duration,
        limits: StreamLimits,
        metrics: Arc<Metrics>,
    ) -> Arc<Self> {
        let window_line = window_line(&window);
        Arc::new(Self {
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

    /// Opens a stream for a client at `ip`: checks the caps, then computes its first event
    /// and registers it in one step.
    pub fn subscribe(
        self: &Arc<Self>,
        request: Subscribe,
        ip: Option<IpAddr>,
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
        let (mode, first) = match &request {
            Subscribe::Window => (Mode::Window, inner.window_line.clone()),
            Subscribe::Since {
                since,
                epoch,
                format,
            } => {
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
                }));
                // The hello covers everything up to the newest id: that is where an
                // EventSource reconnect must resume.
                let lines = wire_formats(hello, Some(inner.window.last_id()), true);
                let first = match format {
                    Mode::Sse => lines.sse,
                    Mode::Ws => lines.ws,
                    _ => lines.delta,
                };
                (*format, first.unwrap_or_default())
            }
        };
        let (id, rx) = inner.registry.register(mode, first, ip);
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
            mode,
        })
    }

    /// Sends the heartbeat: window-mode clients get the window again (their every line must
    /// be `{"msg":[...]}`), delta and WebSocket clients a heartbeat event (page scripts
    /// cannot see WebSocket pings), SSE clients a comment.
    pub fn heartbeat(&self) -> Fanout {
        let time = now_ms();
        let delta = Bytes::from(encode_line(&StreamEvent::Heartbeat { time }));
        let ws = delta.slice(..delta.len() - 1);
        let sse = Bytes::from(format!(": heartbeat {time}\n\n"));
        let mut inner = self.inner.lock();
        let lines = Lines {
            window: Some(inner.window_line.clone()),
            delta: Some(delta),
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
    pub fn stream_counts(&self) -> Vec<(&'static str, usize)> {
        let counts = self.inner.lock().registry.counts_by_mode();
        counts
            .iter()
            .map(|(mode, n)| {
                let name = match mode {
                    Mode::Window => "window",
                    Mode::Delta => "stream",
                    Mode::Sse => "sse",
                    Mode::Ws => "ws",
                };
                (name, *n)
            })
            .collect()
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

    /// Tells delta, SSE and WebSocket clients the server is going away (a `bye` event),
    /// then ends every stream after what is queued. New streams opened afterwards end right
    /// after their first event, so reconnecting clients cannot hold a stopping server open.
    pub fn close_all(&self) {
        // Window-mode clients keep the course contract (every line is a window): no bye.
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
    /// Appends a committed group to the window and offers it to every open stream: encoded
    /// once per format for the whole group, shared by all clients of that format.
    fn committed(&self, messages: &[Message]) {
        let Some(last) = messages.last().map(|m| m.id) else {
            return;
        };
        let delta = Bytes::from(encode_line(&MsgsRef {
            kind: "msgs",
            msgs: messages,
        }));
        let mut lines = wire_formats(delta, Some(last), false);
        let started = std::time::Instant::now();
        let mut inner = self.inner.lock();
        for message in messages {
            inner.window.push(message.clone());
        }
        inner.window_line = window_line(&inner.window);
        lines.window = Some(inner.window_line.clone());
        let fanout = inner.registry.broadcast(&lines);
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

    /// Tells delta, SSE and WebSocket clients whether posting works (window-mode clients
    /// keep the course contract: nothing but windows). Streams stay open either way.
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

    /// Replaces the window and epoch, then ends every delta, SSE and WebSocket stream with a
    /// `bye`: each client reconnects, presents the old epoch, and gets the new history whole.
    /// Window-mode clients simply get the new window.
    fn reset(&self, epoch: String, recent: Vec<Message>, last_id: u64) {
        let mut inner = self.inner.lock();
        let capacity = inner.window.capacity();
        inner.window = RecentWindow::new(capacity, recent, last_id);
        inner.epoch = epoch;
        inner.window_line = window_line(&inner.window);
        let mut lines = bye_lines("history reset");
        lines.window = Some(inner.window_line.clone());
        inner.registry.offer_all(&lines);
        inner.registry.end_delta_streams();
    }
}

/// A `bye` event in every delta format (none for window-mode clients).
fn bye_lines(reason: &str) -> Lines {
    wire_formats(
        Bytes::from(encode_line(&StreamEvent::Bye {
            reason: reason.into(),
        })),
        None,
        false,
    )
}

/// A `status` event in every delta format.
fn status_lines(degraded: bool, reason: String) -> Lines {
    wire_formats(
        Bytes::from(encode_line(&StreamEvent::Status { degraded, reason })),
        None,
        false,
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: u64) -> Message {
        Message {
            id,
            user: "u".into(),
            text: format!("m{id}"),
            time: 0,
        }
    }

    fn hub() -> Arc<Hub> {
        Hub::new(
            RecentWindow::new(10, vec![message(1), message(2)], 2),
            "old".into(),
            8,
            std::time::Duration::from_secs(15),
            StreamLimits::default(),
            Arc::new(Metrics::new()),
        )
    }

    fn since_zero() -> Subscribe {
        Subscribe::Since {
            since: 0,
            epoch: None,
            format: Mode::Delta,
        }
    }

    fn event(line: &Bytes) -> StreamEvent {
        serde_json::from_slice(line).unwrap()
    }

    #[test]
    fn a_lost_history_ends_delta_streams_and_hands_window_clients_the_new_one() {
        let hub = hub();
        let mut delta = hub.subscribe(since_zero(), None).unwrap();
        let mut window = hub.subscribe(Subscribe::Window, None).unwrap();
        delta.rx.try_recv().unwrap(); // hello
        window.rx.try_recv().unwrap(); // first window

        hub.reset("new".into(), vec![message(1)], 1);
        assert_eq!(
            event(&delta.rx.try_recv().unwrap()),
            StreamEvent::Bye {
                reason: "history reset".into()
            }
        );
        assert!(
            matches!(
                delta.rx.try_recv(),
                Err(mpsc::error::TryRecvError::Disconnected)
            ),
            "the delta stream ends"
        );
        let line: common::WindowLine =
            serde_json::from_slice(&window.rx.try_recv().unwrap()).unwrap();
        assert_eq!(line.msg, vec![message(1)]);
        assert_eq!(hub.client_count(), 1, "the window client stays");

        // A client coming back with the old epoch gets the new history whole.
        let mut back = hub
            .subscribe(
                Subscribe::Since {
                    since: 2,
                    epoch: Some("old".into()),
                    format: Mode::Delta,
                },
                None,
            )
            .unwrap();
        match event(&back.rx.try_recv().unwrap()) {
            StreamEvent::Hello {
                epoch, reset, msgs, ..
            } => {
                assert_eq!(epoch, "new");
                assert!(reset);
                assert_eq!(msgs, vec![message(1)]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn degraded_state_reaches_open_and_new_delta_streams_only_on_change() {
        let hub = hub();
        let mut open = hub.subscribe(since_zero(), None).unwrap();
        let mut window = hub.subscribe(Subscribe::Window, None).unwrap();
        open.rx.try_recv().unwrap();
        window.rx.try_recv().unwrap();

        hub.store_state(Some("down"));
        hub.store_state(Some("down")); // no change, no second line
        assert_eq!(
            event(&open.rx.try_recv().unwrap()),
            StreamEvent::Status {
                degraded: true,
                reason: "down".into()
            }
        );
        assert!(open.rx.try_recv().is_err());
        assert!(
            window.rx.try_recv().is_err(),
            "window clients get no status"
        );

        let mut late = hub.subscribe(since_zero(), None).unwrap();
        assert!(matches!(
            event(&late.rx.try_recv().unwrap()),
            StreamEvent::Hello { .. }
        ));
        assert!(matches!(
            event(&late.rx.try_recv().unwrap()),
            StreamEvent::Status { degraded: true, .. }
        ));

        hub.store_state(None);
        assert!(matches!(
            event(&open.rx.try_recv().unwrap()),
            StreamEvent::Status {
                degraded: false,
                ..
            }
        ));
    }

    #[test]
    fn one_event_in_every_format() {
        let lines = wire_formats(Bytes::from_static(b"{\"type\":\"x\"}\n"), Some(7), true);
        assert_eq!(lines.delta.unwrap(), "{\"type\":\"x\"}\n");
        assert_eq!(lines.ws.unwrap(), "{\"type\":\"x\"}");
        assert_eq!(
            lines.sse.unwrap(),
            "retry: 2000\nid: 7\ndata: {\"type\":\"x\"}\n\n"
        );
        assert!(lines.window.is_none());
    }
}
