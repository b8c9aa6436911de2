//! Bots on two nodes (Redis): a token made on node A posts on node B at once, and a
//! mention posted on either node calls the webhook once, from the node that took the post.

use crate::helpers::*;
use crate::people::{session_of, PASSWORD};
use crate::redis_server::{shared_redis_url, unique_prefix};
use crate::scale_out::start_node;
use crate::webhook_receiver::Receiver;
use common::bot::BotToken;
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_bot_made_on_one_node_posts_on_the_other_and_each_mention_calls_once() {
    let receiver = Receiver::start().await;
    let redis = shared_redis_url();
    let prefix = unique_prefix("bots");
    let a = start_node(&redis, &prefix).await;
    let b = start_node(&redis, &prefix).await;
    let setup = json!({"token": a.setup_token(), "username": "ann", "password": PASSWORD});
    let done = a.api(Method::POST, "/api/setup", None, Some(setup)).await;
    let ann = session_of(&done).unwrap();
    let body = json!({"username": "echo", "webhook_url": receiver.url("/quiet")});
    let made = a
        .api(Method::POST, "/api/bots", Some(&ann), Some(body))
        .await;
    assert_eq!(made.status(), 201);
    let echo: BotToken = made.json().await.unwrap();

    // The token is good on B at once (B catches up with the log before refusing it).
    let posted = b
        .client
        .post(format!("{}/api/rooms/0/msgs", b.url))
        .bearer_auth(&echo.token)
        .json(&json!({"text": "hello from B"}))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 201);

    // One call per mention, whichever node took the post; none for the other node.
    for (n, node) in [&a, &b].into_iter().enumerate() {
        let said = node
            .api(
                Method::POST,
                "/api/rooms/0/msgs",
                Some(&ann),
                Some(json!({"text": format!("@echo number {n}")})),
            )
            .await;
        assert_eq!(said.status(), 201);
        receiver.wait_hits("/quiet", n + 1, SOON).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let texts: Vec<String> = receiver
        .hits("/quiet")
        .iter()
        .map(|hit| {
            let call: serde_json::Value = serde_json::from_slice(&hit.body).unwrap();
            call["message"]["text"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(texts, ["@echo number 0", "@echo number 1"], "no duplicates");
}
