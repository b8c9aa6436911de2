//! Presence on several nodes (Redis): an account online on node A is online on node B, a
//! reconnect from A to B shows nobody leaving, and when A's process is killed (`kill -9`,
//! nothing said) its people go offline on B within the presence TTL.

use crate::helpers::*;
use crate::people::{session_of, PASSWORD};
use crate::presence::{presence_for, presence_until};
use crate::redis_server::{shared_redis_url, unique_prefix};
use crate::rooms::SOON;
use crate::scale_out::{start_node_with, Node};
use common::presence::RoomPresence;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The TTL the nodes run with: short, so the test is.
const TTL_SECS: u64 = 4;

async fn join(node: &Node, admin: &str, username: &str) -> String {
    let invite: Value = node
        .api(Method::POST, "/api/invites", Some(admin), Some(json!({})))
        .await
        .json()
        .await
        .unwrap();
    let body = json!({"invite": invite["code"], "username": username, "password": PASSWORD});
    let response = node
        .api(Method::POST, "/api/signup", None, Some(body))
        .await;
    assert_eq!(response.status(), 201);
    session_of(&response).unwrap()
}

async fn stream(node: &Node, session: Option<&str>) -> LineStream {
    let mut request = node.client.get(format!("{}/api/stream", node.url));
    if let Some(session) = session {
        request = request.header("cookie", format!("__Host-h2chat={session}"));
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    LineStream::from_response(response)
}

async fn lobby_presence(node: &Node, session: &str) -> RoomPresence {
    let response = node
        .api(Method::GET, "/api/rooms/0/presence", Some(session), None)
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn online_on_one_node_is_seen_on_the_other_and_a_killed_node_takes_its_people_offline() {
    let redis = shared_redis_url();
    let prefix = unique_prefix("presence");
    let ttl = TTL_SECS.to_string();
    let args = ["--presence-ttl-secs", ttl.as_str()];
    let a = start_node_with(&redis, &prefix, &args).await;
    let b = start_node_with(&redis, &prefix, &args).await;
    let setup = json!({"token": a.setup_token(), "username": "ann", "password": PASSWORD});
    let done = a.api(Method::POST, "/api/setup", None, Some(setup)).await;
    let ann = session_of(&done).unwrap();
    let bob = join(&a, &ann, "bob").await;
    let cat = join(&a, &ann, "cat").await;

    // Ann watches on B; bob and a guest read on A.
    let mut watch = stream(&b, Some(&ann)).await;
    let _bob_on_a = stream(&a, Some(&bob)).await;
    let _guest_on_a = stream(&a, None).await;
    let cat_on_a = stream(&a, Some(&cat)).await;
    // Bob and the guest arrive in one line or in two.
    let bob_seen = std::cell::Cell::new(false);
    presence_until(&mut watch, SOON, |s| {
        bob_seen.set(bob_seen.get() || s.joined.contains(&"bob".into()));
        bob_seen.get() && s.guests == 1
    })
    .await;
    let on_b = lobby_presence(&b, &ann).await;
    assert_eq!(on_b.online, ["ann", "bob", "cat"]);
    assert_eq!(on_b.guests, Some(1));

    // Cat reloads onto the other node (a balancer may send a reconnect anywhere): nobody
    // sees cat leave.
    drop(cat_on_a);
    let _cat_on_b = stream(&b, Some(&cat)).await;
    let moved = presence_for(&mut watch, Duration::from_secs(7)).await;
    assert!(moved.iter().all(|s| s.left.is_empty()), "{moved:?}");

    // A dies without a word: its people go offline on B once its state expires.
    let mut a = a;
    let killed = Instant::now();
    a.process.signal("KILL").unwrap();
    assert!(a.process.wait(SOON).unwrap().is_some());
    let seen = presence_until(&mut watch, Duration::from_secs(3 * TTL_SECS), |s| {
        s.left.contains(&"bob".into())
    })
    .await;
    let gone = seen.last().unwrap();
    let after = gone.at.duration_since(killed);
    assert!(
        after <= Duration::from_secs(TTL_SECS + TTL_SECS / 4 + 2),
        "offline {after:?} after the crash"
    );
    assert_eq!(gone.left, ["bob"], "cat is on B now");
    assert_eq!((gone.online, gone.guests), (2, 0), "{gone:?}");
    assert_eq!(lobby_presence(&b, &ann).await.online, ["ann", "cat"]);
    // Ann and cat, on the living node, never went offline.
    let rest = presence_for(&mut watch, Duration::from_secs(2)).await;
    assert!(rest.iter().all(|s| s.left.is_empty()), "{rest:?}");
}
