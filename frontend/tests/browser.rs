//! Runs in headless Chromium: `cargo xtask test` (or wasm-bindgen-test-runner directly).

use common::{HistoryPage, Message, StreamEvent, Transport};
use frontend::components::{new_signals, ChatView};
use frontend::connection::{Connection, ConnectionSignals, Link};
use frontend::rooms::Rooms;
use frontend::session::{Identity, Session};
use frontend::stream_reader::{read_lines, read_lines_with_deadline, ReadError};
use gloo_timers::future::TimeoutFuture;
use js_sys::{Array, Function, Uint8Array};
use leptos::prelude::*;
use leptos_router::components::Router;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, ReadableStream};

wasm_bindgen_test_configure!(run_in_browser);

/// A `ReadableStream` that hands out exactly these chunks, one per read.
fn stream_of(chunks: &[Vec<u8>]) -> ReadableStream {
    let array = Array::new();
    for chunk in chunks {
        array.push(&Uint8Array::from(chunk.as_slice()));
    }
    let make = Function::new_with_args(
        "chunks",
        "return new ReadableStream({ pull(c) { if (chunks.length) { c.enqueue(chunks.shift()); } else { c.close(); } } });",
    );
    make.call1(&JsValue::NULL, &array).unwrap().unchecked_into()
}

/// A stream that delivers `first` and then fails, like a dropped connection.
fn failing_stream(first: &[u8]) -> ReadableStream {
    let make = Function::new_with_args(
        "first",
        "let sent = false; return new ReadableStream({ pull(c) { if (!sent) { sent = true; c.enqueue(first); } else { c.error(new TypeError('network error')); } } });",
    );
    make.call1(&JsValue::NULL, &Uint8Array::from(first))
        .unwrap()
        .unchecked_into()
}

fn message(id: u64, text: &str) -> Message {
    Message {
        id,
        user: "zoë".into(),
        text: text.into(),
        time: 1_700_000_000_000,
        ..Default::default()
    }
}

fn sample_stream() -> (Vec<u8>, Vec<String>) {
    let events = [
        StreamEvent::Hello {
            epoch: "e".into(),
            reset: false,
            heartbeat_ms: 15_000,
            msgs: vec![message(1, "héllo 🦀 wörld")],
            older: true,
            rooms: None,
        },
        StreamEvent::Msgs {
            msgs: vec![message(2, "€uro ✓ 日本語")],
        },
        StreamEvent::Heartbeat { time: 5 },
        StreamEvent::Msgs {
            msgs: vec![message(3, "last 🦀")],
        },
    ];
    let lines: Vec<String> = events
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect();
    let bytes = lines
        .iter()
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .into_bytes();
    (bytes, lines)
}

async fn collect(stream: ReadableStream) -> (Vec<String>, Result<(), ReadError>) {
    let mut lines = Vec::new();
    let result = read_lines(stream, |line| lines.push(line.to_owned())).await;
    (lines, result)
}

#[wasm_bindgen_test]
async fn reader_survives_every_two_way_split_including_inside_characters() {
    let (bytes, expected) = sample_stream();
    let mut inside_a_char = 0;
    for cut in 1..bytes.len() {
        if std::str::from_utf8(&bytes[..cut]).is_err() {
            inside_a_char += 1;
        }
        let (lines, result) =
            collect(stream_of(&[bytes[..cut].to_vec(), bytes[cut..].to_vec()])).await;
        assert_eq!(result, Ok(()), "cut at {cut}");
        assert_eq!(lines, expected, "cut at {cut}");
    }
    assert!(
        inside_a_char > 10,
        "the sample must exercise split characters"
    );
}

#[wasm_bindgen_test]
async fn reader_handles_one_byte_chunks_and_all_lines_in_one_chunk() {
    let (bytes, expected) = sample_stream();
    let single_bytes: Vec<Vec<u8>> = bytes.iter().map(|b| vec![*b]).collect();
    let (lines, result) = collect(stream_of(&single_bytes)).await;
    assert_eq!(result, Ok(()));
    assert_eq!(lines, expected);

    let (lines, result) = collect(stream_of(std::slice::from_ref(&bytes))).await;
    assert_eq!(result, Ok(()));
    assert_eq!(lines, expected);
}

