//! Per-client limits: post rate (HTTP and WebSocket share one budget) and stream caps.

use crate::helpers::*;
use common::StreamEvent;

#[tokio::test]
async fn posting_too_fast_gets_429_with_retry_after_and_nothing_is_sent() {
    let app = spawn_app_with(|s| {
        s.post_rate = 1;
        s.post_burst = 3;
    })
    .await;
    let mut watcher = app.open_stream("?since=0").await;
    watcher.next_event(SOON).await;
    for i in 0..3 {
        app.post("fast", &format!("ok {i}")).await;
    }
    let refused = app
        .post_json(&serde_json::json!({"user": "fast", "text": "one too many"}))
        .await;
    assert_eq!(refused.status(), 429);
    assert_eq!(refused.headers()["retry-after"], "1");
    let body: serde_json::Value = refused.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("too many messages"),
        "{body}"
    );

    let mut seen = Vec::new();
    while seen.len() < 3 {
        if let StreamEvent::Msgs { msgs } = watcher.next_non_heartbeat(SOON).await {
            seen.extend(msgs);
        }
    }
    assert_eq!(ids(&seen), vec![1, 2, 3]);
    app.wait_for_window_last(3).await;
    assert_eq!(app.hub.window().len(), 3, "the refused post was not stored");

    // The budget refills: one post per second.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(app.post("fast", "after a pause").await.id, 4);
}

#[tokio::test]
async fn streams_beyond_the_per_address_cap_get_503_until_one_closes() {
    let app = spawn_app_with(|s| s.max_streams_per_ip = 2).await;
    let first = app.open_stream("?since=0").await;
    let sse = app
        .client
        .get(app.url("/msgs/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(sse.status(), 200);
    app.wait_for_clients(2, SOON).await;
    for path in ["/msgs?since=0", "/msgs", "/msgs/events"] {
        let refused = app.client.get(app.url(path)).send().await.unwrap();
        expect_json_error(refused, 503, "too many open streams").await;
    }
    drop(first);
    drop(sse);
    // The server notices the closed streams at its next write; force one.
    app.post("cap", "wake the streams").await;
    app.wait_for_clients(0, SOON).await;
    let again = app
        .client
        .get(app.url("/msgs?since=0"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
}

#[tokio::test]
async fn the_total_stream_cap_covers_every_address() {
    let app = spawn_app_with(|s| s.max_streams = 1).await;
    let _only = app.open_stream("?since=0").await;
    let refused = app
        .client
        .get(app.url("/msgs?since=0"))
        .send()
        .await
        .unwrap();
    expect_json_error(refused, 503, "limit of 1 open streams").await;
}

#[tokio::test]
async fn readyz_answers_when_the_store_does() {
    let app = spawn_app().await;
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "ready");
}

/// Posts one message claiming to come from `forwarded_for`; returns the status.
async fn post_as(app: &TestApp, forwarded_for: &str) -> u16 {
    app.client
        .post(app.url("/msgs"))
        .header("x-forwarded-for", forwarded_for)
        .json(&serde_json::json!({"user": "lb", "text": "hi"}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget() {
    let app = spawn_app_with(|s| {
        s.post_rate = 1;
        s.post_burst = 1;
        s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    assert_eq!(post_as(&app, "203.0.113.1").await, 201);
    assert_eq!(post_as(&app, "203.0.113.1").await, 429);
    assert_eq!(post_as(&app, "203.0.113.2").await, 201, "another client");
    // A client cannot pick its own address: only the entry our proxy appended counts.
    assert_eq!(post_as(&app, "198.51.100.9, 203.0.113.1").await, 429);
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    let app = spawn_app_with(|s| {
        s.post_rate = 1;
        s.post_burst = 1;
    })
    .await;
    assert_eq!(post_as(&app, "203.0.113.1").await, 201);
    assert_eq!(
        post_as(&app, "203.0.113.2").await,
        429,
        "the peer is the client"
    );
}
