//! The live connection: the chosen transport read event by event, reconnected with backoff
//! whenever it ends, and cancelled for good by [`Connection::stop`].
//!
//! Every transport carries every room the reader may read (a guest: the lobby).
//!
//! - `stream` (default): `fetch("/api/stream?since=…")` read through `ReadableStream`. Dropping a
//!   reader only releases its lock, so every fetch carries an `AbortController` that
//!   stopping aborts. If the headers arrive but no line follows within
//!   [`FIRST_LINE_MS`], something between us and the server buffers the body: we switch to
//!   SSE by ourselves and say so.
//! - `sse`: `EventSource("/api/stream/events?…")`, which also reconnects by itself and resumes
//!   with `Last-Event-ID`.
//! - `ws`: `WebSocket("/api/stream/ws?…")`.

use crate::backoff;
use crate::presence::Presence;
use crate::rooms::Rooms;
use crate::stream_reader::{read_lines_with_deadline, ReadError};
use crate::typists::Typists;
use common::{StreamEvent, Transport};
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, EventSource, MessageEvent, WebSocket};

/// The state of the page's link to the server, which the link dot shows (who else is
/// online is [`crate::presence::Presence`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// A connection is being set up; nothing received yet.
    Connecting,
    /// The connection delivered an event and is open.
    Live,
    /// The connection ended or failed; a reconnect is under way.
    Down,
}

/// The transport the page reads, from its location's search string: `?transport=sse` or
/// `?transport=ws`, the HTTP/2 stream otherwise. The page always asks for deltas, so the
/// course's `window` form is never chosen.
pub fn transport_from_search(search: &str) -> Transport {
    let value = search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("transport="));
    match value.and_then(Transport::from_name) {
        Some(Transport::Sse) => Transport::Sse,
        Some(Transport::Ws) => Transport::Ws,
        _ => Transport::Stream,
    }
}

/// Time from the stream's response headers to its first line before we conclude a proxy
/// is buffering it: the server's default heartbeat interval (15 s) plus a margin.
pub const FIRST_LINE_MS: u32 = 20_000;

/// Extra time, beyond the announced heartbeat interval, before a silent connection counts
/// as dead.
const STALE_MARGIN_MS: f64 = 5_000.0;

/// The signals a connection drives and the page shows. [`crate::components::App`] provides
/// them as context; components read them with `expect_context::<ConnectionSignals>()`.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionSignals {
    /// Every readable room and its messages.
    pub rooms: RwSignal<Rooms>,
    pub link: RwSignal<Link>,
    pub transport: RwSignal<Transport>,
    /// A sentence for the user when the client changed something by itself.
    pub notice: RwSignal<Option<String>>,
    /// The server's reason while it cannot store messages (its store is unreachable).
    pub degraded: RwSignal<Option<String>>,
    /// Who is typing where (`typing` events; never part of the rooms' history).
    pub typists: RwSignal<Typists>,
    /// Who is online (`presence` events).
    pub presence: RwSignal<Presence>,
}

/// The one open connection, whatever its kind.
enum Active {
    Fetch(AbortController),
    Sse(EventSource),
    Ws(WebSocket),
}

impl Active {
    fn cancel(self) {
        match self {
            Self::Fetch(controller) => controller.abort(),
            Self::Sse(source) => source.close(),
            Self::Ws(socket) => {
                let _ = socket.close();
            }
        }
    }
}

struct Inner {
    stopped: Cell<bool>,
    active: RefCell<Option<Active>>,
    /// Resolves the promise an EventSource/WebSocket read is waiting on.
    wake: RefCell<Option<js_sys::Function>>,
    /// `Date.now()` of the last event; the watchdog compares it with the heartbeat promise.
    last_event_at: Cell<f64>,
    heartbeat_ms: Cell<f64>,
    first_line_ms: Cell<u32>,
}

/// Handle to the running connection. Cloning shares it.
#[derive(Clone)]
pub struct Connection {
    inner: Rc<Inner>,
}

enum Failure {
    /// The HTTP/2 stream stayed silent after its headers.
    Silent(u32),
    Other(String),
}

impl Connection {
    /// Starts connecting in the background.
    pub fn start(signals: ConnectionSignals) -> Self {
        Self::start_with(signals, FIRST_LINE_MS)
    }

    /// [`Connection::start`] with another first-line deadline (tests use a short one).
    pub fn start_with(signals: ConnectionSignals, first_line_ms: u32) -> Self {
        let connection = Self {
            inner: Rc::new(Inner {
                stopped: Cell::new(false),
                active: RefCell::new(None),
                wake: RefCell::new(None),
                last_event_at: Cell::new(js_sys::Date::now()),
                heartbeat_ms: Cell::new(0.0),
                first_line_ms: Cell::new(first_line_ms),
            }),
        };
        let runner = connection.clone();
        leptos::task::spawn_local(async move { runner.run(signals).await });
        let watchdog = connection.clone();
        leptos::task::spawn_local(async move { watchdog.watch(signals.link).await });
        connection
    }

