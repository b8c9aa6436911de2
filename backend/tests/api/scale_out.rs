//! Several nodes on one Redis: cross-node delivery in one order, resume on another node,
//! and a Redis outage in the middle of streaming and posting.

use crate::helpers::*;
use crate::metrics::{parse, scrape};
use crate::redis_server::{shared_redis_url, unique_prefix, RedisServer};
use common::{Message, StreamEvent};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A backend process on the shared Redis, in a folder of its own (its certificate).
pub struct Node {
    pub process: BackendProcess,
    _dir: tempfile::TempDir,
    pub url: String,
    pub client: reqwest::Client,
}

pub async fn start_node(redis_url: &str, prefix: &str) -> Node {
    start_node_with(redis_url, prefix, &[]).await
}

/// [`start_node`] with more arguments.
pub async fn start_node_with(redis_url: &str, prefix: &str, more: &[&str]) -> Node {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec![
        "--redis",
        redis_url,
        "--redis-prefix",
        prefix,
        "--post-rate",
        "0",
        "--account-post-rate",
        "0",
        "--max-streams-per-ip",
        "0",
    ];
    args.extend_from_slice(more);
    let process = spawn_backend_process(dir.path(), &args);
    let client = client_trusting(dir.path());
    Node {
        url: process.url().to_owned(),
        process,
        _dir: dir,
        client,
    }
}

