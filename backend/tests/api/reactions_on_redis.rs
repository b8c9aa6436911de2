//! Reactions on several nodes (Redis): a reaction made on node A reaches a stream on node
//! B, and reactions made on both nodes at once end in one state that every node's history
//! and hello agree on.

use crate::redis_server::{shared_redis_url, unique_prefix};
use crate::rooms::SOON;
use crate::rooms_on_redis::{call, first_admin, join, say, stream};
use crate::scale_out::start_node;
use common::reaction::Reaction;
use common::{HistoryPage, StreamEvent};
use reqwest::Method;

#[tokio::test]
async fn reactions_on_two_nodes_reach_both_and_agree() {
    let redis = shared_redis_url();
    let prefix = unique_prefix("reactions");
    let a = start_node(&redis, &prefix).await;
    let b = start_node(&redis, &prefix).await;
    let ann = first_admin(&a).await;
    let bob = join(&a, &ann, "bob").await;
    let message = say(&a, &ann, 0, "vote here").await;
    let path = |emoji: &str| format!("/api/rooms/0/msgs/{}/reactions/{emoji}", message.id);
    let (mut bob_on_b, _) = stream(&b, &bob, "").await;

    let put = call(&a, Method::PUT, &path("👍"), &ann, None).await;
    assert_eq!(put.status(), 200);
    loop {
        if let StreamEvent::Reaction {
            message: id,
            emoji,
            account,
            added,
            ..
        } = bob_on_b.next_non_heartbeat(SOON).await
        {
            assert_eq!(
                (id, emoji.as_str(), account.as_str(), added),
                (message.id, "👍", "ann", true)
            );
            break;
        }
    }

    // At once from both nodes: ann on A, bob on B, adding and taking back.
    let emoji = ["🎉", "😮", "👀", "🙏"];
    let paths: Vec<String> = emoji.iter().map(|e| path(e)).collect();
    let taken_back = path("👍");
    let mut calls = Vec::new();
    for p in &paths {
        calls.push(call(&a, Method::PUT, p, &ann, None));
        calls.push(call(&b, Method::PUT, p, &bob, None));
    }
    calls.push(call(&b, Method::DELETE, &taken_back, &ann, None));
    for response in futures_util::future::join_all(calls).await {
        assert_eq!(response.status(), 200);
    }
    let shape = |reactions: &[Reaction]| {
        let mut got: Vec<(String, usize)> = reactions
            .iter()
            .map(|r| (r.emoji.clone(), r.accounts.len()))
            .collect();
        got.sort();
        got
    };
    let mut want: Vec<(String, usize)> = emoji.iter().map(|e| (e.to_string(), 2)).collect();
    want.sort();
    for node in [&a, &b] {
        let page: HistoryPage = call(node, Method::GET, "/api/rooms/0/history", &bob, None)
            .await
            .json()
            .await
            .unwrap();
        let shown = page.msgs.iter().find(|m| m.id == message.id).unwrap();
        assert_eq!(shape(&shown.reactions), want, "history on {}", node.url);
    }
    // Each node's window applied the same changes in the same order: a new hello agrees.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    for node in [&a, &b] {
        let (_, hello) = stream(node, &ann, "").await;
        let StreamEvent::Hello { msgs, .. } = hello else {
            panic!()
        };
        let shown = msgs.iter().find(|m| m.id == message.id).unwrap();
        assert_eq!(shape(&shown.reactions), want, "hello on {}", node.url);
    }
}