    /// Closes the current connection and stops reconnecting.
    pub fn stop(&self) {
        self.inner.stopped.set(true);
        self.cancel_current();
    }

    fn cancel_current(&self) {
        if let Some(active) = self.inner.active.borrow_mut().take() {
            active.cancel();
        }
        if let Some(wake) = self.inner.wake.borrow_mut().take() {
            let _ = wake.call0(&JsValue::NULL);
        }
    }

    async fn run(&self, s: ConnectionSignals) {
        let mut attempt: u32 = 0;
        while !self.inner.stopped.get() {
            s.link.set(Link::Connecting);
            let outcome = match s.transport.get_untracked() {
                Transport::Sse => self.read_events(s, Transport::Sse).await,
                Transport::Ws => self.read_events(s, Transport::Ws).await,
                // The page reads deltas on the HTTP/2 stream, never the course's window form.
                Transport::Stream | Transport::Window => self.read_stream(s).await,
            };
            if self.inner.stopped.get() {
                break;
            }
            match outcome {
                Ok(true) => attempt = 0,
                Ok(false) => {}
                Err(Failure::Silent(ms)) => {
                    s.transport.set(Transport::Sse);
                    s.notice.set(Some(format!(
                        "The HTTP/2 stream delivered nothing for {} s (a buffering proxy?): switched to Server-Sent Events.",
                        ms / 1000
                    )));
                    continue;
                }
                Err(Failure::Other(why)) => leptos::logging::warn!("message connection: {why}"),
            }
            s.link.set(Link::Down);
            let delay = backoff::delay(attempt, js_sys::Math::random());
            attempt = attempt.saturating_add(1);
            TimeoutFuture::new(delay.as_millis() as u32).await;
        }
    }

    /// Applies one event's JSON; returns whether it was a stream event.
    fn handle_text(&self, text: &str, s: ConnectionSignals) -> bool {
        self.inner.last_event_at.set(js_sys::Date::now());
        match StreamEvent::from_json(text) {
            Ok(StreamEvent::Unknown) => false,
            Ok(event) => {
                match &event {
                    StreamEvent::Hello { heartbeat_ms, .. } => {
                        self.inner.heartbeat_ms.set(*heartbeat_ms as f64);
                        // A degraded server says so right after the hello.
                        s.degraded.set(None);
                    }
                    StreamEvent::Status { degraded, reason } => {
                        s.degraded.set(degraded.then(|| reason.clone()));
                    }
                    StreamEvent::Typing { id, account, user } => {
                        let now = js_sys::Date::now();
                        s.typists.update(|t| t.saw(*id, account, user, now));
                        set_if_changed(s.link, Link::Live);
                        return true;
                    }
                    StreamEvent::Presence { .. } => {
                        s.presence.maybe_update(|p| p.apply(&event));
                        set_if_changed(s.link, Link::Live);
                        return true;
                    }
                    StreamEvent::Msgs { msgs } => {
                        // Whoever posted is done typing that message.
                        s.typists.maybe_update(|t| {
                            msgs.iter().fold(false, |changed, m| match &m.account {
                                Some(account) => t.posted(m.room, account) || changed,
                                None => changed,
                            })
                        });
                    }
                    _ => {}
                }
                set_if_changed(s.link, Link::Live);
                // Only a change notifies: a heartbeat re-runs nothing on the page.
                s.rooms.maybe_update(|r| r.apply(event));
                true
            }
            Err(err) => {
                leptos::logging::warn!("ignoring an unreadable event: {err}");
                false
            }
        }
    }

    /// One fetch of the HTTP/2 stream, read to its end. `Ok(true)` if an event arrived.
    async fn read_stream(&self, s: ConnectionSignals) -> Result<bool, Failure> {
        let controller = AbortController::new().map_err(|e| Failure::Other(format!("{e:?}")))?;
        let signal = controller.signal();
        *self.inner.active.borrow_mut() = Some(Active::Fetch(controller));
        let url = format!("/api/stream{}", s.rooms.with_untracked(Rooms::resume_query));
        let response = gloo_net::http::Request::get(&url)
            .abort_signal(Some(&signal))
            .send()
            .await
            .map_err(|e| Failure::Other(format!("cannot connect: {e}")))?;
        if !response.ok() {
            return Err(Failure::Other(format!(
                "server answered HTTP {}",
                response.status()
            )));
        }
        let body = response
            .body()
            .ok_or_else(|| Failure::Other("response has no body".into()))?;
        let mut got = false;
        let deadline = Some(self.inner.first_line_ms.get());
        let result = read_lines_with_deadline(body, deadline, |line| {
            got |= self.handle_text(line, s);
        })
        .await;
        self.inner.active.borrow_mut().take();
        match result {
            Ok(()) => Ok(got),
            Err(ReadError::Silent(ms)) => Err(Failure::Silent(ms)),
            Err(err) => Err(Failure::Other(err.to_string())),
        }
    }

