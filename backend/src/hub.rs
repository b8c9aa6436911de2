//! The hub: where committed messages reach every open stream.
//!
//! The recent window and the registry sit under one lock. The store's writer thread hands
//! over each committed group in id order ([`Hub::committed`]), so fan-out order equals id
//! order; a new stream's first line and its registration happen at one instant, so it sees
//! no gap and no duplicate; and the cached window line always matches the window.

use crate::client_stream::{ClientStream, Registration};
use crate::registry::{ClientId, Fanout, Mode, Registry};
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
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where a new stream starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscribe {
    /// Plain `GET /msgs`: every line is the whole window.
    Window,
    /// `GET /msgs?since=ID[&epoch=E]`: deltas after `since`, if `epoch` (when given) is ours.
    Since { since: u64, epoch: Option<String> },
}

#[derive(Debug)]
struct Inner {
    window: RecentWindow,
    registry: Registry,
    /// `{"msg":[window]}\n`, rebuilt once per post and shared by every window-mode client.
    window_line: Bytes,
    /// Set at shutdown: new streams get their first line and end at once.
    closed: bool,
}

#[derive(Debug)]
pub struct Hub {
    inner: Mutex<Inner>,
    epoch: String,
    heartbeat_ms: u64,
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
    ) -> Arc<Self> {
        let window_line = window_line(&window);
        Arc::new(Self {
            inner: Mutex::new(Inner {
                window,
                registry: Registry::new(client_queue),
                window_line,
                closed: false,
            }),
            epoch,
            heartbeat_ms: heartbeat.as_millis() as u64,
        })
    }

    pub fn epoch(&self) -> &str {
        &self.epoch
    }

    /// Opens a stream: computes its first line and registers it in one step.
    pub fn subscribe(self: &Arc<Self>, request: Subscribe) -> ClientStream {
        let mut inner = self.inner.lock();
        let (mode, first_line) = match &request {
            Subscribe::Window => (Mode::Window, inner.window_line.clone()),
            Subscribe::Since { since, epoch } => {
                let resume = match epoch {
                    Some(e) if *e != self.epoch => {
                        Resume::Reset(inner.window.window().iter().cloned().collect())
                    }
                    _ => inner.window.resume(*since),
                };
                let (reset, msgs) = match resume {
                    Resume::Delta(msgs) => (false, msgs),
                    Resume::Reset(msgs) => (true, msgs),
                };
                let hello = StreamEvent::Hello {
                    epoch: self.epoch.clone(),
                    reset,
                    heartbeat_ms: self.heartbeat_ms,
                    msgs,
                };
                (Mode::Delta, Bytes::from(encode_line(&hello)))
            }
        };
        let (id, rx) = inner.registry.register(mode, first_line);
        if inner.closed {
            inner.registry.remove(id);
        }
        let clients = inner.registry.len();
        drop(inner);
        tracing::info!(client = id, ?request, clients, "stream opened");
        ClientStream::new(rx, Registration::new(Arc::downgrade(self), id))
    }

    /// Sends the heartbeat: window-mode clients get the window again (their every line must
    /// be `{"msg":[...]}`), delta clients a small heartbeat line.
    pub fn heartbeat(&self) -> Fanout {
        let delta = Bytes::from(encode_line(&StreamEvent::Heartbeat { time: now_ms() }));
        let mut inner = self.inner.lock();
        let window = inner.window_line.clone();
        let fanout = inner.registry.broadcast(&window, &delta);
        let clients = inner.registry.len();
        drop(inner);
        log_cuts(&fanout, clients);
        fanout
    }

    /// Open streams right now.
    pub fn client_count(&self) -> usize {
        self.inner.lock().registry.len()
    }

    /// The recent window, oldest first.
    pub fn window(&self) -> Vec<Message> {
        self.inner.lock().window.window().iter().cloned().collect()
    }

    /// Ends every open stream (after what is queued), e.g. at shutdown.
    /// Tells delta clients the server is going away (a `bye` line), then ends every stream
    /// after what is queued. New streams opened afterwards end right after their first line,
    /// so reconnecting clients cannot hold a stopping server open.
    pub fn close_all(&self) {
        let bye = Bytes::from(encode_line(&StreamEvent::Bye {
            reason: "shutdown".into(),
        }));
        let mut inner = self.inner.lock();
        inner.closed = true;
        // Window-mode clients keep the course contract (every line is a window): no bye.
        inner.registry.broadcast_to(Mode::Delta, &bye);
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
    /// Appends a committed group to the window and offers it to every open stream: one
    /// `msgs` line and one window line for the whole group, shared by all clients.
    fn committed(&self, messages: &[Message]) {
        if messages.is_empty() {
            return;
        }
        let delta = Bytes::from(encode_line(&MsgsRef {
            kind: "msgs",
            msgs: messages,
        }));
        let mut inner = self.inner.lock();
        for message in messages {
            inner.window.push(message.clone());
        }
        inner.window_line = window_line(&inner.window);
        let window = inner.window_line.clone();
        let fanout = inner.registry.broadcast(&window, &delta);
        let clients = inner.registry.len();
        drop(inner);
        log_cuts(&fanout, clients);
        tracing::debug!(
            last = messages.last().map(|m| m.id),
            delivered = fanout.delivered,
            "group fanned out"
        );
    }

    fn retained(&self, first_kept: u64) {
        let mut inner = self.inner.lock();
        inner.window.forget_before(first_kept);
        inner.window_line = window_line(&inner.window);
    }
}

/// `{"type":"msgs","msgs":[...]}` from a borrowed slice (no clone of the messages).
#[derive(Serialize)]
struct MsgsRef<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    msgs: &'a [Message],
}

fn log_cuts(fanout: &Fanout, clients: usize) {
    for id in &fanout.cut {
        tracing::warn!(
            client = id,
            clients,
            "slow consumer: queue full, stream cut"
        );
    }
}