#[wasm_bindgen_test]
async fn reader_reports_truncation_and_network_errors() {
    let (lines, result) = collect(stream_of(&[b"{\"a\":1}\n{\"b\"".to_vec()])).await;
    assert_eq!(lines, vec!["{\"a\":1}".to_owned()]);
    assert_eq!(result, Err(ReadError::Truncated(4)));

    let (lines, result) = collect(failing_stream(b"{\"ok\":true}\n")).await;
    assert_eq!(lines, vec!["{\"ok\":true}".to_owned()]);
    match result {
        Err(ReadError::Read(why)) => assert!(why.contains("network error"), "{why}"),
        other => panic!("expected a read error, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn lines_drive_the_timeline_as_the_connection_does() {
    let (bytes, _) = sample_stream();
    let mut rooms = Rooms::default();
    let (lines, _) = collect(stream_of(&[bytes])).await;
    for line in lines {
        rooms.apply(serde_json::from_str(&line).unwrap());
    }
    let ids: Vec<u64> = rooms.messages(0).iter().map(|m| m.id).collect();
    assert_eq!(ids, vec![1, 2, 3]);
    assert_eq!(rooms.resume_query(), "?since=3&epoch=e");
}

fn mount_chat() -> (HtmlElement, RwSignal<Rooms>, RwSignal<Link>) {
    let (host, signals) = mount_signals();
    (host, signals.rooms, signals.link)
}

fn mount_signals() -> (HtmlElement, ConnectionSignals) {
    let document = web_sys::window().unwrap().document().unwrap();
    let host: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();
    let signals = new_signals();
    let handle = leptos::mount::mount_to(host.clone(), move || {
        provide_context(signals);
        provide_context(Session::new(Identity::Guest, None));
        view! { <Router><ChatView /></Router> }
    });
    handle.forget();
    (host, signals)
}

async fn settle() {
    TimeoutFuture::new(30).await;
}

fn query(host: &HtmlElement, selector: &str) -> Vec<HtmlElement> {
    let list = host.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into())
        .collect()
}

#[wasm_bindgen_test]
async fn chat_renders_messages_as_text_and_the_link_state() {
    let (host, timeline, link) = mount_chat();
    settle().await;
    let dot = &query(&host, ".link-dot")[0];
    assert_eq!(
        dot.get_attribute("data-state").as_deref(),
        Some("connecting")
    );
    assert_eq!(query(&host, ".message").len(), 0);
    assert_eq!(query(&host, ".empty").len(), 1);

    let hostile = "<img src=x onerror=alert(1)>";
    timeline.update(|t| {
        t.apply(StreamEvent::Hello {
            epoch: "e".into(),
            reset: false,
            heartbeat_ms: 15_000,
            msgs: vec![message(1, "first\nsecond line"), message(2, hostile)],
            older: true,
            rooms: None,
        });
    });
    link.set(Link::Live);
    settle().await;

    let items = query(&host, ".message");
    assert_eq!(items.len(), 2);
    assert_eq!(query(&host, ".empty").len(), 0);
    let texts: Vec<String> = query(&host, ".message .text")
        .iter()
        .map(|e| e.text_content().unwrap())
        .collect();
    assert_eq!(
        texts,
        vec!["first\nsecond line".to_owned(), hostile.to_owned()]
    );
    assert!(
        query(&host, ".messages img").is_empty(),
        "user text became HTML"
    );
    assert_eq!(
        query(&host, ".message .user")[0].text_content().unwrap(),
        "zoë"
    );
    assert_eq!(
        query(&host, ".message .time")[0]
            .text_content()
            .unwrap()
            .len(),
        5
    );
    assert_eq!(dot.get_attribute("data-state").as_deref(), Some("live"));

    timeline.update(|t| {
        t.apply(StreamEvent::Msgs {
            msgs: vec![message(3, "third")],
        });
    });
    link.set(Link::Down);
    settle().await;
    assert_eq!(query(&host, ".message").len(), 3);
    assert_eq!(dot.get_attribute("data-state").as_deref(), Some("down"));
    host.remove();
}

fn shown(host: &HtmlElement) -> Vec<(String, String)> {
    query(host, ".message")
        .iter()
        .map(|li| {
            let text = li.query_selector(".text").unwrap().unwrap().text_content();
            (li.get_attribute("data-id").unwrap(), text.unwrap())
        })
        .collect()
}

#[wasm_bindgen_test]
async fn older_pages_render_above_and_a_reset_replaces_the_rows() {
    let (host, timeline, _link) = mount_chat();
    timeline.update(|t| {
        t.apply(StreamEvent::Msgs {
            msgs: vec![message(5, "five"), message(6, "six")],
        });
    });
    settle().await;
    let older = || {
        query(&host, ".older")[0]
            .get_attribute("data-state")
            .unwrap()
    };
    assert_eq!(older(), "available");

    timeline.update(|t| {
        t.timeline_mut(0).prepend(HistoryPage {
            msgs: vec![message(3, "three"), message(4, "four")],
            more: false,
        });
    });
    settle().await;
    let expected: Vec<(String, String)> = [(3, "three"), (4, "four"), (5, "five"), (6, "six")]
        .iter()
        .map(|(id, text)| (id.to_string(), text.to_string()))
        .collect();
    assert_eq!(shown(&host), expected);
    assert_eq!(older(), "beginning");

    timeline.update(|t| {
        t.apply(StreamEvent::Hello {
            epoch: "new".into(),
            reset: true,
            heartbeat_ms: 15_000,
            msgs: vec![message(1, "one")],
            older: true,
            rooms: None,
        });
    });
    settle().await;
    assert_eq!(shown(&host), vec![("1".to_owned(), "one".to_owned())]);
    assert_eq!(older(), "beginning");
    host.remove();
}

#[wasm_bindgen_test]
async fn refused_message_shows_the_reason_and_keeps_the_text() {
    let (host, _timeline, _link) = mount_chat();
    settle().await;
    let textarea: web_sys::HtmlTextAreaElement =
        query(&host, "textarea.text")[0].clone().unchecked_into();
    let user: web_sys::HtmlInputElement = query(&host, "input.user")[0].clone().unchecked_into();
    user.set_value("");
    user.dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    textarea.set_value("hello there");
    textarea
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    query(&host, "button.send")[0].click();
    settle().await;
    let error = &query(&host, ".error")[0];
    assert!(!error.hidden());
    assert_eq!(error.text_content().unwrap(), "user must not be empty");
    assert_eq!(textarea.value(), "hello there");
    host.remove();
}

/// Runs `source` (JS) in the page; used to put scripted fakes in place of browser APIs.
fn page_script(source: &str) -> JsValue {
    Function::new_no_args(source).call0(&JsValue::NULL).unwrap()
}

fn events_json() -> (String, String) {
    let hello = serde_json::to_string(&StreamEvent::Hello {
        epoch: "ep".into(),
        reset: false,
        heartbeat_ms: 15_000,
        msgs: vec![message(1, "from the fake")],
        older: true,
        rooms: None,
    })
    .unwrap();
    let more = serde_json::to_string(&StreamEvent::Msgs {
        msgs: vec![message(2, "second")],
    })
    .unwrap();
    (hello, more)
}

async fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..200 {
        if check() {
            return;
        }
        TimeoutFuture::new(10).await;
    }
    panic!("timed out: {what}");
}