    /// One EventSource or WebSocket, until it closes for good. `Ok(true)` if an event arrived.
    async fn read_events(
        &self,
        s: ConnectionSignals,
        transport: Transport,
    ) -> Result<bool, Failure> {
        let query = s.rooms.with_untracked(Rooms::resume_query);
        let got = Rc::new(Cell::new(false));
        let mut wake = None;
        let finished = js_sys::Promise::new(&mut |resolve, _| wake = Some(resolve));
        *self.inner.wake.borrow_mut() = wake;

        let on_message = {
            let (this, got) = (self.clone(), got.clone());
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                if let Some(text) = event.data().as_string() {
                    if this.handle_text(&text, s) {
                        got.set(true);
                    }
                }
            })
        };
        let on_end = {
            let this = self.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                let closed_for_good = match this.inner.active.borrow().as_ref() {
                    Some(Active::Sse(source)) => source.ready_state() == EventSource::CLOSED,
                    _ => true,
                };
                if closed_for_good {
                    if let Some(wake) = this.inner.wake.borrow_mut().take() {
                        let _ = wake.call0(&JsValue::NULL);
                    }
                } else {
                    // EventSource reconnects by itself, resuming with Last-Event-ID.
                    s.link.set(Link::Down);
                }
            })
        };

        let opened = match transport {
            Transport::Sse => {
                EventSource::new(&format!("/api/stream/events{query}")).map(|source| {
                    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
                    source.set_onerror(Some(on_end.as_ref().unchecked_ref()));
                    Active::Sse(source)
                })
            }
            _ => WebSocket::new(&websocket_url(&query)).map(|socket| {
                socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
                socket.set_onclose(Some(on_end.as_ref().unchecked_ref()));
                Active::Ws(socket)
            }),
        };
        let active = opened
            .map_err(|e| Failure::Other(format!("cannot open {}: {e:?}", transport.label())))?;
        *self.inner.active.borrow_mut() = Some(active);
        let _ = JsFuture::from(finished).await;
        if let Some(active) = self.inner.active.borrow_mut().take() {
            active.cancel();
        }
        // The closures must outlive every callback the browser could still make.
        drop((on_message, on_end));
        Ok(got.get())
    }

    /// Closes a live connection that stayed silent well past the announced heartbeat
    /// interval: a sleeping laptop or a dead route does not always error it by itself.
    async fn watch(&self, link: RwSignal<Link>) {
        while !self.inner.stopped.get() {
            TimeoutFuture::new(1_000).await;
            let heartbeat = self.inner.heartbeat_ms.get();
            if heartbeat <= 0.0 || link.get_untracked() != Link::Live {
                continue;
            }
            let silent_for = js_sys::Date::now() - self.inner.last_event_at.get();
            if silent_for > heartbeat + STALE_MARGIN_MS {
                // Whole milliseconds: formatting an f64 would pull float printing into the wasm.
                leptos::logging::warn!("nothing for {} ms: reconnecting", silent_for as u64);
                self.cancel_current();
            }
        }
    }
}

/// Sets `signal` to `value`, notifying its readers only if that is a change.
fn set_if_changed<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    signal.maybe_update(|current| {
        let changed = *current != value;
        *current = value;
        changed
    });
}

/// `wss://host/api/stream/ws?…` for the page's own origin (`ws://` behind `trunk serve`).
pub fn websocket_url(query: &str) -> String {
    let location = web_sys::window().map(|w| w.location());
    let (protocol, host) = location
        .map(|l| {
            (
                l.protocol().unwrap_or_default(),
                l.host().unwrap_or_default(),
            )
        })
        .unwrap_or_default();
    let scheme = if protocol == "http:" { "ws" } else { "wss" };
    format!("{scheme}://{host}/api/stream/ws{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_from_the_query_string() {
        assert_eq!(transport_from_search(""), Transport::Stream);
        assert_eq!(transport_from_search("?transport=sse"), Transport::Sse);
        assert_eq!(transport_from_search("?a=1&transport=ws"), Transport::Ws);
        assert_eq!(
            transport_from_search("?transport=pigeon"),
            Transport::Stream
        );
        assert_eq!(
            transport_from_search("?transport=window"),
            Transport::Stream
        );
    }
}
