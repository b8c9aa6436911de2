//! Runs in headless Chromium: `cargo xtask test` (or wasm-bindgen-test-runner directly).

use common::{Message, StreamEvent};
use frontend::components::ChatView;
use frontend::connection::Presence;
use frontend::stream_reader::{read_lines, ReadError};
use frontend::timeline::Timeline;
use gloo_timers::future::TimeoutFuture;
use js_sys::{Array, Function, Uint8Array};
use leptos::prelude::*;
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
    }
}

fn sample_stream() -> (Vec<u8>, Vec<String>) {
    let events = [
        StreamEvent::Hello {
            epoch: "e".into(),
            reset: false,
            heartbeat_ms: 15_000,
            msgs: vec![message(1, "héllo 🦀 wörld")],
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
    let mut timeline = Timeline::default();
    let (lines, _) = collect(stream_of(&[bytes])).await;
    for line in lines {
        timeline.apply(serde_json::from_str(&line).unwrap());
    }
    let ids: Vec<u64> = timeline.messages().iter().map(|m| m.id).collect();
    assert_eq!(ids, vec![1, 2, 3]);
    assert_eq!(timeline.resume_query(), "?since=3&epoch=e");
}

fn mount_chat() -> (HtmlElement, RwSignal<Timeline>, RwSignal<Presence>) {
    let document = web_sys::window().unwrap().document().unwrap();
    let host: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();
    let timeline = RwSignal::new(Timeline::default());
    let presence = RwSignal::new(Presence::Connecting);
    let handle = leptos::mount::mount_to(
        host.clone(),
        move || view! { <ChatView timeline presence /> },
    );
    handle.forget();
    (host, timeline, presence)
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
async fn chat_renders_messages_as_text_and_the_presence_state() {
    let (host, timeline, presence) = mount_chat();
    settle().await;
    let dot = &query(&host, ".presence")[0];
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
        });
    });
    presence.set(Presence::Live);
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
    presence.set(Presence::Down);
    settle().await;
    assert_eq!(query(&host, ".message").len(), 3);
    assert_eq!(dot.get_attribute("data-state").as_deref(), Some("down"));
    host.remove();
}

#[wasm_bindgen_test]
async fn refused_message_shows_the_reason_and_keeps_the_text() {
    let (host, _timeline, _presence) = mount_chat();
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