#[wasm_bindgen_test]
async fn reader_deadline_fires_only_on_a_silent_stream() {
    let silent: ReadableStream =
        page_script("return new ReadableStream({ pull() { return new Promise(() => {}); } });")
            .unchecked_into();
    let started = js_sys::Date::now();
    let result = read_lines_with_deadline(silent, Some(200), |_| {}).await;
    assert_eq!(result, Err(ReadError::Silent(200)));
    assert!(js_sys::Date::now() - started < 2000.0);

    let (bytes, expected) = sample_stream();
    let mut lines = Vec::new();
    let result =
        read_lines_with_deadline(stream_of(&[bytes]), Some(200), |l| lines.push(l.to_owned()))
            .await;
    assert_eq!(result, Ok(()));
    assert_eq!(lines, expected);
}

#[wasm_bindgen_test]
async fn stream_transport_falls_back_to_sse_when_the_body_stays_silent() {
    // A "proxy" that sends the headers of /api/stream but holds the body back.
    page_script(
        "window.__realFetch = window.fetch; window.__fetched = [];
         window.fetch = function (req) {
           const url = typeof req === 'string' ? req : req.url;
           window.__fetched.push(url);
           return Promise.resolve(new Response(new ReadableStream({ pull() { return new Promise(() => {}); } })));
         };
         window.__RealEventSource = window.EventSource;
         window.__sources = [];
         window.EventSource = class { constructor(url) { this.url = url; this.readyState = 0; window.__sources.push(url); } close() { this.readyState = 2; } };
         return true;",
    );
    let (host, signals) = mount_signals();
    assert_eq!(signals.transport.get_untracked(), Transport::Stream);
    let connection = Connection::start_with(signals, 300);
    wait_until("fell back to SSE", || {
        signals.transport.get_untracked() == Transport::Sse
    })
    .await;
    wait_until("EventSource opened", || {
        page_script("return window.__sources.length;").as_f64() == Some(1.0)
    })
    .await;
    settle().await;
    let notice = &query(&host, ".notice")[0];
    assert!(!notice.hidden());
    assert!(notice
        .text_content()
        .unwrap()
        .contains("switched to Server-Sent Events"));
    assert_eq!(
        query(&host, ".transport")[0].text_content().unwrap(),
        "Server-Sent Events"
    );
    let fetched = page_script("return window.__fetched[0];")
        .as_string()
        .unwrap();
    // gloo-net appends an empty query pair: `/api/stream?since=0&`.
    assert!(fetched.contains("/api/stream?since=0"), "{fetched}");
    let opened = page_script("return window.__sources[0];")
        .as_string()
        .unwrap();
    assert_eq!(opened, "/api/stream/events?since=0");
    connection.stop();
    page_script("window.fetch = window.__realFetch; window.EventSource = window.__RealEventSource; return true;");
    host.remove();
}

