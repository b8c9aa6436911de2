//! Bots' webhooks against a local receiver started by each test: the signature a receiver
//! can check, what is sent (mentions, direct messages) and what is not (a closed room the
//! bot is not in, a bot's own posts), the reply posted as the bot, the timeout with its
//! bounded retries, and the redirect rule (same origin only).

use crate::helpers::*;
use crate::metrics::scrape;
use crate::webhook_receiver::{Received, Receiver};
use common::bot::{WebhookCall, WebhookReason};
use common::room::{RoomId, RoomKind, RoomSummary};
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(15);

/// What a receiver does: the key is the hex SHA-256 of the bot's token; the signature is
/// HMAC-SHA256 over `TIMESTAMP.BODY`.
fn verify(token: &str, hit: &Received) -> WebhookCall {
    let key: String = Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let timestamp = &hit.headers["x-h2chat-timestamp"];
    let age = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs())
    .abs_diff(timestamp.parse::<u64>().unwrap());
    assert!(age < 60, "a fresh timestamp");
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(&hit.body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        hit.headers["x-h2chat-signature"],
        format!("sha256={expected}")
    );
    assert_eq!(hit.headers["content-type"], "application/json");
    serde_json::from_slice(&hit.body).expect("the documented JSON")
}

impl TestApp {
    /// Waits until `room`'s history, as `session` reads it, has a message by `account`
    /// saying `text`.
    async fn wait_for_post(&self, session: &str, room: RoomId, account: &str, text: &str) {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            let msgs = self.messages_of(session, room).await;
            if msgs
                .iter()
                .any(|m| m.text == text && m.account.as_deref() == Some(account))
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no {text:?} by {account} in room {room}");
    }

    async fn webhook_count(&self, outcome: &str) -> f64 {
        let key = format!("h2chat_webhooks_total{{outcome=\"{outcome}\"}}");
        scrape(self).await.get(&key).copied().unwrap_or(0.0)
    }

    async fn wait_webhook_count(&self, outcome: &str, n: f64) {
        let deadline = Instant::now() + WAIT;
        while self.webhook_count(outcome).await < n {
            assert!(Instant::now() < deadline, "{outcome} never reached {n}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test]
async fn mentions_and_direct_messages_call_the_signed_webhook_and_replies_are_posted() {
    let receiver = Receiver::start().await;
    let app = spawn_app().await;
    let ann = app.setup_admin("ann").await;
    let bob = app.member(&ann, "bob").await;
    let echo = app
        .create_bot(
            &ann,
            json!({"username": "echo", "webhook_url": receiver.url("/hook")}),
        )
        .await;
    let said = app.say(&ann, 0, "hi @echo").await;

    let hits = receiver.wait_hits("/hook", 1, WAIT).await;
    let call = verify(&echo.token, &hits[0]);
    assert_eq!(
        (call.bot.as_str(), call.reason),
        ("echo", WebhookReason::Mention)
    );
    assert_eq!((call.room.id, call.room.kind), (0, RoomKind::Open));
    assert_eq!(call.message, said, "the message as stored");
    app.wait_for_post(&ann, 0, "echo", "pong").await;

    // No call: a closed room the bot is not in (it would show it the message), and a
    // bot's own post (no bot loops).
    let closed: RoomSummary = app
        .api(
            Method::POST,
            "/api/rooms",
            Some(&bob),
            Some(json!({"name": "plans", "kind": "closed"})),
        )
        .await
        .json()
        .await
        .unwrap();
    app.say(&bob, closed.id, "secret for @echo").await;
    assert_eq!(
        app.bot_post(&echo.token, 0, "me, @echo").await.status(),
        201
    );

    // A direct conversation calls it without a mention.
    let dm: RoomSummary = app
        .api(
            Method::POST,
            "/api/dms",
            Some(&bob),
            Some(json!({"members": ["echo"]})),
        )
        .await
        .json()
        .await
        .unwrap();
    app.say(&bob, dm.id, "just us").await;
    let hits = receiver.wait_hits("/hook", 2, WAIT).await;
    let call = verify(&echo.token, &hits[1]);
    assert_eq!(
        (call.reason, call.room.kind),
        (WebhookReason::Direct, RoomKind::Direct)
    );
    assert_eq!(call.message.text, "just us");
    app.wait_for_post(&bob, dm.id, "echo", "pong").await;
    // The replies posted no call either, and nothing else came meanwhile.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        receiver.hits("/hook").len(),
        2,
        "{:?}",
        receiver.hits("/hook")
    );
    assert_eq!(app.webhook_count("delivered").await, 2.0);

    // A rotated token re-keys the signature; a revoked one stops the calls.
    let rotated: common::bot::BotToken = app
        .api(
            Method::POST,
            &format!("/api/bots/{}/token", echo.id),
            Some(&ann),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    app.say(&ann, 0, "again @echo").await;
    let hits = receiver.wait_hits("/hook", 3, WAIT).await;
    assert_eq!(verify(&rotated.token, &hits[2]).message.text, "again @echo");
    app.stop().await;
}

#[tokio::test]
async fn a_slow_or_failing_webhook_is_tried_three_times_and_a_refusal_once() {
    let receiver = Receiver::start().await;
    let app = spawn_app_with(|s| s.webhook_timeout_secs = 1).await;
    let ann = app.setup_admin("ann").await;
    for (name, path) in [
        ("slow", "/slow"),
        ("broken", "/fail"),
        ("grumpy", "/refuse"),
    ] {
        let body = json!({"username": name, "webhook_url": receiver.url(path)});
        app.create_bot(&ann, body).await;
    }
    // Posting does not wait for any webhook.
    let started = Instant::now();
    app.say(&ann, 0, "@slow @broken @grumpy ping").await;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );

    app.wait_webhook_count("failed", 2.0).await;
    app.wait_webhook_count("refused", 1.0).await;
    // Three attempts each for a timeout and a 500, one for a 403; then no more.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.hits("/slow").len(), 3);
    assert_eq!(receiver.hits("/fail").len(), 3);
    assert_eq!(receiver.hits("/refuse").len(), 1);
    assert_eq!(app.webhook_count("delivered").await, 0.0);
    // The slow receiver's late answer is no reply.
    let lobby = app.messages_of(&ann, 0).await;
    assert!(!lobby.iter().any(|m| m.text == "too late"));
    app.stop().await;
}

#[tokio::test]
async fn redirects_are_followed_only_to_the_same_origin() {
    let receiver = Receiver::start().await;
    let app = spawn_app().await;
    let ann = app.setup_admin("ann").await;
    let moved = app
        .create_bot(
            &ann,
            json!({"username": "moved", "webhook_url": receiver.url("/same")}),
        )
        .await;
    let away = json!({"username": "away", "webhook_url": receiver.url("/elsewhere")});
    app.create_bot(&ann, away).await;
    app.say(&ann, 0, "@moved @away where are you").await;

    // Same origin: followed, body and signature intact, and the reply is posted.
    let hits = receiver.wait_hits("/moved", 1, WAIT).await;
    assert_eq!(verify(&moved.token, &hits[0]).bot, "moved");
    app.wait_for_post(&ann, 0, "moved", "moved here").await;
    // Another host (localhost is not 127.0.0.1): not followed, not retried.
    app.wait_webhook_count("refused", 1.0).await;
    assert_eq!(receiver.hits("/elsewhere").len(), 1);
    assert!(
        receiver.hits("/hook").is_empty(),
        "the other host was not called"
    );
    app.stop().await;
}
