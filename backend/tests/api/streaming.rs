//! `GET /msgs`: the course's window contract, `since` deltas, fan-out, heartbeats and
//! slow consumers.

use crate::helpers::*;
use common::{StreamEvent, WindowLine};
use std::time::Duration;

#[tokio::test]
async fn two_streaming_clients_both_receive_a_post() {
    let app = spawn_app().await;
    let other = app.new_client(|b| b);
    let mut a = app.open_stream("?since=0").await;
    let mut b = LineStream::open(&other, &app.url("/msgs?since=0")).await;
    a.next_event(SOON).await;
    b.next_event(SOON).await;
    let sent = app.post("ann", "hello both").await;
    for stream in [&mut a, &mut b] {
        assert_eq!(
            stream.next_event(SOON).await,
            StreamEvent::Msgs {
                msgs: vec![sent.clone()]
            }
        );
    }
}

#[tokio::test]
async fn stream_headers_forbid_caching_buffering_and_compression() {
    let app = spawn_app().await;
    for query in ["", "?since=0"] {
        let response = app
            .client
            .get(app.url(&format!("/msgs{query}")))
            .header("accept-encoding", "gzip, br")
            .send()
            .await
            .unwrap();
        let h = response.headers();
        assert_eq!(h["cache-control"], "no-store");
        assert_eq!(h["x-accel-buffering"], "no");
        assert!(h.get("content-encoding").is_none());
        assert!(h.get("content-length").is_none());
    }
}