impl Node {
    async fn post(&self, user: &str, text: &str) -> Message {
        let response = self
            .client
            .post(format!("{}/msgs", self.url))
            .json(&serde_json::json!({ "user": user, "text": text }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        response.json().await.unwrap()
    }

    pub async fn stream(&self, query: &str) -> LineStream {
        LineStream::open(&self.client, &format!("{}/msgs{query}", self.url)).await
    }

    async fn metrics(&self) -> std::collections::HashMap<String, f64> {
        let text = self
            .client
            .get(format!("{}/metrics", self.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        parse(&text)
    }
}

/// The hello's epoch and messages.
async fn hello(stream: &mut LineStream) -> (String, bool, Vec<Message>) {
    match stream.next_non_heartbeat(SOON).await {
        StreamEvent::Hello {
            epoch, reset, msgs, ..
        } => (epoch, reset, msgs),
        other => panic!("expected hello, got {other:?}"),
    }
}

/// Collects messages until a status line with `degraded` arrives; anything else fails.
async fn until_status(stream: &mut LineStream, degraded: bool, received: &mut Vec<Message>) {
    loop {
        match stream.next_non_heartbeat(Duration::from_secs(15)).await {
            StreamEvent::Msgs { msgs } => received.extend(msgs),
            StreamEvent::Status { degraded: d, .. } if d == degraded => return,
            other => panic!("waiting for degraded={degraded}, got {other:?}"),
        }
    }
}

/// Reads `msgs` events until `n` messages arrived; other events go to `others`.
async fn read_messages(
    stream: &mut LineStream,
    n: usize,
    others: &mut Vec<StreamEvent>,
) -> Vec<Message> {
    let mut got = Vec::new();
    while got.len() < n {
        match stream.next_non_heartbeat(Duration::from_secs(20)).await {
            StreamEvent::Msgs { msgs } => got.extend(msgs),
            other => others.push(other),
        }
    }
    got
}

#[tokio::test]
async fn two_nodes_on_one_redis_deliver_every_post_everywhere_in_one_order() {
    let redis = shared_redis_url();
    let prefix = unique_prefix("order");
    let a = start_node(&redis, &prefix).await;
    let b = start_node(&redis, &prefix).await;
    let mut on_a = a.stream("?since=0").await;
    let mut on_b = b.stream("?since=0").await;
    let (epoch_a, _, _) = hello(&mut on_a).await;
    let (epoch_b, _, _) = hello(&mut on_b).await;
    assert_eq!(epoch_a, epoch_b, "one chat, one epoch");

    // Four posters per node, ten posts each, all at once.
    let a = Arc::new(a);
    let b = Arc::new(b);
    let mut posters = Vec::new();
    for (name, node) in [("a", a.clone()), ("b", b.clone())] {
        for poster in 0..4 {
            let node = node.clone();
            posters.push(tokio::spawn(async move {
                let mut sent = Vec::new();
                for i in 0..10 {
                    sent.push(node.post(name, &format!("{name}{poster}-{i}")).await);
                }
                sent
            }));
        }
    }
    let mut accepted = Vec::new();
    for poster in posters {
        accepted.extend(poster.await.unwrap());
    }
    assert_eq!(accepted.len(), 80);

    let mut others = Vec::new();
    let seen_a = read_messages(&mut on_a, 80, &mut others).await;
    let seen_b = read_messages(&mut on_b, 80, &mut others).await;
    assert!(others.is_empty(), "unexpected events: {others:?}");
    assert_eq!(
        seen_a, seen_b,
        "both nodes deliver the same messages in the same order"
    );
    assert!(seen_a.windows(2).all(|w| w[0].id < w[1].id), "in id order");
    accepted.sort_by_key(|m| m.id);
    assert_eq!(
        seen_a, accepted,
        "exactly what was accepted, on either node"
    );

    for (node, posted) in [(&a, 40.0), (&b, 40.0)] {
        let metrics = node.metrics().await;
        assert_eq!(metrics["h2chat_messages_accepted_total"], posted);
        assert_eq!(metrics[r#"h2chat_streams{transport="stream"}"#], 1.0);
        assert_eq!(metrics[r#"h2chat_store_up{store="redis"}"#], 1.0);
        assert!(metrics["h2chat_deliveries_total"] >= 1.0);
        assert!(metrics["h2chat_connections"] >= 1.0);
    }
}

#[tokio::test]
async fn a_client_resumes_on_the_other_node_without_gap_or_duplicate() {
    let redis = shared_redis_url();
    let prefix = unique_prefix("resume");
    let a = start_node(&redis, &prefix).await;
    let b = start_node(&redis, &prefix).await;
    // Watches node B, to know when it has caught up with the stream.
    let mut watcher = b.stream("?since=0").await;
    hello(&mut watcher).await;
    let mut others = Vec::new();

    let mut client = a.stream("?since=0").await;
    let (epoch, _, _) = hello(&mut client).await;
    for i in 0..3 {
        a.post("ann", &format!("first {i}")).await;
    }
    let seen = read_messages(&mut client, 3, &mut others).await;
    let last_seen = seen.last().unwrap().id;
    drop(client); // node A goes away for this client

    let missed = [
        b.post("bob", "while away 1").await,
        a.post("ann", "while away 2").await,
    ];
    read_messages(&mut watcher, 5, &mut others).await;

    let mut client = b.stream(&format!("?since={last_seen}&epoch={epoch}")).await;
    let (resumed_epoch, reset, mut got) = hello(&mut client).await;
    assert_eq!(resumed_epoch, epoch);
    assert!(!reset, "the other node knows this history");
    assert_eq!(
        got, missed,
        "exactly the messages missed: no gap, no duplicate"
    );
    let next = a.post("ann", "after resume").await;
    got = read_messages(&mut client, 1, &mut others).await;
    assert_eq!(got, vec![next]);
    assert!(others.is_empty(), "unexpected events: {others:?}");
}

#[tokio::test]
async fn a_redis_outage_pauses_posting_and_loses_nothing_accepted() {
    let mut redis = RedisServer::start();
    let prefix = unique_prefix("outage");
    let redis_url = redis.url();
    // Node A in this process (its metrics are read below), node B a backend process.
    let app = spawn_app_with(|s| {
        s.redis = Some(redis_url.clone());
        s.redis_prefix = prefix.clone();
    })
    .await;
    let b = start_node(&redis_url, &prefix).await;
    let mut stream = app.open_stream("?since=0").await;
    let mut stream_b = b.stream("?since=0").await;
    hello(&mut stream).await;
    hello(&mut stream_b).await;

    // A poster that keeps going through the outage, alternating between the nodes and
    // remembering what was accepted (in id order: it waits for each answer).
    let accepted = Arc::new(Mutex::new(Vec::<Message>::new()));
    let refused = Arc::new(Mutex::new(0usize));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let poster = {
        let targets = [
            (app.client.clone(), app.url("/msgs")),
            (b.client.clone(), format!("{}/msgs", b.url)),
        ];
        let (accepted, refused, stop) = (accepted.clone(), refused.clone(), stop.clone());
        tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                i += 1;
                let (client, url) = &targets[i % 2];
                let response = client
                    .post(url)
                    .json(&serde_json::json!({ "user": "p", "text": format!("post {i}") }))
                    .send()
                    .await
                    .unwrap();
                match response.status().as_u16() {
                    201 => {
                        let message: Message = response.json().await.unwrap();
                        accepted.lock().unwrap().push(message);
                    }
                    503 => {
                        let body: serde_json::Value = response.json().await.unwrap();
                        assert!(body["error"].as_str().unwrap().contains("Redis"), "{body}");
                        *refused.lock().unwrap() += 1;
                    }
                    other => panic!("unexpected status {other}"),
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    while accepted.lock().unwrap().len() < 5 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    redis.kill();
    let mut received = Vec::new();
    let mut received_b = Vec::new();
    until_status(&mut stream, true, &mut received).await;
    until_status(&mut stream_b, true, &mut received_b).await;
    expect_json_error(
        app.post_json(&serde_json::json!({"user": "u", "text": "during"}))
            .await,
        503,
        "unreachable",
    )
    .await;
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200, "the node itself is fine");
    // A client arriving during the outage is told right after its hello.
    let mut late = app.open_stream("?since=0").await;
    assert!(matches!(
        late.next_non_heartbeat(SOON).await,
        StreamEvent::Hello { .. }
    ));
    assert!(matches!(
        late.next_non_heartbeat(SOON).await,
        StreamEvent::Status { degraded: true, .. }
    ));
    drop(late);
    let metrics = scrape(&app).await;
    assert_eq!(metrics[r#"h2chat_store_up{store="redis"}"#], 0.0);
    tokio::time::sleep(Duration::from_millis(500)).await;

    redis.restart();
    until_status(&mut stream, false, &mut received).await;
    until_status(&mut stream_b, false, &mut received_b).await;
    let count_at_recovery = accepted.lock().unwrap().len();
    while accepted.lock().unwrap().len() < count_at_recovery + 5 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    poster.await.unwrap();

    let accepted = accepted.lock().unwrap().clone();
    let mut others = Vec::new();
    received.extend(read_messages(&mut stream, accepted.len() - received.len(), &mut others).await);
    received_b.extend(
        read_messages(
            &mut stream_b,
            accepted.len() - received_b.len(),
            &mut others,
        )
        .await,
    );
    assert!(others.is_empty(), "unexpected events: {others:?}");
    assert_eq!(
        received, accepted,
        "every accepted post delivered once, in order"
    );
    assert_eq!(received_b, accepted, "on the other node too");
    let unique: HashSet<u64> = received.iter().map(|m| m.id).collect();
    assert_eq!(unique.len(), received.len());
    assert!(
        *refused.lock().unwrap() >= 1,
        "posts were refused during the outage"
    );

    let metrics = scrape(&app).await;
    assert_eq!(metrics[r#"h2chat_store_up{store="redis"}"#], 1.0);
    assert_eq!(metrics["h2chat_store_reconnects_total"], 1.0);
    assert!(metrics[r#"h2chat_messages_rejected_total{reason="store_unavailable"}"#] >= 2.0);
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn a_node_that_cannot_reach_redis_at_start_says_so_and_does_not_start() {
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port(); // dropped at once: nothing listens there
    for (url, expected) in [
        (
            format!("redis://:secret@127.0.0.1:{closed_port}"),
            format!("cannot reach Redis at 127.0.0.1:{closed_port}"),
        ),
        ("not a url".to_owned(), "not a valid Redis URL".to_owned()),
    ] {
        let mut settings = backend::Settings::for_tests();
        let certs = tempfile::tempdir().unwrap();
        settings.certs_dir = Some(certs.path().to_path_buf());
        settings.redis = Some(url);
        let err = match backend::Application::build(settings).await {
            Ok(_) => panic!("started without Redis"),
            Err(err) => format!("{err:#}"),
        };
        assert!(err.contains(&expected), "{err}");
        assert!(!err.contains("secret"), "the password leaked: {err}");
    }
}