/// Replaces `EventSource` with a stand-in that records each URL in `window.__sources`,
/// keeps the newest instance in `window.__source` (to send it more later), and delivers
/// `events` shortly after it is opened. `window.__RealEventSource` restores the real one.
fn fake_event_source(events: &[String]) {
    let deliveries: String = events
        .iter()
        .map(|data| format!("this.onmessage({{ data: {data:?} }});"))
        .collect();
    page_script(&format!(
        "window.__RealEventSource = window.EventSource;
         window.__sources = [];
         window.EventSource = class {{
           constructor(url) {{
             this.url = url; this.readyState = 0; window.__sources.push(url);
             window.__source = this;
             setTimeout(() => {{ this.readyState = 1; {deliveries} }}, 5);
           }}
           close() {{ this.readyState = 2; }}
         }};
         return true;"
    ));
}

#[wasm_bindgen_test]
async fn sse_transport_feeds_the_timeline() {
    let (hello, more) = events_json();
    fake_event_source(&[hello, more]);
    let (host, signals) = mount_signals();
    signals.transport.set(Transport::Sse);
    let connection = Connection::start(signals);
    wait_until("two messages", || {
        signals.rooms.with_untracked(|r| r.messages(0).len()) == 2
    })
    .await;
    assert_eq!(signals.link.get_untracked(), Link::Live);
    assert_eq!(
        page_script("return window.__sources[0];")
            .as_string()
            .unwrap(),
        "/api/stream/events?since=0"
    );
    connection.stop();
    page_script("window.EventSource = window.__RealEventSource; return true;");
    host.remove();
}

#[wasm_bindgen_test]
async fn websocket_transport_feeds_the_timeline_and_reconnects_where_it_left_off() {
    let (hello, more) = events_json();
    let script = format!(
        "window.__RealWebSocket = window.WebSocket;
         window.__sockets = [];
         window.WebSocket = class {{
           constructor(url) {{
             window.__sockets.push(url);
             const first = window.__sockets.length === 1;
             setTimeout(() => {{
               if (first) {{
                 this.onmessage({{ data: {hello:?} }});
                 this.onmessage({{ data: '{{\"type\":\"posted\",\"msg\":null}}' }});
                 this.onmessage({{ data: {more:?} }});
                 this.onclose({{}});
               }}
             }}, 5);
           }}
           close() {{}}
         }};
         return true;"
    );
    page_script(&script);
    let (host, signals) = mount_signals();
    signals.transport.set(Transport::Ws);
    let connection = Connection::start(signals);
    wait_until("two messages", || {
        signals.rooms.with_untracked(|r| r.messages(0).len()) == 2
    })
    .await;
    wait_until("reconnected", || {
        page_script("return window.__sockets.length;").as_f64() == Some(2.0)
    })
    .await;
    let first = page_script("return window.__sockets[0];")
        .as_string()
        .unwrap();
    assert!(
        first.starts_with("ws://") && first.ends_with("/api/stream/ws?since=0"),
        "{first}"
    );
    let second = page_script("return window.__sockets[1];")
        .as_string()
        .unwrap();
    assert!(
        second.ends_with("/api/stream/ws?since=2&epoch=ep"),
        "{second}"
    );
    connection.stop();
    page_script("window.WebSocket = window.__RealWebSocket; return true;");
    host.remove();
}

