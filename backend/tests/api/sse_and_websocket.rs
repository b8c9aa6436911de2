//! The other transports on the same hub: Server-Sent Events and WebSocket.

use crate::helpers::*;
use common::{StreamEvent, WsReply};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message as Frame;

/// One parsed SSE event (or comment).
#[derive(Debug, Default, PartialEq)]
struct SseEvent {
    id: Option<String>,
    retry: Option<String>,
    data: Option<String>,
    comment: Option<String>,
}

/// Reads SSE events from a response, split on blank lines.
struct SseReader {
    response: reqwest::Response,
    buffer: String,
}

impl SseReader {
    async fn open(app: &TestApp, query: &str, last_event_id: Option<&str>) -> Self {
        let mut request = app.client.get(app.url(&format!("/msgs/events{query}")));
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "text/event-stream; charset=utf-8"
        );
        assert_eq!(response.headers()["cache-control"], "no-store");
        Self {
            response,
            buffer: String::new(),
        }
    }

    async fn next(&mut self) -> SseEvent {
        tokio::time::timeout(SOON, async {
            loop {
                if let Some(end) = self.buffer.find("\n\n") {
                    let block: String = self.buffer.drain(..end + 2).collect();
                    let mut event = SseEvent::default();
                    for line in block.lines() {
                        if let Some(v) = line.strip_prefix("id: ") {
                            event.id = Some(v.into());
                        } else if let Some(v) = line.strip_prefix("retry: ") {
                            event.retry = Some(v.into());
                        } else if let Some(v) = line.strip_prefix("data: ") {
                            event.data = Some(v.into());
                        } else if let Some(v) = line.strip_prefix(':') {
                            event.comment = Some(v.trim().into());
                        }
                    }
                    return event;
                }
                let chunk = self.response.chunk().await.unwrap().expect("stream open");
                self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
            }
        })
        .await
        .expect("an SSE event in time")
    }

    async fn next_data(&mut self) -> (Option<String>, StreamEvent) {
        loop {
            let event = self.next().await;
            if let Some(data) = event.data {
                return (event.id, serde_json::from_str(&data).unwrap());
            }
        }
    }
}

#[tokio::test]
async fn sse_events_resume_by_last_event_id_and_send_heartbeat_comments() {
    let app = spawn_app_with(|s| s.heartbeat_secs = 1).await;
    let mut sse = SseReader::open(&app, "", None).await;
    let hello = sse.next().await;
    assert_eq!(hello.retry.as_deref(), Some("2000"));
    assert_eq!(hello.id.as_deref(), Some("0"));
    assert!(matches!(
        serde_json::from_str(hello.data.as_deref().unwrap()).unwrap(),
        StreamEvent::Hello { reset: false, .. }
    ));
    let one = app.post("sam", "one").await;
    let two = app.post("sam", "two").await;
    assert_eq!(
        sse.next_data().await,
        (Some("1".into()), StreamEvent::Msgs { msgs: vec![one] })
    );
    assert_eq!(
        sse.next_data().await,
        (
            Some("2".into()),
            StreamEvent::Msgs {
                msgs: vec![two.clone()]
            }
        )
    );
    app.wait_for_window_last(two.id).await;
    let heartbeat = sse.next().await;
    assert!(heartbeat.comment.unwrap().starts_with("heartbeat"));
    assert_eq!(heartbeat.data, None);

    // EventSource reconnecting by itself sends Last-Event-ID; it wins over ?since.
    for (query, header) in [("?since=0", Some("1")), ("?since=1", None)] {
        let mut again = SseReader::open(&app, query, header).await;
        let (id, event) = again.next_data().await;
        assert_eq!(id.as_deref(), Some("2"));
        match event {
            StreamEvent::Hello { reset, msgs, .. } => {
                assert!(!reset);
                assert_eq!(msgs, vec![two.clone()]);
            }
            other => panic!("{other:?}"),
        }
    }
    let bad = app
        .client
        .get(app.url("/msgs/events"))
        .header("last-event-id", "abc")
        .send()
        .await
        .unwrap();
    expect_json_error(bad, 400, "Last-Event-ID").await;
}

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_rustls::client::TlsStream<tokio::net::TcpStream>>;

