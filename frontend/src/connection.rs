//! The live connection: `GET /msgs?since=…` read line by line, reconnected with backoff
//! whenever it ends, and cancelled for good by [`Connection::stop`].
//!
//! Dropping a `ReadableStream` reader only releases its lock; the HTTP/2 stream would stay
//! open. So every fetch carries an `AbortController`, and stopping aborts it.

use crate::backoff;
use crate::stream_reader::read_lines;
use crate::timeline::Timeline;
use common::StreamEvent;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use web_sys::AbortController;

/// What the presence dot shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// A request is on its way; nothing received yet.
    Connecting,
    /// The stream delivered its first line and is open.
    Live,
    /// The stream ended or failed; a reconnect is scheduled.
    Down,
}

/// Extra time, beyond the announced heartbeat interval, before a silent stream counts as dead.
const STALE_MARGIN_MS: f64 = 5_000.0;

struct Inner {
    stopped: Cell<bool>,
    abort: RefCell<Option<AbortController>>,
    /// `Date.now()` of the last line; the watchdog compares it with the heartbeat promise.
    last_line_at: Cell<f64>,
    heartbeat_ms: Cell<f64>,
}

/// Handle to the running connection. Cloning shares it.
#[derive(Clone)]
pub struct Connection {
    inner: Rc<Inner>,
}

impl Connection {
    /// Starts connecting in the background; lines update `timeline`, state goes to `presence`.
    pub fn start(timeline: RwSignal<Timeline>, presence: RwSignal<Presence>) -> Self {
        let connection = Self {
            inner: Rc::new(Inner {
                stopped: Cell::new(false),
                abort: RefCell::new(None),
                last_line_at: Cell::new(js_sys::Date::now()),
                heartbeat_ms: Cell::new(0.0),
            }),
        };
        let runner = connection.clone();
        leptos::task::spawn_local(async move { runner.run(timeline, presence).await });
        let watchdog = connection.clone();
        leptos::task::spawn_local(async move { watchdog.watch(presence).await });
        connection
    }

    /// Cancels the current fetch and stops reconnecting.
    pub fn stop(&self) {
        self.inner.stopped.set(true);
        self.abort_current();
    }

    fn abort_current(&self) {
        if let Some(controller) = self.inner.abort.borrow_mut().take() {
            controller.abort();
        }
    }

    async fn run(&self, timeline: RwSignal<Timeline>, presence: RwSignal<Presence>) {
        let mut attempt: u32 = 0;
        while !self.inner.stopped.get() {
            presence.set(Presence::Connecting);
            match self.read_once(timeline, presence).await {
                Ok(true) => attempt = 0,
                Ok(false) => {}
                Err(why) if !self.inner.stopped.get() => {
                    leptos::logging::warn!("message stream: {why}")
                }
                Err(_) => {}
            }
            if self.inner.stopped.get() {
                break;
            }
            presence.set(Presence::Down);
            let delay = backoff::delay(attempt, js_sys::Math::random());
            attempt = attempt.saturating_add(1);
            TimeoutFuture::new(delay.as_millis() as u32).await;
        }
    }

    /// One fetch, read to its end. `Ok(true)` when at least one line arrived (so the next
    /// reconnect starts with a short delay again).
    async fn read_once(
        &self,
        timeline: RwSignal<Timeline>,
        presence: RwSignal<Presence>,
    ) -> Result<bool, String> {
        let controller = AbortController::new().map_err(|e| format!("{e:?}"))?;
        let signal = controller.signal();
        *self.inner.abort.borrow_mut() = Some(controller);
        let url = format!("/msgs{}", timeline.with_untracked(Timeline::resume_query));
        let response = gloo_net::http::Request::get(&url)
            .abort_signal(Some(&signal))
            .send()
            .await
            .map_err(|e| format!("cannot connect: {e}"))?;
        if !response.ok() {
            return Err(format!("server answered HTTP {}", response.status()));
        }
        let body = response.body().ok_or("response has no body")?;
        let mut got_line = false;
        let result = read_lines(body, |line| {
            self.inner.last_line_at.set(js_sys::Date::now());
            match serde_json::from_str::<StreamEvent>(line) {
                Ok(event) => {
                    if let StreamEvent::Hello { heartbeat_ms, .. } = &event {
                        self.inner.heartbeat_ms.set(*heartbeat_ms as f64);
                    }
                    got_line = true;
                    presence.set(Presence::Live);
                    timeline.update(|t| {
                        t.apply(event);
                    });
                }
                Err(err) => leptos::logging::warn!("ignoring an unreadable line: {err}"),
            }
        })
        .await;
        self.inner.abort.borrow_mut().take();
        result.map_err(|e| e.to_string())?;
        Ok(got_line)
    }

    /// Aborts a live stream that stayed silent well past the announced heartbeat interval:
    /// a sleeping laptop or a dead route does not always error the fetch by itself.
    async fn watch(&self, presence: RwSignal<Presence>) {
        while !self.inner.stopped.get() {
            TimeoutFuture::new(1_000).await;
            let heartbeat = self.inner.heartbeat_ms.get();
            if heartbeat <= 0.0 || presence.get_untracked() != Presence::Live {
                continue;
            }
            let silent_for = js_sys::Date::now() - self.inner.last_line_at.get();
            if silent_for > heartbeat + STALE_MARGIN_MS {
                leptos::logging::warn!("no line for {silent_for} ms: reconnecting");
                self.abort_current();
            }
        }
    }
}