#[wasm_bindgen_test]
async fn a_degraded_server_is_shown_until_it_recovers() {
    let (hello, _) = events_json();
    let status = |degraded: bool, reason: &str| {
        serde_json::to_string(&StreamEvent::Status {
            degraded,
            reason: reason.into(),
        })
        .unwrap()
    };
    let down = status(true, "the message store (Redis) is unreachable");
    fake_event_source(&[hello, down]);
    let (host, signals) = mount_signals();
    signals.transport.set(Transport::Sse);
    let connection = Connection::start(signals);
    wait_until("degraded", || {
        signals.degraded.with_untracked(Option::is_some)
    })
    .await;
    settle().await;
    let alert = &query(&host, ".degraded")[0];
    assert!(!alert.hidden());
    assert!(alert
        .text_content()
        .unwrap()
        .contains("store (Redis) is unreachable"));
    assert_eq!(
        signals.rooms.with_untracked(|r| r.messages(0).len()),
        1,
        "the messages stay"
    );

    let up = status(false, "reachable again");
    page_script(&format!(
        "window.__source.onmessage({{ data: {up:?} }}); return true;"
    ));
    wait_until("recovered", || {
        signals.degraded.with_untracked(Option::is_none)
    })
    .await;
    settle().await;
    assert!(query(&host, ".degraded")[0].hidden());
    connection.stop();
    page_script("window.EventSource = window.__RealEventSource; return true;");
    host.remove();
}

/// Counts how often `read` runs as an effect: once at first, then once per notification.
fn count_runs(read: impl Fn() + 'static) -> (Effect<LocalStorage>, Rc<Cell<u32>>) {
    let runs = Rc::new(Cell::new(0));
    let counter = runs.clone();
    let effect = Effect::new(move |_| {
        read();
        counter.set(counter.get() + 1);
    });
    (effect, runs)
}

#[wasm_bindgen_test]
async fn a_heartbeat_notifies_nothing_on_the_page() {
    let (hello, more) = events_json();
    fake_event_source(&[hello]);
    let (host, signals) = mount_signals();
    // Everything on the page that shows the timeline (the message list's memo, the state
    // above the oldest message) re-runs when it notifies; the link dot likewise.
    let (timeline_effect, timeline_runs) = count_runs(move || signals.rooms.track());
    let (link_effect, link_runs) = count_runs(move || signals.link.track());
    signals.transport.set(Transport::Sse);
    let connection = Connection::start(signals);
    wait_until("the hello", || {
        signals.rooms.with_untracked(|r| r.messages(0).len()) == 1
    })
    .await;
    settle().await;
    assert_eq!(signals.link.get_untracked(), Link::Live);
    let before = (timeline_runs.get(), link_runs.get());

    let heartbeat = serde_json::to_string(&StreamEvent::Heartbeat { time: 7 }).unwrap();
    for _ in 0..3 {
        page_script(&format!(
            "window.__source.onmessage({{ data: {heartbeat:?} }}); return true;"
        ));
        settle().await;
    }
    assert_eq!(
        (timeline_runs.get(), link_runs.get()),
        before,
        "a heartbeat notified the page"
    );
    assert_eq!(signals.link.get_untracked(), Link::Live);
    assert_eq!(query(&host, ".message").len(), 1);

    page_script(&format!(
        "window.__source.onmessage({{ data: {more:?} }}); return true;"
    ));
    settle().await;
    assert_eq!(timeline_runs.get(), before.0 + 1, "a new message notifies");
    assert_eq!(query(&host, ".message").len(), 2);
    timeline_effect.stop();
    link_effect.stop();
    connection.stop();
    page_script("window.EventSource = window.__RealEventSource; return true;");
    host.remove();
}