#[tokio::test]
async fn plain_stream_sends_the_whole_window_on_every_line() {
    let app = spawn_app_with(|s| s.history = 3.try_into().unwrap()).await;
    let mut plain = app.open_stream("").await;
    assert_eq!(
        plain.response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    let first: WindowLine = serde_json::from_str(&plain.next_line(SOON).await.unwrap()).unwrap();
    assert!(first.msg.is_empty());
    let mut sent = Vec::new();
    for i in 1..=5 {
        sent.push(app.post("bob", &format!("m{i}")).await);
        let line = plain.next_line(SOON).await.unwrap();
        let raw: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(raw.as_object().unwrap().len(), 1, "only `msg`: {line}");
        for m in raw["msg"].as_array().unwrap() {
            for field in ["id", "user", "text", "time"] {
                assert!(m.get(field).is_some(), "{field} missing in {line}");
            }
        }
        let window: WindowLine = serde_json::from_str(&line).unwrap();
        let expected = &sent[sent.len().saturating_sub(3)..];
        assert_eq!(window.msg, expected, "oldest first, bounded by --history");
    }
    // A client joining now starts with the same window.
    app.wait_for_window_last(5).await;
    let mut late = app.open_stream("").await;
    let window: WindowLine = serde_json::from_str(&late.next_line(SOON).await.unwrap()).unwrap();
    assert_eq!(ids(&window.msg), vec![3, 4, 5]);
}

#[tokio::test]
async fn since_gives_deltas_and_resets_when_the_position_is_unknown() {
    let app = spawn_app_with(|s| s.history = 3.try_into().unwrap()).await;
    for i in 1..=5 {
        app.post("cy", &format!("m{i}")).await;
    }
    app.wait_for_window_last(5).await;
    let epoch = app.hub.epoch().to_owned();
    let cases = [
        ("?since=4".to_string(), false, vec![5]),
        ("?since=2".to_string(), false, vec![3, 4, 5]),
        (format!("?since=5&epoch={epoch}"), false, vec![]),
        ("?since=1".to_string(), true, vec![3, 4, 5]),
        ("?since=0".to_string(), true, vec![3, 4, 5]),
        ("?since=99".to_string(), true, vec![3, 4, 5]),
        (
            "?since=4&epoch=0000000000000000".to_string(),
            true,
            vec![3, 4, 5],
        ),
    ];
    for (query, want_reset, want_ids) in cases {
        let mut stream = app.open_stream(&query).await;
        match stream.next_event(SOON).await {
            StreamEvent::Hello {
                epoch: e,
                reset,
                msgs,
                heartbeat_ms,
                ..
            } => {
                assert_eq!(e, epoch, "{query}");
                assert_eq!(reset, want_reset, "{query}");
                assert_eq!(ids(&msgs), want_ids, "{query}");
                assert_eq!(heartbeat_ms, 15_000);
            }
            other => panic!("{query}: first line must be hello, got {other:?}"),
        }
    }
    // After the hello, only new messages follow.
    let mut stream = app.open_stream(&format!("?since=5&epoch={epoch}")).await;
    stream.next_event(SOON).await;
    let sent = app.post("cy", "m6").await;
    assert_eq!(
        stream.next_event(SOON).await,
        StreamEvent::Msgs { msgs: vec![sent] }
    );
}

#[tokio::test]
async fn reconnecting_with_the_last_id_gives_no_gap_and_no_duplicate() {
    let app = spawn_app().await;
    let mut stream = app.open_stream("?since=0").await;
    let StreamEvent::Hello { epoch, .. } = stream.next_event(SOON).await else {
        panic!("hello first")
    };
    let first = app.post("dee", "before").await;
    stream.next_event(SOON).await;
    drop(stream);
    let mut missed = Vec::new();
    for i in 0..3 {
        missed.push(app.post("dee", &format!("while away {i}")).await);
    }
    app.wait_for_window_last(missed[2].id).await;
    let mut again = app
        .open_stream(&format!("?since={}&epoch={epoch}", first.id))
        .await;
    match again.next_event(SOON).await {
        StreamEvent::Hello { reset, msgs, .. } => {
            assert!(!reset);
            assert_eq!(msgs, missed);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn heartbeats_arrive_on_both_line_shapes() {
    let app = spawn_app_with(|s| s.heartbeat_secs = 1).await;
    let mut delta = app.open_stream("?since=0").await;
    let mut plain = app.open_stream("").await;
    delta.next_event(SOON).await;
    plain.next_line(SOON).await;
    for _ in 0..2 {
        assert!(matches!(
            delta.next_event(Duration::from_millis(2500)).await,
            StreamEvent::Heartbeat { .. }
        ));
        let line = plain.next_line(Duration::from_millis(2500)).await.unwrap();
        let window: WindowLine =
            serde_json::from_str(&line).expect("plain heartbeat keeps the contract");
        assert!(window.msg.is_empty());
    }
}

#[tokio::test]
async fn a_client_that_stops_reading_is_cut_while_others_get_every_message_promptly() {
    let app = spawn_app_with(|s| {
        s.client_queue = 8;
        s.heartbeat_secs = 3600;
    })
    .await;
    // A tiny flow-control window: once it is full the server cannot send this client more.
    let stuck_client = app.new_client(|b| {
        b.http2_prior_knowledge()
            .http2_initial_stream_window_size(1024)
            .http2_initial_connection_window_size(1024)
    });
    let mut stuck = LineStream::open(&stuck_client, &app.url("/msgs?since=0")).await;
    let mut fast = app.open_stream("?since=0").await;
    fast.next_event(SOON).await;
    app.wait_for_clients(2, SOON).await;

    let text = "x".repeat(500);
    let mut sent = Vec::new();
    for i in 0..60 {
        let started = tokio::time::Instant::now();
        let message = app.post("eve", &format!("{i} {text}")).await;
        match fast.next_event(SOON).await {
            StreamEvent::Msgs { msgs } => assert_eq!(msgs, vec![message.clone()]),
            other => panic!("{other:?}"),
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "message {i} took {:?} to reach the healthy client",
            started.elapsed()
        );
        sent.push(message);
    }
    app.wait_for_clients(1, SOON).await;

    // The stuck client, reading again, gets a prefix of the messages, then the end.
    let mut received = Vec::new();
    loop {
        let Some(line) = stuck.next_line(SOON).await else {
            break;
        };
        match serde_json::from_str(&line).unwrap() {
            StreamEvent::Hello { msgs, .. } | StreamEvent::Msgs { msgs } => received.extend(msgs),
            _ => {}
        }
    }
    assert!(
        received.len() < sent.len(),
        "it was cut, not served everything"
    );
    assert_eq!(received, sent[..received.len()], "what it got has no gap");
}
