//! Rooms on several nodes (Redis): a room made on node A is read on node B (and typing on
//! A is seen on B), a member
//! removed on A receives nothing more of it on B, a direct conversation asked for on both
//! nodes at once is one room, and a reader resumes on the other node with no gap and no
//! duplicate across rooms.

use crate::helpers::*;
use crate::people::{page_request, session_of, PASSWORD};
use crate::redis_server::{shared_redis_url, unique_prefix};
use crate::rooms::{messages_until, SOON};
use crate::scale_out::{start_node, Node};
use common::room::RoomSummary;
use common::{Message, StreamEvent};
use reqwest::Method;
use serde_json::{json, Value};

pub async fn call(
    node: &Node,
    method: Method,
    path: &str,
    who: &str,
    body: Option<Value>,
) -> reqwest::Response {
    page_request(&node.client, &node.url, method, path, Some(who), body).await
}

pub async fn join(node: &Node, admin: &str, username: &str) -> String {
    let invite: Value = call(node, Method::POST, "/api/invites", admin, Some(json!({})))
        .await
        .json()
        .await
        .unwrap();
    let body = json!({"invite": invite["code"], "username": username, "password": PASSWORD});
    let response = page_request(
        &node.client,
        &node.url,
        Method::POST,
        "/api/signup",
        None,
        Some(body),
    )
    .await;
    assert_eq!(response.status(), 201);
    session_of(&response).unwrap()
}

pub async fn say(node: &Node, who: &str, room: u64, text: &str) -> Message {
    let response = call(
        node,
        Method::POST,
        &format!("/api/rooms/{room}/msgs"),
        who,
        Some(json!({"text": text})),
    )
    .await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

pub async fn stream(node: &Node, who: &str, query: &str) -> (LineStream, StreamEvent) {
    let response = node
        .client
        .get(format!("{}/api/stream{query}", node.url))
        .header("cookie", format!("__Host-h2chat={who}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut lines = LineStream::from_response(response);
    let hello = lines.next_event(SOON).await;
    (lines, hello)
}

/// Sets the chat up on `a` with its first admin, ann; her session.
pub async fn first_admin(a: &Node) -> String {
    let token = a
        .process
        .printed_line("/setup#", SOON)
        .expect("setup link")
        .rsplit('#')
        .next()
        .unwrap()
        .trim()
        .to_owned();
    let setup = json!({"token": token, "username": "ann", "password": PASSWORD});
    let done = page_request(
        &a.client,
        &a.url,
        Method::POST,
        "/api/setup",
        None,
        Some(setup),
    )
    .await;
    session_of(&done).unwrap()
}

#[tokio::test]
async fn rooms_and_memberships_are_shared_and_a_removal_on_one_node_stops_delivery_on_the_other() {
    let redis = shared_redis_url();
    let prefix = unique_prefix("rooms");
    let a = start_node(&redis, &prefix).await;
    let b = start_node(&redis, &prefix).await;
    let ann = first_admin(&a).await;
    let bob = join(&a, &ann, "bob").await;
    let cat = join(&b, &ann, "cat").await;

    // A closed room made on A, read by cat on B.
    let room: RoomSummary = call(
        &a,
        Method::POST,
        "/api/rooms",
        &bob,
        Some(json!({"name": "ops", "kind": "closed", "members": ["cat"]})),
    )
    .await
    .json()
    .await
    .unwrap();
    let (mut cat_on_b, hello) = stream(&b, &cat, "").await;
    let StreamEvent::Hello { epoch, rooms, .. } = hello else {
        panic!()
    };
    assert!(
        rooms.unwrap().iter().any(|r| r.id == room.id),
        "B knows the room"
    );
    // Typing on A reaches B through Redis Pub/Sub, before the message that follows it.
    let typed = call(
        &a,
        Method::POST,
        &format!("/api/rooms/{}/typing", room.id),
        &bob,
        None,
    )
    .await;
    assert_eq!(typed.status(), 204);
    loop {
        match cat_on_b.next_non_heartbeat(SOON).await {
            StreamEvent::Typing { id, account, .. } => {
                assert_eq!((id, account.as_str()), (room.id, "bob"));
                break;
            }
            StreamEvent::Msgs { msgs } => panic!("typing first: {msgs:?}"),
            _ => {}
        }
    }
    say(&a, &bob, room.id, "hello ops").await;
    let seen = messages_until(&mut cat_on_b, "hello ops").await;
    assert_eq!(seen.last().unwrap().room, room.id);
    let since = seen.last().unwrap().id;

    // Removed on A: B tells cat and delivers nothing more of the room.
    let removed = call(
        &a,
        Method::DELETE,
        &format!("/api/rooms/{}/members/cat", room.id),
        &bob,
        None,
    )
    .await;
    assert_eq!(removed.status(), 204);
    loop {
        match cat_on_b.next_non_heartbeat(SOON).await {
            StreamEvent::RoomRemoved { id } => {
                assert_eq!(id, room.id);
                break;
            }
            StreamEvent::Msgs { msgs } => panic!("nothing before the removal: {msgs:?}"),
            _ => {}
        }
    }
    say(&a, &bob, room.id, "ops only").await;
    say(&a, &bob, 0, "lobby marker").await;
    let seen = messages_until(&mut cat_on_b, "lobby marker").await;
    assert!(seen.iter().all(|m| m.room == 0), "{seen:?}");
    let refused = call(
        &b,
        Method::GET,
        &format!("/api/rooms/{}/history", room.id),
        &cat,
        None,
    )
    .await;
    assert_eq!(refused.status(), 404);

    // The same direct conversation asked for on both nodes at once: one room.
    let (on_a, on_b) = tokio::join!(
        call(
            &a,
            Method::POST,
            "/api/dms",
            &bob,
            Some(json!({"members": ["cat"]}))
        ),
        call(
            &b,
            Method::POST,
            "/api/dms",
            &cat,
            Some(json!({"members": ["bob"]}))
        )
    );
    let mut statuses = [on_a.status().as_u16(), on_b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 201]);
    let (dm_a, dm_b): (RoomSummary, RoomSummary) =
        (on_a.json().await.unwrap(), on_b.json().await.unwrap());
    assert_eq!(dm_a.id, dm_b.id);

    // cat resumes on A after `since`: the lobby and the DM, not the room cat left.
    drop(cat_on_b);
    let direct = say(&b, &bob, dm_a.id, "psst").await;
    let (_, hello) = stream(&a, &cat, &format!("?since={since}&epoch={epoch}")).await;
    let StreamEvent::Hello { reset, msgs, .. } = hello else {
        panic!()
    };
    assert!(!reset);
    let texts: Vec<&str> = msgs.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["lobby marker", "psst"], "no gap, no duplicate");
    assert_eq!(msgs.last().unwrap().id, direct.id);
}