/// A WebSocket over TLS + HTTP/1.1, as browsers open it.
async fn open_socket(app: &TestApp, query: &str, recv_buffer: Option<u32>) -> Socket {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    if let Some(size) = recv_buffer {
        socket.set_recv_buffer_size(size).unwrap();
    }
    let tcp = socket
        .connect(([127, 0, 0, 1], app.port).into())
        .await
        .unwrap();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(app.tls_config(&[b"http/1.1"])));
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let tls = connector.connect(name, tcp).await.unwrap();
    let url = format!("wss://localhost:{}/msgs/ws{query}", app.port);
    let (socket, response) = tokio_tungstenite::client_async(url, tls)
        .await
        .expect("upgrade");
    assert_eq!(response.status(), 101);
    socket
}

pub async fn next_text(socket: &mut Socket) -> String {
    loop {
        let frame = tokio::time::timeout(SOON, socket.next())
            .await
            .expect("a frame in time")
            .expect("socket open")
            .expect("frame ok");
        if let Frame::Text(text) = frame {
            return text.to_string();
        }
    }
}

#[tokio::test]
async fn websocket_receives_events_sends_messages_and_refuses_bad_input() {
    let app = spawn_app().await;
    let mut watcher = app.open_stream("?since=0").await;
    watcher.next_event(SOON).await;
    let mut socket = open_socket(&app, "?since=0", None).await;
    let hello: StreamEvent = serde_json::from_str(&next_text(&mut socket).await).unwrap();
    assert!(matches!(hello, StreamEvent::Hello { .. }));

    // Receives what others post.
    let posted = app.post("http", "to the socket").await;
    let event: StreamEvent = serde_json::from_str(&next_text(&mut socket).await).unwrap();
    assert_eq!(event, StreamEvent::Msgs { msgs: vec![posted] });

    // Bad input: an error frame with POST's wording, nothing stored or sent.
    let big = format!(r#"{{"user":"w","text":"{}"}}"#, "b".repeat(20_000));
    for (frame, needle) in [
        (
            r#"{"user":"","text":"x"}"#.to_owned(),
            "user must not be empty",
        ),
        (r#"{"user":"w","text":"a\u0007b"}"#.to_owned(), "U+0007"),
        ("not json".to_owned(), "invalid JSON"),
        (big, "larger than 16384 bytes"),
    ] {
        socket.send(Frame::text(frame)).await.unwrap();
        let reply: WsReply = serde_json::from_str(&next_text(&mut socket).await).unwrap();
        match reply {
            WsReply::Error { error } => assert!(error.contains(needle), "{error}"),
            other => panic!("{other:?}"),
        }
    }

    // A good message over the socket: stored, answered, and sent to everyone (itself too).
    socket
        .send(Frame::text(r#"{"user":" ws ","text":"over the socket"}"#))
        .await
        .unwrap();
    let mut reply = None;
    let mut echoed = None;
    while reply.is_none() || echoed.is_none() {
        let text = next_text(&mut socket).await;
        if let Ok(r) = serde_json::from_str::<WsReply>(&text) {
            reply = Some(r);
        } else {
            echoed = Some(serde_json::from_str::<StreamEvent>(&text).unwrap());
        }
    }
    let Some(WsReply::Posted { msg }) = reply else {
        panic!("{reply:?}")
    };
    assert_eq!(
        (msg.id, msg.user.as_str(), msg.text.as_str()),
        (2, "ws", "over the socket")
    );
    assert_eq!(
        echoed,
        Some(StreamEvent::Msgs {
            msgs: vec![msg.clone()]
        })
    );
    // The HTTP watcher saw exactly the two good messages, nothing of the refused ones.
    let mut seen = Vec::new();
    while seen.len() < 2 {
        if let StreamEvent::Msgs { msgs } = watcher.next_non_heartbeat(SOON).await {
            seen.extend(msgs);
        }
    }
    assert_eq!(ids(&seen), vec![1, 2]);
    assert_eq!(app.hub.client_count(), 2, "one registry for all transports");
}

#[tokio::test]
async fn websocket_that_stops_reading_is_cut_and_others_keep_up() {
    let app = spawn_app_with(|s| {
        s.client_queue = 8;
        s.heartbeat_secs = 3600;
    })
    .await;
    let reader = app.new_client(|b| b);
    let mut fast = LineStream::open(&reader, &app.url("/msgs?since=0")).await;
    fast.next_event(SOON).await;
    // A small receive buffer, and then we never read.
    let mut stuck = open_socket(&app, "?since=0", Some(4096)).await;
    app.wait_for_clients(2, SOON).await;
    // About 8 KB per message (4-byte characters), so the socket buffers fill quickly.
    let text = "🦀".repeat(1990);
    let started = std::time::Instant::now();
    let mut posted = 0;
    while app.hub.client_count() == 2 {
        assert!(posted < 3000, "the stuck socket was never cut");
        let message = app.post("slow", &format!("{posted} {text}")).await;
        match fast.next_event(SOON).await {
            StreamEvent::Msgs { msgs } => assert_eq!(msgs, vec![message]),
            other => panic!("{other:?}"),
        }
        posted += 1;
    }
    eprintln!(
        "stuck socket cut after {posted} messages, {:?}",
        started.elapsed()
    );
    // Reading again, it gets what was buffered, then a close frame telling it to resume.
    let close = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(frame) = stuck.next().await {
            if let Ok(Frame::Close(reason)) = frame {
                return reason;
            }
        }
        None
    })
    .await
    .expect("closed in time")
    .expect("a close frame");
    assert_eq!(u16::from(close.code), 1008);
    assert!(close.reason.contains("reconnect"), "{}", close.reason);
}

#[tokio::test]
async fn a_plain_get_on_the_websocket_endpoint_is_a_json_400() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/msgs/ws")).send().await.unwrap();
    expect_json_error(response, 400, "WebSocket").await;
    assert_eq!(app.hub.client_count(), 0, "no stream was registered");
}

#[tokio::test]
async fn websocket_peer_that_stops_answering_pings_is_closed() {
    let app = spawn_app_with(|s| s.heartbeat_secs = 1).await;
    // Never read: no pong is ever sent back.
    let _silent = open_socket(&app, "?since=0", None).await;
    app.wait_for_clients(1, SOON).await;
    // Pings go out every second; two unanswered ones close it.
    app.wait_for_clients(0, Duration::from_secs(6)).await;
}

#[tokio::test]
async fn websocket_posts_are_limited_and_counted_like_http_posts() {
    let app = spawn_app_with(|s| {
        s.post_rate = 1;
        s.post_burst = 2;
    })
    .await;
    let mut socket = open_socket(&app, "?since=0", None).await;
    next_text(&mut socket).await; // hello
    let big = format!(r#"{{"user":"w","text":"{}"}}"#, "b".repeat(20_000));
    let frames = [
        (
            r#"{"user":"","text":"x"}"#.to_owned(),
            "user must not be empty",
        ),
        ("not json".to_owned(), "invalid JSON"),
        (big, "larger than 16384 bytes"),
        (r#"{"user":"w","text":"one"}"#.to_owned(), ""),
        // The invalid message above spent the first unit of the burst of 2.
        (
            r#"{"user":"w","text":"two"}"#.to_owned(),
            "too many messages",
        ),
    ];
    for (frame, needle) in frames {
        socket.send(Frame::text(frame)).await.unwrap();
        loop {
            let text = next_text(&mut socket).await;
            match serde_json::from_str::<WsReply>(&text) {
                Ok(WsReply::Error { error }) => {
                    assert!(error.contains(needle), "{error:?} lacks {needle:?}");
                    break;
                }
                Ok(WsReply::Posted { .. }) => {
                    assert!(needle.is_empty(), "posted, expected {needle:?}");
                    break;
                }
                Err(_) => continue, // the stream's own events
            }
        }
    }
    let metrics = crate::metrics::scrape(&app).await;
    for (reason, count) in [
        ("invalid", 1.0),
        ("bad_body", 1.0),
        ("too_large", 1.0),
        ("rate_limited", 1.0),
    ] {
        let key = format!(r#"h2chat_messages_rejected_total{{reason="{reason}"}}"#);
        assert_eq!(metrics[&key], count, "{key}");
    }
    assert_eq!(metrics["h2chat_messages_accepted_total"], 1.0);
}
